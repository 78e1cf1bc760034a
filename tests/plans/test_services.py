"""The operations plan: versions, approval binding, comparison, copies; the after-action
report and its corrective actions."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tests.support.accounts import audit_rows
from tests.support.plans import ASSIGNMENT
from tracker.accounts.roles import Role
from tracker.checklist import services as checklist
from tracker.errors import Conflict, Forbidden, InvalidTransition, ValidationError
from tracker.events import approvals
from tracker.events import services as events
from tracker.events.models import EventStatus, MaterialChange
from tracker.extensions import db
from tracker.plans import after_action, geo, services
from tracker.plans import sections as S
from tracker.reminders.models import Reminder

ES = EventStatus
SECOND = {"unit": "Traffic post", "location": "7th Ave", "starts": "10:30", "ends": "13:30",
          "task": "Hold cross traffic"}


@pytest.fixture
def people(make_user):
    return {"planner": make_user(Role.PLANNER, name="Pat Planner"),
            "liaison": make_user(Role.LIAISON, name="Lee Liaison"),
            "leader": make_user(Role.LEADERSHIP, name="Lou Leader"),
            "other": make_user(Role.PLANNER, name="Other Planner")}


@pytest.fixture
def event(people, make_event):
    event = make_event(people["planner"], planner_id=people["planner"].id,
                       liaison_id=people["liaison"].id, starts_at=NOW + timedelta(days=10))
    events.transition(people["planner"], event, ES.PLANNING, NOW)
    db.session.commit()
    return event


def approve(event, people, complete_stage):
    complete_stage(event, people["planner"])
    events.transition(people["leader"], event, ES.PLAN_APPROVED, NOW, note="Good.")
    db.session.commit()


def test_a_draft_keeps_the_rights_objective_first_and_is_audited(event, people):
    version = services.save_draft(people["planner"], event, {
        "objectives": [{"text": "Keep traffic moving"}], "assignments": [ASSIGNMENT, {}]}, NOW)
    db.session.commit()
    assert (version.number, version.status) == (1, "draft")
    assert [o["text"] for o in version.sections["objectives"]] == [
        S.RIGHTS_OBJECTIVE, "Keep traffic moving"]
    assert version.sections["assignments"] == [ASSIGNMENT]  # the blank row is dropped
    assert version.content_hash == S.content_hash(version.sections, None)
    assert [r.object_id for r in audit_rows("plan.version_create")] == [str(version.id)]
    # Saving again edits the same draft.
    again = services.save_draft(people["planner"], event, {
        "assignments": [ASSIGNMENT, SECOND]}, NOW, expected_version=version.version)
    assert again is version and version.number == 1
    assert len(audit_rows("plan.version_update")) == 1


@pytest.mark.parametrize(("row", "field", "message"), [
    ({**ASSIGNMENT, "starts": "25:00"}, "assignments-0-starts", "HH:MM"),
    ({**ASSIGNMENT, "task": ""}, "assignments-0-task", "enter the task"),
    ({**ASSIGNMENT, "ends": ASSIGNMENT["starts"]}, "assignments-0-ends", "time window"),
    ({**ASSIGNMENT, "unit": "Bike\nteam"}, "assignments-0-unit", "control character"),
    ({**ASSIGNMENT, "location": "x" * 301}, "assignments-0-location", "at most"),
])
def test_bad_cells_name_the_cell(event, people, row, field, message):
    with pytest.raises(ValidationError, match=message) as err:
        services.save_draft(people["planner"], event, {"assignments": [row]}, NOW)
    assert err.value.field == field


def test_only_the_events_planner_writes(event, people):
    for who in ("other", "liaison", "leader"):
        with pytest.raises(Forbidden):
            services.save_draft(people[who], event, {}, NOW)


def test_a_stale_save_is_a_conflict(event, people):
    first = services.save_draft(people["planner"], event, {"assignments": [ASSIGNMENT]}, NOW)
    opened = first.version
    services.save_draft(people["planner"], event, {"assignments": [SECOND]}, NOW,
                        expected_version=opened)
    db.session.commit()
    with pytest.raises(Conflict):
        services.save_draft(people["planner"], event, {"assignments": [ASSIGNMENT]}, NOW,
                            expected_version=opened)


def test_approval_needs_a_submitted_version(event, people, complete_stage):
    complete_stage(event, people["planner"])  # writes and submits one
    plan = services.find_plan(event.id)
    # A new draft withdraws the submitted version: approval is blocked again.
    services.save_draft(people["planner"], event, {"assignments": [SECOND]}, NOW)
    assert [v.status for v in plan.versions] == ["superseded", "draft"]
    with pytest.raises(InvalidTransition) as err:
        events.transition(people["leader"], event, ES.PLAN_APPROVED, NOW)
    assert any("Submit the operations plan (version 2)" in r.message
               for r in err.value.reasons)
    services.submit(people["planner"], event, NOW)
    events.transition(people["leader"], event, ES.PLAN_APPROVED, NOW)
    assert plan.latest.status == "approved"


def test_no_plan_blocks_approval(event, people):
    assert services.unmet_for_approval(event) == (
        "Write the operations plan and submit it for approval.")


def test_approving_the_event_approves_the_submitted_version(event, people, complete_stage):
    approve(event, people, complete_stage)
    plan = services.find_plan(event.id)
    version = plan.latest
    approval = approvals.latest(event)
    assert version.status == "approved" and version.approval_id == approval.id
    assert approval.content["operations_plan"] == {"version": 1,
                                                   "content_hash": version.content_hash}
    assert events.approval_state(event) is True
    assert [r.object_id for r in audit_rows("plan.approve")] == [str(version.id)]


def test_editing_after_approval_makes_a_draft_and_reopens(event, people, complete_stage):
    approve(event, people, complete_stage)
    plan = services.find_plan(event.id)
    approved = plan.latest
    draft = services.save_draft(people["planner"], event, {
        "assignments": [ASSIGNMENT, SECOND]}, NOW + timedelta(hours=1),
        expected_version=approved.version)
    db.session.commit()
    assert (draft.number, draft.status, approved.status) == (2, "draft", "approved")
    assert event.status == ES.PLANNING.value
    change = db.session.scalar(select(MaterialChange).where(MaterialChange.event_id == event.id))
    assert change.reopened and change.changes[0]["field"] == "operations_plan"
    assert events.approval_state(event) is False
    # Submitted and approved again: version 2 is the approved one, version 1 superseded.
    services.submit(people["planner"], event, NOW)
    events.transition(people["leader"], event, ES.PLAN_APPROVED, NOW)
    assert [v.status for v in plan.versions] == ["superseded", "approved"]
    assert approvals.latest(event).content["operations_plan"]["version"] == 2


def test_saving_unchanged_content_makes_no_version(event, people, complete_stage):
    approve(event, people, complete_stage)
    latest = services.find_plan(event.id).latest
    same = services.save_draft(people["planner"], event, latest.sections, NOW)
    assert same is latest and event.status == ES.PLAN_APPROVED.value


def test_compare_marks_changed_added_and_removed_lines(event, people):
    services.save_draft(people["planner"], event, {"assignments": [ASSIGNMENT]}, NOW)
    services.submit(people["planner"], event, NOW)
    services.save_draft(people["planner"], event, {
        "assignments": [{**ASSIGNMENT, "task": "Escort the march"}, SECOND],
        "demobilization": "Release units at 14:00"}, NOW)
    plan = services.find_plan(event.id)
    diff = {d.title: d for d in services.compare(plan.versions[0], plan.versions[1])}
    rows = diff["Assignments"].rows
    assert [r.tag for r in rows] == ["replace", "insert"]
    assert "Keep the route clear" in rows[0].left and "Escort the march" in rows[0].right
    assert [r.tag for r in diff["Demobilization"].rows] == ["insert"]
    assert not diff["Objectives"].changed


ROUTE_MAP = json.dumps({"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"kind": "route", "label": "March route"},
    "geometry": {"type": "LineString", "coordinates": [[-86.81, 36.15], [-86.79, 36.16]]}}]})


def test_the_map_is_checked_whoever_saves_it(event, people):
    with pytest.raises(ValidationError) as err:
        services.save_draft(people["planner"], event, {}, NOW, map_geojson=json.dumps({
            "type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
                "kind": "route", "label": "x"}, "geometry": {
                "type": "LineString", "coordinates": [[-200, 95], [0, 0]]}}]}))
    assert err.value.field == "map_geojson"
    assert services.find_plan(event.id) is None or services.find_plan(event.id).latest is None


def test_copy_takes_sections_and_map_only(event, people, make_event):
    services.save_draft(people["planner"], event, {"assignments": [ASSIGNMENT]}, NOW,
                        map_geojson=ROUTE_MAP)
    target = make_event(people["planner"], planner_id=people["planner"].id,
                        title="Next year's march")
    version = services.copy_from(people["planner"], target, event, NOW)
    db.session.commit()
    plan = services.find_plan(target.id)
    assert plan.copied_from_event_id == event.id and version.status == "draft"
    assert version.sections["assignments"] == [ASSIGNMENT]
    assert version.map_geojson == geo.clean(ROUTE_MAP)
    assert [f.label for f in geo.features(version.map_geojson)] == ["March route"]
    assert audit_rows("plan.copy")
    with pytest.raises(ValidationError, match="already has a plan"):
        services.copy_from(people["planner"], target, event, NOW)
    empty = make_event(people["planner"], planner_id=people["planner"].id)
    with pytest.raises(ValidationError, match="no plan to copy"):
        services.copy_from(people["planner"], empty, make_event(people["planner"]), NOW)
    with pytest.raises(Forbidden):
        services.copy_from(people["other"], empty, event, NOW)


# ---- after-action ---------------------------------------------------------------------


def test_the_report_is_written_after_the_event_with_counts_only(event, people):
    report_data = after_action.ReportData(went_as_planned="Closures on time", arrests=0,
                                          injuries=2, reviewed_on=NOW.date())
    with pytest.raises(ValidationError, match="after the event"):
        after_action.save_report(people["planner"], event, report_data, NOW)
    later = event.ends_at + timedelta(days=1)
    with pytest.raises(ValidationError) as err:
        after_action.save_report(people["planner"], event, after_action.ReportData(
            arrests=-1), later)
    assert err.value.field == "arrests"
    with pytest.raises(Forbidden):
        after_action.save_report(people["liaison"], event, report_data, later)
    report = after_action.save_report(people["planner"], event, report_data, later)
    db.session.commit()
    assert (report.arrests, report.injuries, report.complaints) == (0, 2, None)
    row = audit_rows("after_action.create")[0]
    assert row.changes["injuries"] == {"from": None, "to": 2}
    assert row.changes["went_as_planned"] == "changed"  # text is named, never copied


def test_the_review_date_answers_the_post_event_item(event, people):
    later = event.ends_at + timedelta(days=1)
    after_action.save_report(people["planner"], event, after_action.ReportData(
        reviewed_on=later.date()), later)
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "post.after_action_date")
    assert entry.value == later.date().isoformat()
    assert entry.history[-1].from_record


def test_the_report_answers_the_debrief_item_and_no_one_answers_it_by_hand(event, people):
    debrief = next(e for e in checklist.get_for_event(event.id).entries
                   if e.item.key == "post.debrief")
    later = event.ends_at + timedelta(days=1)
    with pytest.raises(ValidationError):
        checklist.answer(people["planner"], debrief, "done", "", later)
    assert debrief.value is None
    after_action.save_report(people["planner"], event, after_action.ReportData(), later)
    assert debrief.value == "done"
    assert debrief.history[-1].from_record


def test_corrective_actions_are_reminded_and_closed(event, people, make_user):
    later = event.ends_at + timedelta(days=1)
    after_action.save_report(people["planner"], event, after_action.ReportData(), later)
    owner = make_user(Role.LEADERSHIP, name="Owner")
    with pytest.raises(ValidationError) as err:
        after_action.add_action(people["planner"], event, "Fix signs", None, None, later)
    assert err.value.field == "owner_id"
    action = after_action.add_action(people["planner"], event, "Fix the detour signs",
                                     owner.id, later.date() + timedelta(days=14), later)
    db.session.commit()
    assert after_action.open_actions_for(owner) == [action]
    reminders = list(db.session.scalars(select(Reminder).where(
        Reminder.key.like(f"corrective:{action.id}:%"))))
    assert {r.recipient_id for r in reminders} == {owner.id} and len(reminders) == 2
    with pytest.raises(Forbidden):
        after_action.close_action(people["liaison"], action, "Done", later)
    with pytest.raises(ValidationError):
        after_action.close_action(owner, action, "", later)
    after_action.close_action(owner, action, "Agreed in writing", later)
    db.session.commit()
    assert after_action.open_actions_for(owner) == []
    assert {r.state for r in reminders} == {"cancelled"}
    assert audit_rows("corrective_action.close")


def test_the_owner_is_reminded_a_week_before_the_due_date(event, people, make_user):
    from tracker.reminders import dispatch, mail
    from tracker.reminders.models import InboxMessage

    later = event.ends_at + timedelta(days=1)
    after_action.save_report(people["planner"], event, after_action.ReportData(), later)
    owner = make_user(Role.LIAISON, name="Owner")
    due = later.date() + timedelta(days=20)
    after_action.add_action(people["planner"], event, "Fix the detour signs", owner.id,
                            due, later)
    db.session.commit()

    def inbox():
        return list(db.session.scalars(select(InboxMessage).where(
            InboxMessage.recipient_id == owner.id)))

    dispatch.run_cycle(later + timedelta(days=1), mail.settings_from_config())
    assert inbox() == []  # not yet due
    dispatch.run_cycle(later + timedelta(days=14), mail.settings_from_config())
    messages = inbox()
    assert len(messages) == 1 and "Corrective action due" in messages[0].subject
    assert messages[0].link == f"/events/{event.id}/after-action"
