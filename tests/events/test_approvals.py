"""Plan approvals bound to what was approved; material changes after approval."""

from dataclasses import asdict, replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.checklist import services as checklist
from tracker.events import approvals
from tracker.events import services as events
from tracker.events.models import EventStatus, MaterialChange, PlanApproval
from tracker.extensions import db
from tracker.reminders import dispatch, mail
from tracker.reminders.models import InboxMessage, Notice, Reminder

S = EventStatus
VENUE_CHANGE = "Venue or address: \u201cCourthouse steps\u201d \u2192 \u201cCity park\u201d"


@pytest.fixture
def people(make_user):
    return {"planner": make_user(Role.PLANNER, name="Pat Planner"),
            "liaison": make_user(Role.LIAISON, name="Lee Liaison"),
            "leader": make_user(Role.LEADERSHIP, name="Lou Leader"),
            "privacy": make_user(Role.PRIVACY_OFFICER, name="Pri Officer"),
            "other_planner": make_user(Role.PLANNER, name="Other Planner")}


@pytest.fixture
def approved(people, make_event, complete_stage):
    """An event whose plan leadership approved (version 1)."""
    event = make_event(people["planner"], planner_id=people["planner"].id,
                       liaison_id=people["liaison"].id, attendance_low=500,
                       attendance_high=2500, starts_at=NOW + timedelta(days=20))
    events.transition(people["planner"], event, S.PLANNING, NOW)
    complete_stage(event, people["planner"])
    events.transition(people["leader"], event, S.PLAN_APPROVED, NOW, note="Looks right.")
    db.session.commit()
    return event


def data_of(event, **changes):
    values = {name: getattr(event, name) for name in events.EventData.__dataclass_fields__
              if name != "related_ids"}
    values["related_ids"] = [e.id for e in event.related]
    return replace(events.EventData(**values), **changes)


def notices_to(user):
    return list(db.session.scalars(
        select(Notice).join(Reminder, Reminder.object_id == Notice.id)
        .where(Reminder.kind == "notice", Reminder.recipient_id == user.id)
        .order_by(Notice.id)))


def test_approval_records_who_when_note_and_fingerprint(approved, people):
    [approval] = approved.approvals
    assert (approval.version, approval.approved_by_id, approval.note) == (
        1, people["leader"].id, "Looks right.")
    assert approval.approved_at == NOW
    assert len(approval.fingerprint) == 64
    content = approval.content
    assert content["event"]["venue"] == approved.venue
    answered = {a["item"] for a in content["checklist_answers"]}
    assert "pre.logistics" in answered
    assert approval.fingerprint == approvals.fingerprint(content)
    assert events.approval_state(approved) is True
    row = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "event.approve"))
    assert row.changes["version"] == 1 and row.object_id == str(approved.id)


def test_a_changed_answer_no_longer_matches_the_approval(approved, people):
    entry = next(e for e in checklist.get_for_event(approved.id).entries
                 if e.item.key == "pre.public_notice")
    checklist.answer(people["planner"], entry, "Notice planned", "", NOW)
    db.session.commit()
    assert events.approval_state(approved) is False


def test_material_change_sends_the_plan_back_with_the_changes_in_words(approved, people):
    later = NOW + timedelta(hours=2)
    new_start = approved.starts_at + timedelta(days=7)
    events.update_event(people["planner"], approved, data_of(
        approved, starts_at=new_start, ends_at=new_start + timedelta(hours=2),
        venue="City park", attendance_high=10_000), later)
    db.session.commit()
    assert approved.status == S.PLANNING
    last = approved.status_changes[-1]
    assert (last.from_status, last.to_status, last.actor_id) == (
        "plan_approved", "planning", people["planner"].id)
    assert "approved version 1" in last.note
    assert VENUE_CHANGE in last.note
    assert "Expected attendance, high estimate: 2,500 \u2192 10,000" in last.note
    assert "Start: " in last.note
    [change] = approved.material_changes
    assert change.reopened and change.approval_id == approved.approvals[0].id
    assert {c["field"] for c in change.changes} == {
        "starts_at", "ends_at", "venue", "attendance_high"}
    assert db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "event.plan_reopened")) is not None
    # A new approval is needed: the gate runs again and makes version 2.
    events.transition(people["leader"], approved, S.PLAN_APPROVED, later)
    db.session.commit()
    assert [a.version for a in approved.approvals] == [1, 2]
    assert approvals.changes_since_approval(approved) == []


