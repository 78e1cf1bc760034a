"""The checklist: creation with the event, due dates, answers, red flags and gates."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tests.support.plans import submit_plan, write_plan_records
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.checklist import catalog, reviews, services, stages
from tracker.checklist.models import ReviewStatus, Stage
from tracker.errors import Forbidden, InvalidTransition, ValidationError
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db

S = EventStatus
JUSTIFICATION = "Approved by Lt. Example after a documented threat to the venue."


@pytest.fixture
def staff(make_user):
    return {role: make_user(role) for role in
            (Role.PLANNER, Role.LIAISON, Role.LEADERSHIP, Role.PRIVACY_OFFICER)}


@pytest.fixture
def event(staff, make_event):
    return make_event(staff[Role.PLANNER], planner_id=staff[Role.PLANNER].id,
                      liaison_id=staff[Role.LIAISON].id)


def entry_for(event, key):
    checklist = services.get_for_event(event.id)
    return next(e for e in checklist.entries if e.item.key == key)


def answer_required(event, staff, stage):
    """Answer every required item of a stage with a safe answer, each by its role (and
    write the records some items are answered from: the plan, the after-action report)."""
    write_plan_records(event, staff[Role.PLANNER], stage, NOW)
    for entry in services.entries_by_stage(services.get_for_event(event.id))[stage]:
        if not entry.item.required or entry.answered or stages.record_item(entry):
            continue
        safe = [o for o in entry.item.answer_options if o not in entry.item.red_flag_answers]
        value = safe[0] if safe else ("2026-12-01" if entry.item.response_type == "date"
                                      else "Recorded in the operations plan")
        services.answer(staff[Role(entry.item.responsible_role)], entry, value, "", NOW)


def test_shipped_template_covers_the_three_stages(app):
    _note, specs = catalog.load_seed()
    counts = {stage: sum(s.stage == stage.value for s in specs) for stage in Stage}
    assert counts[Stage.PRE_EVENT] >= 12 and counts[Stage.OPERATIONAL] >= 8
    assert counts[Stage.POST_EVENT] >= 6
    keys = {s.key for s in specs}
    assert "post.disposition" in keys
    assert sum(bool(s.red_flag_answers) for s in specs) >= 9


def test_new_event_gets_checklist_of_latest_version_with_due_dates(event):
    checklist = services.get_for_event(event.id)
    assert checklist.template.version == 1
    assert len(checklist.entries) == len(checklist.template.items)
    with_due = [e for e in checklist.entries if e.item.due_anchor]
    assert with_due
    for entry in with_due:
        anchor = event.starts_at if entry.item.due_anchor == "start" else event.ends_at
        assert entry.due_at == anchor + timedelta(days=entry.item.due_days)


def test_due_dates_follow_event_times(event, staff, event_data):
    moved = NOW + timedelta(days=20)
    events.update_event(staff[Role.PLANNER], event, event_data(
        starts_at=moved, planner_id=event.planner_id, liaison_id=event.liaison_id), NOW)
    for entry in services.get_for_event(event.id).entries:
        if entry.item.due_anchor == "start":
            assert entry.due_at == moved + timedelta(days=entry.item.due_days)


def test_answer_keeps_history_and_audits_values_for_fixed_options(event, staff):
    leader = staff[Role.LEADERSHIP]
    entry = entry_for(event, "pre.undercover")
    assert services.answer(leader, entry, "no", "", NOW)
    later = NOW + timedelta(hours=1)
    assert services.answer(leader, entry, "yes", JUSTIFICATION, later)
    assert [(h.value, h.answered_at) for h in entry.history] == [("no", NOW), ("yes", later)]
    assert entry.value == "yes" and entry.answered_by_id == leader.id
    rows = list(db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "checklist.answer").order_by(AuditRecord.id)))
    assert rows[-1].changes["value"] == {"from": "no", "to": "yes"}
    assert rows[-1].changes["justification"] == "changed"
    assert "Lt. Example" not in str(rows[-1].changes)


def test_same_answer_again_changes_nothing(event, staff):
    entry = entry_for(event, "pre.undercover")
    services.answer(staff[Role.LEADERSHIP], entry, "no", "", NOW)
    assert not services.answer(staff[Role.LEADERSHIP], entry, "no", "", NOW)
    assert len(entry.history) == 1


def test_short_text_value_is_not_copied_to_audit(event, staff):
    entry = next(e for e in services.get_for_event(event.id).entries
                 if e.item.response_type == "short_text")
    services.answer(staff[Role.PLANNER], entry, "CANARY-text-value", "", NOW)
    row = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "checklist.answer")).all()[-1]
    assert row.changes["value"] == "changed"


@pytest.mark.parametrize(("value", "message"), [
    ("", "Give an answer"), ("maybe", "listed answers")])
def test_bad_answers_are_refused(event, staff, value, message):
    with pytest.raises(ValidationError, match=message):
        services.answer(staff[Role.LEADERSHIP], entry_for(event, "pre.undercover"), value,
                        "", NOW)


def test_date_answer_must_be_a_date(event, staff, monkeypatch):
    from tracker.checklist import stages

    # The template's date item is answered from the after-action report (tracker/plans):
    # here it is answered by hand, as a template without that area would.
    monkeypatch.setattr(stages, "RECORD_ITEMS", {k: v for k, v in stages.RECORD_ITEMS.items()
                                                 if k != "post.after_action_date"})
    entry = next(e for e in services.get_for_event(event.id).entries
                 if e.item.response_type == "date")
    later = event.ends_at + timedelta(hours=1)  # a post-event item: open once it ended
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        services.answer(staff[Role.PLANNER], entry, "next week", "", later)


def test_red_flag_needs_justification_and_opens_review(event, staff):
    entry = entry_for(event, "pre.undercover")
    with pytest.raises(ValidationError) as err:
        services.answer(staff[Role.LEADERSHIP], entry, "yes", "because", NOW)
    assert err.value.field == "justification"
    services.answer(staff[Role.LEADERSHIP], entry, "yes", JUSTIFICATION, NOW)
    review = services.current_review(entry)
    assert review.status == ReviewStatus.PENDING and review.answer.value == "yes"
    assert reviews.pending() == [review]


def test_changing_a_flagged_answer_withdraws_its_pending_review(event, staff):
    entry = entry_for(event, "pre.undercover")
    services.answer(staff[Role.LEADERSHIP], entry, "yes", JUSTIFICATION, NOW)
    first = services.current_review(entry)
    services.answer(staff[Role.LEADERSHIP], entry, "no", "", NOW)
    assert first.status == ReviewStatus.WITHDRAWN
    assert services.current_review(entry) is None and reviews.pending() == []


def test_only_privacy_officers_decide_and_need_a_note(event, staff):
    entry = entry_for(event, "pre.undercover")
    services.answer(staff[Role.LEADERSHIP], entry, "yes", JUSTIFICATION, NOW)
    review = services.current_review(entry)
    with pytest.raises(Forbidden):
        reviews.decide(staff[Role.LEADERSHIP], review, "approved", "fine", NOW)
    with pytest.raises(ValidationError) as err:
        reviews.decide(staff[Role.PRIVACY_OFFICER], review, "approved", " ", NOW)
    assert err.value.field == "note"
    reviews.decide(staff[Role.PRIVACY_OFFICER], review, "approved", "Policy 4.2 applies", NOW)
    assert review.status == "approved" and review.decided_by_id == staff[Role.PRIVACY_OFFICER].id
    with pytest.raises(ValidationError, match="already been closed"):
        reviews.decide(staff[Role.PRIVACY_OFFICER], review, "rejected", "again", NOW)


def test_roles_that_may_answer(event, staff):
    planners_item = entry_for(event, "pre.counter_events")
    assert planners_item.item.responsible_role == "planner"
    for role in (Role.LIAISON, Role.LEADERSHIP, Role.PRIVACY_OFFICER):
        assert not services.may_answer(staff[role], planners_item)
    with pytest.raises(Forbidden):
        services.answer(staff[Role.LEADERSHIP], planners_item, "no", "", NOW)
    leaders_item = entry_for(event, "pre.undercover")
    assert leaders_item.item.responsible_role == "leadership"
    assert services.may_answer(staff[Role.LEADERSHIP], leaders_item)
    # A planner does not answer for leadership or the privacy officer.
    assert not services.may_answer(staff[Role.PLANNER], leaders_item)
    with pytest.raises(Forbidden):
        services.answer(staff[Role.PLANNER], leaders_item, "no", "", NOW)
    privacy_item = entry_for(event, "pre.views_collection")
    assert not services.may_answer(staff[Role.PLANNER], privacy_item)
    assert services.may_answer(staff[Role.PRIVACY_OFFICER], privacy_item)


def test_approval_gate_lists_missing_items_then_red_flags_then_allows(event, staff):
    planner, leader = staff[Role.PLANNER], staff[Role.LEADERSHIP]
    events.transition(planner, event, S.PLANNING, NOW)
    submit_plan(event, planner, NOW)  # the plan's own gate: tests/plans
    with pytest.raises(InvalidTransition) as err:
        events.transition(leader, event, S.PLAN_APPROVED, NOW)
    required = [e for e in services.entries_by_stage(
        services.get_for_event(event.id))[Stage.PRE_EVENT]
        if e.item.required and not e.answered]  # the record items are answered already
    assert len(err.value.reasons) == len(required)
    assert all(r.endpoint == "checklist.step" for r in err.value.reasons)

    answer_required(event, staff, Stage.PRE_EVENT)
    flagged = entry_for(event, "pre.undercover")
    services.answer(leader, flagged, "yes", JUSTIFICATION, NOW)
    with pytest.raises(InvalidTransition) as err:
        events.transition(leader, event, S.PLAN_APPROVED, NOW)
    assert [r.message for r in err.value.reasons] == [
        f"The red flag on \u201c{flagged.item.prompt}\u201d is waiting for a privacy "
        "officer's review."]

    review = services.current_review(flagged)
    reviews.decide(staff[Role.PRIVACY_OFFICER], review, "rejected", "Not justified", NOW)
    with pytest.raises(InvalidTransition, match="blocked") as err:
        events.transition(leader, event, S.PLAN_APPROVED, NOW)
    assert "rejected" in err.value.reasons[0].message

    services.answer(leader, flagged, "yes", JUSTIFICATION + " Now with written approval.", NOW)
    reviews.decide(staff[Role.PRIVACY_OFFICER], services.current_review(flagged), "approved",
                   "Written approval on file", NOW)
    events.transition(leader, event, S.PLAN_APPROVED, NOW)
    assert event.status == "plan_approved"


def test_closing_needs_the_post_event_items(event, staff):
    planner, leader = staff[Role.PLANNER], staff[Role.LEADERSHIP]
    answer_required(event, staff, Stage.PRE_EVENT)
    for target, actor in ((S.PLANNING, planner), (S.PLAN_APPROVED, leader),
                          (S.IN_PROGRESS, planner), (S.CONCLUDED, planner)):
        events.transition(actor, event, target, NOW)
    with pytest.raises(InvalidTransition) as err:
        events.transition(planner, event, S.CLOSED, NOW)
    assert err.value.reasons
    assert {dict(r.values)["stage"] for r in err.value.reasons} == {"post_event"}
    # Concluded: the post-event items are open although the event's end is still ahead.
    answer_required(event, staff, Stage.POST_EVENT)
    events.transition(planner, event, S.CLOSED, NOW)
    assert event.status == "closed"


def test_template_edit_publishes_new_version_and_old_events_keep_theirs(event, staff,
                                                                       make_user, make_event):
    admin = make_user(Role.ADMIN)
    item = entry_for(event, "pre.undercover").item
    spec = catalog.ItemSpec.from_item(item)
    spec.prompt = "Will undercover officers attend? (revised)"
    template = catalog.save_item(admin, item.key, spec, NOW, "Reworded undercover item")
    assert template.version == 2
    assert entry_for(event, "pre.undercover").item.prompt == item.prompt
    newer = make_event(staff[Role.PLANNER])
    assert services.get_for_event(newer.id).template.version == 2
    assert entry_for(newer, "pre.undercover").item.prompt.endswith("(revised)")


@pytest.mark.parametrize(("change", "field"), [
    ({"response_type": "choice", "choices": ["only one"]}, "choices"),
    ({"red_flag_answers": ["perhaps"]}, "red_flag_answers"),
    ({"due_anchor": "start", "due_days": None}, "due_days"),
    ({"prompt": ""}, "prompt"),
])
def test_template_edit_validation(event, make_user, change, field):
    admin = make_user(Role.ADMIN)
    spec = catalog.ItemSpec.from_item(entry_for(event, "pre.undercover").item)
    for name, value in change.items():
        setattr(spec, name, value)
    with pytest.raises(ValidationError) as err:
        catalog.save_item(admin, spec.key, spec, NOW, "bad edit")
    assert err.value.field == field


def test_overdue_items_for_the_assigned_planner(event, staff):
    later = event.starts_at + timedelta(days=1)
    due, total = services.overdue_and_due(staff[Role.PLANNER], later, 0)
    assert due and total == len(due)
    assert all(e.item.responsible_role == "planner" for e in due)
    assert all(e.checklist.event_id == event.id for e in due)
    assert [e.due_at for e in due] == sorted(e.due_at for e in due)
    assert services.overdue_and_due(staff[Role.LEADERSHIP], later, 0) == ([], 0)


def test_overdue_items_beyond_the_limit_are_counted(event, staff):
    later = event.starts_at + timedelta(days=1)
    everything, total = services.overdue_and_due(staff[Role.PLANNER], later, 0)
    assert total >= 3
    first, counted = services.overdue_and_due(staff[Role.PLANNER], later, 0, limit=2)
    assert first == everything[:2] and counted == total


# ---- each stage in its time; items that restate the event record ---------------------


def test_later_stages_open_at_the_start_and_end_or_with_the_status(event, staff):
    leader = staff[Role.LEADERSHIP]
    ops = entry_for(event, "ops.command_post")
    post = entry_for(event, "post.policy_training")
    with pytest.raises(ValidationError, match="Operational items open when the event starts"):
        services.answer(leader, ops, "done", "", NOW)
    with pytest.raises(ValidationError, match="Post-event items open when the event ends"):
        services.answer(leader, post, "done", "", NOW)
    assert not ops.answered and not post.answered
    # At the start the operational items open; the post-event ones wait for the end.
    assert services.answer(leader, ops, "done", "", event.starts_at)
    with pytest.raises(ValidationError, match="marked concluded"):
        services.answer(leader, post, "done", "", event.starts_at)
    assert services.answer(leader, post, "done", "", event.ends_at)


def test_marking_in_progress_opens_the_operational_stage_early(event, staff, complete_stage):
    planner, leader = staff[Role.PLANNER], staff[Role.LEADERSHIP]
    complete_stage(event, planner)
    events.transition(planner, event, S.PLANNING, NOW)
    events.transition(leader, event, S.PLAN_APPROVED, NOW)
    events.transition(planner, event, S.IN_PROGRESS, NOW)
    assert services.answer(leader, entry_for(event, "ops.command_post"), "done", "", NOW)
    with pytest.raises(ValidationError, match="Post-event"):
        services.answer(leader, entry_for(event, "post.policy_training"), "done", "", NOW)


def test_an_answer_from_before_the_stage_opened_is_marked(event, staff):
    from tracker.checklist import stages
    from tracker.checklist.models import AnswerRecord

    entry = entry_for(event, "post.policy_training")
    early = AnswerRecord(value="done", justification="", responder_id=staff[Role.PLANNER].id,
                         answered_at=NOW)  # as an earlier version allowed
    entry.history.append(early)
    entry.value = "done"
    db.session.flush()
    assert stages.answered_early(early, event, Stage.POST_EVENT)
    on_time = AnswerRecord(value="done", responder_id=1, answered_at=event.ends_at)
    assert not stages.answered_early(on_time, event, Stage.POST_EVENT)


def test_record_items_are_answered_from_the_event_record(event, staff, event_data):
    source, permit = entry_for(event, "pre.source"), entry_for(event, "pre.permit_status")
    assert (source.value, permit.value) == ("Permit application", "Application pending")
    assert permit.history[-1].from_record
    with pytest.raises(ValidationError, match="answered from the event record"):
        services.answer(staff[Role.PLANNER], permit, "Permit granted", "", NOW)
    events.update_event(staff[Role.PLANNER], event, event_data(
        permit_status="granted", planner_id=event.planner_id, liaison_id=event.liaison_id),
        NOW)
    assert permit.value == "Permit granted" and len(permit.history) == 2


def test_a_contradiction_with_the_record_blocks_approval(event, staff, complete_stage):
    planner, leader = staff[Role.PLANNER], staff[Role.LEADERSHIP]
    complete_stage(event, planner)
    permit = entry_for(event, "pre.permit_status")
    permit.value = "Permit granted"  # an answer given before items followed the record
    events.transition(planner, event, S.PLANNING, NOW)
    with pytest.raises(InvalidTransition) as err:
        events.transition(leader, event, S.PLAN_APPROVED, NOW)
    assert [r.message for r in err.value.reasons] == [
        f"The checklist answer to \u201c{permit.item.prompt}\u201d is \u201cPermit granted\u201d, "
        "but the event record says permit status: \u201cApplied\u201d."]
    assert services.answer_from_record(planner, permit, NOW)
    with pytest.raises(Forbidden):
        services.answer_from_record(leader, permit, NOW)
    events.transition(leader, event, S.PLAN_APPROVED, NOW)
    assert event.status == "plan_approved"


@pytest.mark.parametrize(("key", "stage", "ok"), [
    ("pre.weather", "pre_event", True),
    ("ops.radio.channel_2", "operational", True),
    ("pre weather!!", "pre_event", False),
    ("Pre.Weather", "pre_event", False),
    ("post.weather", "pre_event", False),  # the prefix names another stage
    ("pre.", "pre_event", False),
    ("pre..x", "pre_event", False),
])
def test_template_keys_follow_one_pattern(event, make_user, key, stage, ok):
    admin = make_user(Role.ADMIN)
    spec = catalog.ItemSpec.from_item(entry_for(event, "pre.undercover").item)
    spec.key, spec.stage = key, stage
    if ok:
        catalog.save_item(admin, None, spec, NOW, "New item")
        assert any(i.key == key for i in catalog.current_template().items)
    else:
        with pytest.raises(ValidationError, match="prefix") as err:
            catalog.save_item(admin, None, spec, NOW, "New item")
        assert err.value.field == "key"
