"""Which reminders should exist: computed from the events, checklists and outreach
follow-ups, and kept in step with them (sync) whenever they change."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.checklist import services as checklist
from tracker.events.lifecycle import FINAL_STATES
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.outreach import services as outreach
from tracker.reminders.models import (
    EventReminderOffsets,
    Reminder,
    ReminderKind,
    ReminderState,
    UserReminderOffsets,
)
from tracker.timezones import agency_zone

K = ReminderKind
EVENT_KINDS = (K.EVENT_UPCOMING.value, K.CHECKLIST_DUE.value, K.FOLLOW_UP.value)
# A follow-up date is a day: remind at the start of the working day, agency time.
WORKDAY_START = time(8, 0)


@dataclass(frozen=True)
class Wanted:
    kind: ReminderKind
    object_id: int
    event_id: int | None
    recipient_id: int
    due_at: datetime

    @property
    def key(self) -> str:
        instant = self.due_at.astimezone(UTC)
        return (f"{self.kind.value}:{self.object_id}:{self.recipient_id}:"
                f"{instant.strftime('%Y%m%dT%H%M%SZ')}")


def day_start(day: date) -> datetime:
    return datetime.combine(day, WORKDAY_START, agency_zone())


def offsets_for(event: Event, user: User) -> list[int]:
    override = db.session.get(EventReminderOffsets, event.id)
    if override is not None:
        return list(override.days)
    own = db.session.get(UserReminderOffsets, user.id)
    return list(own.days) if own is not None else list(
        current_app.config["REMINDER_EVENT_OFFSETS_DAYS"])


def _assignee(user_id: int | None) -> User | None:
    """By id, not through the relationship: an assignment changed in this unit of work
    may not be reflected in an already loaded relationship yet."""
    return db.session.get(User, user_id) if user_id is not None else None


def _responsible(event: Event, role: str) -> list[User]:
    if role in (Role.PLANNER, Role.LIAISON):
        user = _assignee(event.planner_id if role == Role.PLANNER else event.liaison_id)
        return [user] if user else []
    return accounts.users_with_role(Role(role))


def _upcoming(event: Event) -> list[Wanted]:
    people = {u.id: u for u in map(_assignee, (event.planner_id, event.liaison_id))
              if u is not None and u.active}
    # Offsets are exact multiples of 24 hours before the start instant (in UTC, so the
    # result does not depend on the zone the start was given in).
    start = event.starts_at.astimezone(UTC)
    return [Wanted(K.EVENT_UPCOMING, event.id, event.id, user.id,
                   start - timedelta(days=days))
            for user in people.values() for days in offsets_for(event, user)]


def _checklist(event: Event) -> list[Wanted]:
    found = checklist.find_for_event(event.id)
    if found is None:
        return []
    return [Wanted(K.CHECKLIST_DUE, entry.id, event.id, user.id, entry.due_at)
            for entry in found.entries if not entry.answered and entry.due_at is not None
            for user in _responsible(event, entry.item.responsible_role) if user.active]


def _follow_ups(event: Event) -> list[Wanted]:
    return [Wanted(K.FOLLOW_UP, c.id, event.id, c.officer_id, day_start(c.follow_up_on))
            for c in outreach.for_event(event.id)
            if c.follow_up_on is not None and c.follow_up_done_at is None]


def wanted_for_event(event: Event) -> list[Wanted]:
    status = event.status_enum
    if status in FINAL_STATES:
        return []
    wanted = _checklist(event) + _follow_ups(event)
    if status not in (EventStatus.CONCLUDED, EventStatus.POSTPONED):
        wanted += _upcoming(event)
    return wanted


def sync_event(event: Event, now: datetime) -> None:
    """Make the pending reminders of an event match what is wanted now: new ones are
    added (unless already past: the dashboard shows what is overdue), obsolete pending
    ones cancelled. The unique key means a repeated sync never duplicates."""
    wanted = {w.key: w for w in wanted_for_event(event)}
    existing = {r.key: r for r in db.session.scalars(
        select(Reminder).where(Reminder.event_id == event.id,
                               Reminder.kind.in_(EVENT_KINDS)))}
    for key, row in existing.items():
        if key not in wanted and row.state == ReminderState.PENDING:
            row.state = ReminderState.CANCELLED.value
    for key, w in wanted.items():
        if w.due_at <= now:
            continue
        row = existing.get(key)
        if row is None:
            db.session.add(Reminder(key=key, kind=w.kind.value, object_id=w.object_id,
                                    event_id=w.event_id, recipient_id=w.recipient_id,
                                    due_at=w.due_at, created_at=now))
        elif row.state == ReminderState.CANCELLED:
            # Wanted again (the event moved back, planning resumed): revive it.
            row.state, row.attempts = ReminderState.PENDING.value, 0
            row.next_attempt_at, row.last_error = None, ""
    db.session.flush()


def sync_events_of(user: User, now: datetime) -> None:
    """After a user changes their settings: their open events follow."""
    stmt = select(Event).where((Event.planner_id == user.id) | (Event.liaison_id == user.id),
                               Event.status.not_in([s.value for s in FINAL_STATES]))
    for event in db.session.scalars(stmt):
        sync_event(event, now)


def next_digest_day(now: datetime) -> date:
    """The coming Monday in the agency's zone (today if it is Monday before 08:00)."""
    local = now.astimezone(agency_zone())
    days_ahead = (7 - local.weekday()) % 7
    if days_ahead == 0 and local.timetz().replace(tzinfo=None) >= WORKDAY_START:
        days_ahead = 7
    return local.date() + timedelta(days=days_ahead)


def ensure_digests(now: datetime) -> int:
    """One weekly retention digest per privacy officer for the coming Monday."""
    day = next_digest_day(now)
    due = day_start(day)
    added = 0
    for officer in accounts.users_with_role(Role.PRIVACY_OFFICER):
        w = Wanted(K.RETENTION_DIGEST, int(day.strftime("%Y%m%d")), None, officer.id, due)
        if db.session.scalar(select(Reminder.id).where(Reminder.key == w.key)) is None:
            db.session.add(Reminder(key=w.key, kind=w.kind.value, object_id=w.object_id,
                                    recipient_id=officer.id, due_at=due, created_at=now))
            added += 1
    db.session.flush()
    return added
