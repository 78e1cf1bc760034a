"""Which reminders should exist: computed from the events, checklists and outreach
follow-ups, and kept in step with them (sync) whenever they change.

A sync reads what it needs once: the event's open checklist entries, its follow-ups, its
reminders, and in one query the assignees and every active holder of a role that answers
one of its items, with their offsets. Configuration comes in as ScheduleSettings."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import contains_eager, lazyload

from tracker.accounts.models import User, UserRole
from tracker.accounts.roles import Role
from tracker.checklist.models import ChecklistEntry, EventChecklist
from tracker.events.lifecycle import FINAL_STATES
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.outreach.models import OutreachContact
from tracker.reminders.models import (
    EventReminderOffsets,
    Reminder,
    ReminderKind,
    ReminderState,
    UserReminderOffsets,
)

K = ReminderKind
EVENT_KINDS = (K.EVENT_UPCOMING.value, K.CHECKLIST_DUE.value, K.FOLLOW_UP.value)
# A follow-up date is a day: remind at the start of the working day, agency time.
WORKDAY_START = time(8, 0)
# The event fields an event's reminders are computed from: other changes leave them be.
EVENT_FIELDS = frozenset({"starts_at", "ends_at", "planner_id", "liaison_id", "status"})
ASSIGNED_ROLES = {Role.PLANNER.value: "planner_id", Role.LIAISON.value: "liaison_id"}


@dataclass(frozen=True)
class ScheduleSettings:
    """The configuration reminders are computed with, as plain values."""

    zone: ZoneInfo
    event_offsets_days: tuple[int, ...]


def settings_from_config(config: Mapping) -> ScheduleSettings:
    return ScheduleSettings(zone=ZoneInfo(config["AGENCY_TIMEZONE"]),
                            event_offsets_days=tuple(config["REMINDER_EVENT_OFFSETS_DAYS"]))


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


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, WORKDAY_START, zone)


@dataclass
class People:
    """Who an event's reminders may go to, loaded once per sync."""

    by_id: dict[int, User] = field(default_factory=dict)
    by_role: dict[str, list[User]] = field(default_factory=dict)
    offsets: dict[int, list[int]] = field(default_factory=dict)

    def responsible(self, event: Event, role: str) -> list[User]:
        if role in ASSIGNED_ROLES:
            user = self.by_id.get(getattr(event, ASSIGNED_ROLES[role]))
            return [user] if user else []
        return self.by_role.get(role, [])


def load_people(event: Event, roles: set[str]) -> People:
    """The event's assignees and the active holders of `roles`, with their own offsets:
    one query for the users, one for the offsets."""
    ids = [i for i in (event.planner_id, event.liaison_id) if i is not None]
    others = sorted(roles - set(ASSIGNED_ROLES))
    people = People()
    if not ids and not others:
        return people
    stmt = (select(User, UserRole.role).outerjoin(UserRole, UserRole.user_id == User.id)
            .where(or_(User.id.in_(ids),
                       and_(UserRole.role.in_(others), User.active.is_(True))))
            .options(lazyload(User.role_rows)).order_by(User.display_name, User.id))
    for user, role in db.session.execute(stmt):
        if user.id in ids:
            people.by_id[user.id] = user
        if role in others and user.active:
            people.by_role.setdefault(role, []).append(user)
    everyone = {u.id for u in people.by_id.values()} | {
        u.id for users in people.by_role.values() for u in users}
    if everyone:
        people.offsets = {row.user_id: list(row.days) for row in db.session.scalars(
            select(UserReminderOffsets).where(UserReminderOffsets.user_id.in_(everyone)))}
    return people


def _upcoming(event: Event, people: People, override: list[int] | None,
              settings: ScheduleSettings) -> list[Wanted]:
    assigned = {u.id: u for u in (people.by_id.get(event.planner_id),
                                  people.by_id.get(event.liaison_id))
                if u is not None and u.active}
    # Offsets are exact multiples of 24 hours before the start instant (in UTC, so the
    # result does not depend on the zone the start was given in).
    start = event.starts_at.astimezone(UTC)
    return [Wanted(K.EVENT_UPCOMING, event.id, event.id, user.id,
                   start - timedelta(days=days))
            for user in assigned.values()
            for days in (override if override is not None else people.offsets.get(
                user.id, list(settings.event_offsets_days)))]


def _open_entries(event: Event) -> list[ChecklistEntry]:
    """The event's unanswered checklist entries with a due time, with their items."""
    stmt = (select(ChecklistEntry)
            .join(EventChecklist, EventChecklist.id == ChecklistEntry.checklist_id)
            .join(ChecklistEntry.item)
            .where(EventChecklist.event_id == event.id, ChecklistEntry.value.is_(None),
                   ChecklistEntry.due_at.is_not(None))
            .options(contains_eager(ChecklistEntry.item)))
    return list(db.session.scalars(stmt))


