"""Event changes carry what changed, and each area acts only on the fields it follows,
whatever order the areas were wired in."""

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.checklist import gates
from tracker.checklist.models import ChecklistEntry, EventChecklist
from tracker.events import services, signals
from tracker.extensions import db
from tracker.reminders.models import Reminder, ReminderKind


def _reminders(event_id):
    return sorted((r.key, r.state, r.due_at) for r in db.session.scalars(
        select(Reminder).where(Reminder.event_id == event_id)))


def _due_dates(event_id):
    return sorted((e.id, e.due_at, e.version) for e in db.session.scalars(
        select(ChecklistEntry).join(EventChecklist)
        .where(EventChecklist.event_id == event_id)))


def _assigned_event(make_user, event_data):
    planner, liaison = make_user(Role.PLANNER), make_user(Role.LIAISON)
    make_user(Role.LEADERSHIP)
    event = services.create_event(planner, event_data(
        planner_id=planner.id, liaison_id=liaison.id, starts_at=NOW + timedelta(days=30)),
        NOW)
    db.session.commit()
    return planner, event


def test_a_change_set_names_the_changed_fields_with_old_and_new_values(
        make_user, event_data):
    planner, event = _assigned_event(make_user, event_data)
    seen = []

    def probe(sender, change, **_):
        seen.append(change)

    signals.event_settled.connect(probe)
    try:
        data = services.EventData(**services._snapshot(event))
        services.update_event(planner, event, replace(data, title="New title"), NOW)
    finally:
        signals.event_settled.disconnect(probe)
    assert [c.fields for c in seen] == [frozenset({"title"})]
    assert seen[0].old == {"title": "Rally at the courthouse"}
    assert seen[0].new == {"title": "New title"}
    assert not seen[0].touches({"starts_at", "ends_at"})


def test_a_title_change_re_times_no_reminder_and_moves_no_due_date(make_user, event_data):
    planner, event = _assigned_event(make_user, event_data)
    reminders, due = _reminders(event.id), _due_dates(event.id)
    assert any(key.startswith(ReminderKind.CHECKLIST_DUE.value) for key, _, _ in reminders)
    data = services.EventData(**services._snapshot(event))
    services.update_event(planner, event, replace(data, title="Another title"), NOW)
    db.session.commit()
    assert _reminders(event.id) == reminders
    assert _due_dates(event.id) == due


def test_a_time_change_moves_due_dates_and_reminders(make_user, event_data):
    planner, event = _assigned_event(make_user, event_data)
    reminders, due = _reminders(event.id), _due_dates(event.id)
    data = services.EventData(**services._snapshot(event))
    services.update_event(planner, event, replace(
        data, starts_at=data.starts_at + timedelta(days=2),
        ends_at=data.ends_at + timedelta(days=2)), NOW)
    db.session.commit()
    moved = _due_dates(event.id)
    assert moved != due
    assert all(after[1] - before[1] == timedelta(days=2)
               for before, after in zip(due, moved, strict=True) if before[1] is not None)
    pending = {key for key, state, _ in _reminders(event.id) if state == "pending"}
    assert pending and pending.isdisjoint({key for key, _, _ in reminders})


def test_reminders_of_a_new_event_do_not_depend_on_wiring_order(make_user, event_data):
    """The checklist's receiver connected after every other one: a new event's checklist
    reminders are computed all the same (reminders act in the second phase)."""
    signals.event_created.disconnect(gates._on_created)
    signals.event_created.connect(gates._on_created, weak=False)
    _, event = _assigned_event(make_user, event_data)
    kinds = {key.split(":")[0] for key, _, _ in _reminders(event.id)}
    assert kinds == {ReminderKind.CHECKLIST_DUE.value, ReminderKind.EVENT_UPCOMING.value}