def test_each_person_concerned_is_told_once(approved, people):
    before = {k: len(notices_to(u)) for k, u in people.items()}
    events.update_event(people["planner"], approved, data_of(approved, venue="City park"),
                        NOW)
    db.session.commit()
    got = {k: len(notices_to(u)) - before[k] for k, u in people.items()}
    # The planner made the change; the other planner is not assigned.
    assert got == {"planner": 0, "liaison": 1, "leader": 1, "privacy": 1,
                   "other_planner": 0}
    notice = notices_to(people["leader"])[-1]
    assert notice.subject.startswith("Approved plan changed, back in planning")
    assert VENUE_CHANGE in notice.body


@pytest.mark.parametrize("field", list(approvals.MATERIAL_FIELDS))
def test_every_material_field_reopens_the_plan(approved, people, make_event, field):
    other = make_event(people["planner"], title="Counter-rally")
    new_values = {
        "starts_at": {"starts_at": approved.starts_at - timedelta(hours=1)},
        "ends_at": {"ends_at": approved.ends_at + timedelta(hours=1)},
        "venue": {"venue": "City park"},
        "route_description": {"route_description": "Main St to the park"},
        "attendance_low": {"attendance_low": 100},
        "attendance_high": {"attendance_high": 3000},
        "kind": {"kind": "march"},
        "permit_status": {"permit_status": "granted"},
        "permit_conditions": {"permit_conditions": "Sidewalks only"},
        "related_ids": {"related_ids": [other.id]},
        "planner_id": {"planner_id": people["other_planner"].id},
        "liaison_id": {"liaison_id": None},
    }[field]
    events.update_event(people["planner"], approved, data_of(approved, **new_values), NOW)
    db.session.commit()
    assert approved.status == S.PLANNING
    assert [c["field"] for c in approved.material_changes[-1].changes] == [field]


def test_other_fields_keep_the_approval(approved, people):
    events.update_event(people["planner"], approved, data_of(
        approved, title="Rally (renamed)", logistics_notes="Two water stations",
        permit_reference="P-1"), NOW)
    db.session.commit()
    assert approved.status == S.PLAN_APPROVED and approved.material_changes == []


def test_change_in_progress_is_flagged_and_keeps_the_status(approved, people):
    events.transition(people["planner"], approved, S.IN_PROGRESS, NOW)
    db.session.commit()
    before = len(notices_to(people["leader"]))
    events.update_event(people["planner"], approved,
                        data_of(approved, attendance_high=4000), NOW)
    db.session.commit()
    assert approved.status == S.IN_PROGRESS
    [change] = approvals.changes_since_approval(approved)
    assert not change.reopened and change.status == "in_progress"
    assert len(notices_to(people["leader"])) == before + 1
    assert notices_to(people["privacy"])[-1].subject.startswith("Changed while in progress")


def test_planning_events_change_freely(people, make_event):
    event = make_event(people["planner"])
    events.transition(people["planner"], event, S.PLANNING, NOW)
    events.update_event(people["planner"], event, data_of(event, venue="Elsewhere"), NOW)
    db.session.commit()
    assert event.status == S.PLANNING and event.material_changes == []
    assert db.session.scalar(select(PlanApproval.id)) is None
    assert db.session.scalar(select(MaterialChange.id)) is None