def _checklist(event: Event, entries: list[ChecklistEntry], people: People) -> list[Wanted]:
    return [Wanted(K.CHECKLIST_DUE, entry.id, event.id, user.id, entry.due_at)
            for entry in entries
            for user in people.responsible(event, entry.item.responsible_role)
            if user.active]


def _follow_ups(event: Event, zone: ZoneInfo) -> list[Wanted]:
    rows = db.session.execute(
        select(OutreachContact.id, OutreachContact.officer_id, OutreachContact.follow_up_on)
        .where(OutreachContact.event_id == event.id,
               OutreachContact.follow_up_on.is_not(None),
               OutreachContact.follow_up_done_at.is_(None)))
    return [Wanted(K.FOLLOW_UP, cid, event.id, officer_id, day_start(day, zone))
            for cid, officer_id, day in rows]


def wanted_for_event(event: Event, settings: ScheduleSettings) -> list[Wanted]:
    status = event.status_enum
    if status in FINAL_STATES:
        return []
    entries = _open_entries(event)
    people = load_people(event, {e.item.responsible_role for e in entries})
    wanted = _checklist(event, entries, people) + _follow_ups(event, settings.zone)
    if status not in (EventStatus.CONCLUDED, EventStatus.POSTPONED):
        override = db.session.get(EventReminderOffsets, event.id)
        wanted += _upcoming(event, people, list(override.days) if override else None,
                            settings)
    return wanted


def sync_event(event: Event, now: datetime, settings: ScheduleSettings) -> None:
    """Make the pending reminders of an event match what is wanted now: new ones are
    added (unless already past: the dashboard shows what is overdue), obsolete pending
    ones cancelled. The unique key means a repeated sync never duplicates."""
    wanted = {w.key: w for w in wanted_for_event(event, settings)}
    existing = {r.key: r for r in db.session.scalars(
        select(Reminder).where(Reminder.event_id == event.id,
                               Reminder.kind.in_(EVENT_KINDS)))}
    for key, row in existing.items():
        if key not in wanted and row.state == ReminderState.PENDING:
            row.state = ReminderState.CANCELLED.value
    added = []
    for key, w in wanted.items():
        if w.due_at <= now:
            continue
        row = existing.get(key)
        if row is None:
            added.append({"key": key, "kind": w.kind.value, "object_id": w.object_id,
                          "event_id": w.event_id, "recipient_id": w.recipient_id,
                          "due_at": w.due_at, "created_at": now,
                          "state": ReminderState.PENDING.value, "attempts": 0,
                          "last_error": ""})
        elif row.state == ReminderState.CANCELLED:
            # Wanted again (the event moved back, planning resumed): revive it.
            row.state, row.attempts = ReminderState.PENDING.value, 0
            row.next_attempt_at, row.last_error = None, ""
    db.session.flush()
    if added:  # in one statement, however many (nothing reads them back in this change)
        db.session.execute(insert(Reminder.__table__), added)


def sync_events_of(user: User, now: datetime, settings: ScheduleSettings) -> None:
    """After a user changes their settings: their open events follow."""
    stmt = select(Event).where((Event.planner_id == user.id) | (Event.liaison_id == user.id),
                               Event.status.not_in([s.value for s in FINAL_STATES]))
    for event in db.session.scalars(stmt):
        sync_event(event, now, settings)


def next_digest_day(now: datetime, zone: ZoneInfo) -> date:
    """The coming Monday in the agency's zone (today if it is Monday before 08:00)."""
    local = now.astimezone(zone)
    days_ahead = (7 - local.weekday()) % 7
    if days_ahead == 0 and local.timetz().replace(tzinfo=None) >= WORKDAY_START:
        days_ahead = 7
    return local.date() + timedelta(days=days_ahead)


def ensure_digests(now: datetime, settings: ScheduleSettings) -> int:
    """One weekly retention digest per privacy officer for the coming Monday."""
    day = next_digest_day(now, settings.zone)
    due = day_start(day, settings.zone)
    added = 0
    officers = load_people_with_role(Role.PRIVACY_OFFICER)
    for officer in officers:
        w = Wanted(K.RETENTION_DIGEST, int(day.strftime("%Y%m%d")), None, officer.id, due)
        if db.session.scalar(select(Reminder.id).where(Reminder.key == w.key)) is None:
            db.session.add(Reminder(key=w.key, kind=w.kind.value, object_id=w.object_id,
                                    recipient_id=officer.id, due_at=due, created_at=now))
            added += 1
    db.session.flush()
    return added


def load_people_with_role(role: Role) -> list[User]:
    stmt = (select(User).join(UserRole).where(UserRole.role == role.value,
                                              User.active.is_(True))
            .options(lazyload(User.role_rows)).order_by(User.display_name))
    return list(db.session.scalars(stmt))
