"""Event services and the lifecycle, called directly."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.errors import Forbidden, InvalidTransition, ValidationError
from tracker.events import lifecycle, registry, services, signals
from tracker.events.models import Event, EventStatus
from tracker.extensions import db

S = EventStatus
CANARY = "CANARY-7f3a-private-text"


def _audit_rows(action):
    stmt = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
    return list(db.session.scalars(stmt))


def test_create_records_draft_history_and_audit(make_user, event_data):
    planner = make_user(Role.PLANNER)
    event = services.create_event(planner, event_data(logistics_notes=CANARY), NOW)
    db.session.commit()
    assert event.status == "draft"
    assert [(c.from_status, c.to_status) for c in event.status_changes] == [(None, "draft")]
    row = _audit_rows("event.create")[-1]
    assert row.object_id == str(event.id) and row.actor_id == planner.id
    assert row.changes["kind"] == {"from": None, "to": "rally"}
    assert row.changes["logistics_notes"] == "changed"
    assert CANARY not in str(row.changes)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": " "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"venue": ""}, "venue"),
    ({"kind": "riot"}, "kind"),
    ({"permit_status": "maybe"}, "permit_status"),
    ({"information_source": "informant"}, "information_source"),
    ({"ends_at": NOW + timedelta(days=3)}, "ends_at"),  # equal to the start
    ({"attendance_low": 500, "attendance_high": 100}, "attendance_high"),
    ({"attendance_low": -1}, "attendance_low"),
    ({"logistics_notes": "x" * 5001}, "logistics_notes"),
])
def test_create_rejects_bad_input(make_user, event_data, overrides, field):
    planner = make_user(Role.PLANNER)
    with pytest.raises(ValidationError) as err:
        services.create_event(planner, event_data(**overrides), NOW)
    assert err.value.field == field


def test_assignees_must_hold_the_role(make_user, event_data):
    planner = make_user(Role.PLANNER)
    leader = make_user(Role.LEADERSHIP)
    with pytest.raises(ValidationError) as err:
        services.create_event(planner, event_data(liaison_id=leader.id), NOW)
    assert err.value.field == "liaison_id"
    with pytest.raises(ValidationError):
        services.create_event(planner, event_data(planner_id=99999), NOW)


def test_only_planners_create(make_user, event_data):
    with pytest.raises(Forbidden):
        services.create_event(make_user(Role.LEADERSHIP), event_data(), NOW)


def test_update_summarises_fields_without_copying_free_text(make_user, make_event,
                                                            event_data):
    planner = make_user(Role.PLANNER)
    event = make_event(planner)
    new_start = NOW + timedelta(days=4)
    changed = services.update_event(planner, event, event_data(
        title=f"New title {CANARY}", starts_at=new_start, organizing_group=CANARY), NOW)
    db.session.commit()
    assert changed == {"title", "starts_at", "ends_at", "organizing_group"}
    row = _audit_rows("event.update")[-1]
    assert row.changes["title"] == "changed"
    assert row.changes["starts_at"]["to"] == new_start.isoformat()
    assert CANARY not in str(row.changes)


def test_update_without_changes_writes_nothing(make_user, make_event, event_data):
    planner = make_user(Role.PLANNER)
    event = make_event(planner)
    assert services.update_event(planner, event, event_data(), NOW) == set()
    assert _audit_rows("event.update") == []


def test_time_change_sends_signal_with_changed_fields(make_user, make_event, event_data):
    planner = make_user(Role.PLANNER)
    event = make_event(planner)
    received = []

    def receiver(sender, **kw):
        received.append((sender, kw["changed"]))

    signals.event_changed.connect(receiver)
    try:
        services.update_event(planner, event, event_data(
            starts_at=NOW + timedelta(days=5)), NOW)
    finally:
        signals.event_changed.disconnect(receiver)
    assert received == [(event, {"starts_at", "ends_at"})]


def test_related_events_link_and_refuse_self(make_user, make_event, event_data):
    planner = make_user(Role.PLANNER)
    rally = make_event(planner)
    counter = make_event(planner, kind="counter_demonstration", related_ids=[rally.id])
    assert counter.related == [rally]
    with pytest.raises(ValidationError) as err:
        services.update_event(planner, counter, event_data(related_ids=[counter.id]), NOW)
    assert err.value.field == "related_ids"


def test_only_drafts_are_deleted(make_user, make_event):
    planner = make_user(Role.PLANNER)
    draft = make_event(planner)
    services.delete_event(planner, draft, NOW)
    db.session.commit()
    assert db.session.get(Event, draft.id) is None
    assert _audit_rows("event.delete")[-1].object_id == str(draft.id)
    planned = make_event(planner)
    services.transition(planner, planned, S.PLANNING, NOW)
    with pytest.raises(ValidationError, match="Only drafts"):
        services.delete_event(planner, planned, NOW)


def _ready(make_user, make_event):
    planner = make_user(Role.PLANNER)
    liaison = make_user(Role.LIAISON)
    leader = make_user(Role.LEADERSHIP)
    event = make_event(planner, planner_id=planner.id, liaison_id=liaison.id)
    return planner, leader, event


def test_full_lifecycle_records_history(make_user, make_event, complete_stage):
    planner, leader, event = _ready(make_user, make_event)
    complete_stage(event, planner, "pre_event")
    complete_stage(event, planner, "post_event")
    services.transition(planner, event, S.PLANNING, NOW)
    services.transition(leader, event, S.PLAN_APPROVED, NOW, note="Approved at briefing")
    for target in (S.IN_PROGRESS, S.CONCLUDED, S.CLOSED):
        services.transition(planner, event, target, NOW)
    db.session.commit()
    assert [c.to_status for c in event.status_changes] == [
        "draft", "planning", "plan_approved", "in_progress", "concluded", "closed"]
    assert event.status_changes[2].note == "Approved at briefing"
    assert len(_audit_rows("event.status_change")) == 5


def test_only_leadership_approves(make_user, make_event):
    planner, _leader, event = _ready(make_user, make_event)
    services.transition(planner, event, S.PLANNING, NOW)
    with pytest.raises(Forbidden, match="Leadership"):
        services.transition(planner, event, S.PLAN_APPROVED, NOW)


def test_approval_blocked_until_liaison_named(make_user, make_event):
    planner = make_user(Role.PLANNER)
    leader = make_user(Role.LEADERSHIP)
    event = make_event(planner, planner_id=planner.id)
    services.transition(planner, event, S.PLANNING, NOW)
    with pytest.raises(InvalidTransition) as err:
        services.transition(leader, event, S.PLAN_APPROVED, NOW)
    first = err.value.reasons[0]
    assert first.message == "Name a liaison officer as the organizers' point of contact."
    assert first.endpoint == "events.edit"
    assert event.status == "planning"


def test_skipping_stages_is_refused(make_user, make_event):
    planner, _leader, event = _ready(make_user, make_event)
    with pytest.raises(InvalidTransition):
        services.transition(planner, event, S.CLOSED, NOW)


@pytest.mark.parametrize("state", sorted(lifecycle.OPEN_STATES))
def test_cancel_from_every_open_state(state):
    assert (state, S.CANCELLED) in lifecycle.TRANSITIONS


def test_cancelled_keeps_record_and_refuses_edits(make_user, make_event, event_data):
    planner, _leader, event = _ready(make_user, make_event)
    services.transition(planner, event, S.CANCELLED, NOW)
    db.session.commit()
    assert db.session.get(Event, event.id).status == "cancelled"
    assert lifecycle.allowed_targets(event) == []
    with pytest.raises(ValidationError, match="no longer be edited"):
        services.update_event(planner, event, event_data(title="Changed"), NOW)


def test_registered_gate_blocks_transition(make_user, make_event):
    planner, _leader, event = _ready(make_user, make_event)

    def gate(ev, target):
        return [lifecycle.Unmet("Answer the checklist.")] if target is S.PLANNING else []

    registry.register_gate(gate)
    try:
        with pytest.raises(InvalidTransition) as err:
            services.transition(planner, event, S.PLANNING, NOW)
        assert err.value.reasons[0].message == "Answer the checklist."
    finally:
        registry.unregister_gate(gate)


def test_upcoming_and_attention(make_user, make_event):
    planner, leader, event = _ready(make_user, make_event)
    far = make_event(planner, starts_at=NOW + timedelta(days=30), planner_id=planner.id)
    past = make_event(planner, starts_at=NOW - timedelta(days=2), planner_id=planner.id)
    assert services.upcoming(NOW, 14) == [event]
    services.transition(planner, event, S.PLANNING, NOW)
    attention = services.needing_attention(leader, NOW, 14)
    assert attention == {"Plans awaiting approval, all dates, soonest first": [event]}
    assert far not in services.upcoming(NOW, 14) and past not in services.upcoming(NOW, 14)
    # "My open events" has every open event of the planner, whatever its date.
    mine = services.needing_attention(planner, NOW, 14)
    assert mine == {"My open events (planner or liaison), all dates, soonest first": [
        past, event, far]}
    services.transition(planner, far, S.CANCELLED, NOW)
    assert far not in next(iter(services.needing_attention(planner, NOW, 14).values()))