def test_preview_lists_changes_without_saving(approved, people):
    changes = events.preview_material_changes(
        people["planner"], approved, data_of(approved, venue="City park"))
    assert [c.field for c in changes] == ["venue"]
    db.session.rollback()
    assert approved.venue == "Courthouse steps" and approved.status == S.PLAN_APPROVED


# ---- through the web ----------------------------------------------------------------


def _form(event, **changes):
    local = "%Y-%m-%dT%H:%M"
    from tracker.timezones import to_local
    values = asdict(data_of(event))
    values.update(changes)
    form = {k: ("" if v is None else v) for k, v in values.items() if k != "related_ids"}
    form["starts_at"] = to_local(values["starts_at"]).strftime(local)
    form["ends_at"] = to_local(values["ends_at"]).strftime(local)
    form["related_ids"] = values["related_ids"]
    return form


def test_edit_form_warns_then_saves_on_confirmation(approved, people, client, app):
    login(client, people["planner"])
    page = client.get(f"/events/{approved.id}/edit").get_data(as_text=True)
    assert "sends it back to planning" in page
    form = _form(approved, venue="City park")
    response = client.post(f"/events/{approved.id}/edit", data=form)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Saving sends the plan back to planning" in text
    assert VENUE_CHANGE in text
    assert 'value="City park"' in text  # what was typed is kept
    db.session.expire_all()
    assert approved.status == S.PLAN_APPROVED and approved.venue == "Courthouse steps"
    response = client.post(f"/events/{approved.id}/edit",
                           data={**form, "confirm_material": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert approved.status == S.PLANNING and approved.venue == "City park"
    page = client.get(f"/events/{approved.id}").get_data(as_text=True)
    assert "Plan approved version 1 by Lou Leader" in page
    assert "Changed after approval" in page


def test_edit_without_material_change_saves_at_once(approved, people, client):
    login(client, people["planner"])
    response = client.post(f"/events/{approved.id}/edit",
                           data=_form(approved, title="Renamed rally"))
    assert response.status_code == 302
    db.session.expire_all()
    assert approved.title == "Renamed rally" and approved.status == S.PLAN_APPROVED


def test_bad_input_on_an_approved_event_shows_the_error_not_the_warning(
        approved, people, client):
    login(client, people["planner"])
    response = client.post(f"/events/{approved.id}/edit",
                           data=_form(approved, venue="City park", attendance_low=9000,
                                      attendance_high=10))
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Saving sends the plan back" not in text
    assert "at least the low estimate" in text


def test_leadership_inbox_and_mail_hear_of_the_change(approved, people, client,
                                                       smtp_server):
    events.update_event(people["planner"], approved, data_of(approved, venue="City park"),
                        NOW)
    db.session.commit()
    smtp_server.clear()
    dispatch.run_cycle(NOW + timedelta(minutes=1), mail.settings_from_config())
    mailed = {m["To"]: m["Subject"] for m in smtp_server.messages()}
    assert mailed[people["leader"].email].startswith("Approved plan changed")
    # The planner made the change: the only mail to them is the earlier approval.
    assert mailed[people["planner"].email].startswith("Plan approved (version 1)")
    messages = list(db.session.scalars(select(InboxMessage).where(
        InboxMessage.recipient_id == people["leader"].id)))
    assert any("back in planning" in m.subject and "City park" in m.body for m in messages)
    login(client, people["leader"])
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Approved plan changed, back in planning" in inbox


def test_summary_shows_the_approval_and_later_changes(approved, people, client):
    events.update_event(people["planner"], approved, data_of(approved, venue="City park"),
                        NOW)
    db.session.commit()
    login(client, people["privacy"])
    text = client.get(f"/events/{approved.id}/summary").get_data(as_text=True)
    assert "Approved version 1 by Lou Leader" in text
    assert "Changes after approval" in text and "City park" in text
    assert "have changed since version 1" in text
