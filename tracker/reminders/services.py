"""The inbox, users' reminder choices, per-event offsets and the admin's failure list."""

from datetime import datetime

from sqlalchemy import func, select, update

from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.errors import NotFound, ValidationError
from tracker.events.models import Event
from tracker.extensions import db
from tracker.reminders.dispatch import MAX_ATTEMPTS
from tracker.reminders.models import (
    Channel,
    EventReminderOffsets,
    InboxMessage,
    Reminder,
    ReminderKind,
    ReminderPreference,
    ReminderState,
    UserReminderOffsets,
)
from tracker.reminders.schedule import ScheduleSettings, sync_event, sync_events_of

MAX_OFFSETS = 5
MAX_OFFSET_DAYS = 90


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(InboxMessage.id)).where(
        InboxMessage.recipient_id == user.id, InboxMessage.read_at.is_(None))) or 0


def inbox(user: User, limit: int = 100) -> list[InboxMessage]:
    return list(db.session.scalars(
        select(InboxMessage).where(InboxMessage.recipient_id == user.id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()).limit(limit)))


def mark_read(user: User, message_id: int, now: datetime) -> None:
    message = db.session.get(InboxMessage, message_id)
    if message is None or message.recipient_id != user.id:
        raise NotFound("No such message.")
    if message.read_at is None:
        message.read_at = now
        audit.record(user, "inbox.read", "inbox_message", message.id, now=now)


def mark_all_read(user: User, now: datetime) -> int:
    result = db.session.execute(
        update(InboxMessage).where(InboxMessage.recipient_id == user.id,
                                   InboxMessage.read_at.is_(None)).values(read_at=now))
    if result.rowcount:
        audit.record(user, "inbox.read_all", "user", user.id, now=now,
                     changes={"messages": result.rowcount})
    return result.rowcount


def preferences(user: User) -> dict[ReminderKind, Channel]:
    rows = {r.kind: Channel(r.channel) for r in db.session.scalars(
        select(ReminderPreference).where(ReminderPreference.user_id == user.id))}
    return {kind: rows.get(kind.value, Channel.BOTH) for kind in ReminderKind}


def own_offsets(user: User) -> list[int] | None:
    row = db.session.get(UserReminderOffsets, user.id)
    return list(row.days) if row else None


def parse_offsets(text: str | None, field: str) -> list[int] | None:
    """"7, 1" -> [7, 1]: whole days before the start, most first; empty -> None (use the
    default)."""
    if not (text or "").strip():
        return None
    try:
        days = sorted({int(part) for part in text.replace(",", " ").split()}, reverse=True)
    except ValueError as exc:
        raise ValidationError(field, "Enter whole numbers of days, e.g. 7, 1.") from exc
    if len(days) > MAX_OFFSETS or any(not 0 <= d <= MAX_OFFSET_DAYS for d in days):
        raise ValidationError(field, f"Up to {MAX_OFFSETS} numbers from 0 to "
                                     f"{MAX_OFFSET_DAYS}.")
    return days


def save_preferences(user: User, channels: dict[str, str], offsets: list[int] | None,
                     now: datetime, settings: ScheduleSettings) -> None:
    before = {k.value: c.value for k, c in preferences(user).items()}
    for kind in ReminderKind:
        channel = channels.get(kind.value, Channel.BOTH.value)
        if channel not in {c.value for c in Channel}:
            raise ValidationError(kind.value, "Choose one of the listed options.")
        row = db.session.get(ReminderPreference, (user.id, kind.value))
        if row is None:
            db.session.add(ReminderPreference(user_id=user.id, kind=kind.value,
                                              channel=channel))
        else:
            row.channel = channel
    own = db.session.get(UserReminderOffsets, user.id)
    if offsets is None:
        if own is not None:
            db.session.delete(own)
    elif own is None:
        db.session.add(UserReminderOffsets(user_id=user.id, days=offsets))
    else:
        own.days = offsets
    db.session.flush()
    audit.record(user, "reminders.preferences", "user", user.id, now=now,
                 changes=audit.diff(before, channels, value_fields=channels.keys())
                 | {"event_offsets": offsets})
    sync_events_of(user, now, settings)


def event_offsets(event: Event) -> list[int] | None:
    row = db.session.get(EventReminderOffsets, event.id)
    return list(row.days) if row else None


def set_event_offsets(actor: User, event: Event, offsets: list[int] | None,
                      now: datetime, settings: ScheduleSettings) -> None:
    row = db.session.get(EventReminderOffsets, event.id)
    before = list(row.days) if row else None
    if offsets is None and row is not None:
        db.session.delete(row)
    elif offsets is not None and row is None:
        db.session.add(EventReminderOffsets(event_id=event.id, days=offsets))
    elif offsets is not None:
        row.days = offsets
    db.session.flush()
    audit.record(actor, "reminders.event_offsets", "event", event.id, now=now,
                 changes={"offsets": {"from": before, "to": offsets}})
    sync_event(event, now, settings)


def troubled(limit: int = 200) -> list[Reminder]:
    """Failed reminders and those waiting to retry, for administrators."""
    stmt = (select(Reminder)
            .where((Reminder.state == ReminderState.FAILED.value)
                   | ((Reminder.state == ReminderState.PENDING.value)
                      & (Reminder.attempts > 0)))
            .order_by(Reminder.due_at.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def retry_now(actor: User, reminder_id: int, now: datetime) -> None:
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None:
        raise NotFound("No such reminder.")
    if reminder.state not in (ReminderState.FAILED, ReminderState.PENDING):
        raise ValidationError(None, "Only failed or waiting reminders can be retried.")
    reminder.state, reminder.next_attempt_at = ReminderState.PENDING.value, now
    if reminder.attempts >= MAX_ATTEMPTS:
        reminder.attempts = 0
    audit.record(actor, "reminder.retry", "reminder", reminder.id, now=now)
