"""Delivering due reminders once per recipient (SECURITY.md R-1, R-2).

A cycle claims due rows in one short transaction (marking them "sending" with a claim
token), commits, then sends each and records the outcome. Several dispatchers may run at
once: PostgreSQL skips rows another has locked, and on SQLite the claim is a single
UPDATE, which takes the write lock. A dispatcher that dies after claiming leaves rows in
"sending"; after the lease they are claimed again. The only duplicate possible is a
mail the SMTP server accepted just before the crash, before the "sent" commit."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.extensions import db
from tracker.reminders import compose, mail
from tracker.reminders.models import (
    Channel,
    InboxMessage,
    Reminder,
    ReminderKind,
    ReminderPreference,
    ReminderState,
)

log = logging.getLogger(__name__)
# Retry after 1, 5, 15, 30, 60 minutes, then hourly, up to MAX_ATTEMPTS.
BACKOFF_MINUTES = (1, 5, 15, 30, 60)
MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=10)


@dataclass
class CycleResult:
    sent: int = 0
    cancelled: int = 0
    retrying: int = 0
    failed: int = 0


def release_stale_claims(now: datetime) -> int:
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.state == ReminderState.SENDING.value,
               Reminder.claimed_at < now - LEASE)
        .values(state=ReminderState.PENDING.value, claim_token=None))
    return result.rowcount


def claim(now: datetime, limit: int) -> list[Reminder]:
    token = uuid.uuid4().hex
    due = (select(Reminder.id)
           .where(Reminder.state == ReminderState.PENDING.value, Reminder.due_at <= now,
                  or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now))
           .order_by(Reminder.due_at, Reminder.id).limit(limit)
           .with_for_update(skip_locked=True))
    db.session.execute(
        update(Reminder)
        .where(Reminder.id.in_(due.scalar_subquery()),
               Reminder.state == ReminderState.PENDING.value)
        .values(state=ReminderState.SENDING.value, claimed_at=now, claim_token=token)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return list(db.session.scalars(
        select(Reminder).where(Reminder.claim_token == token).order_by(Reminder.due_at)))


@dataclass(frozen=True)
class Recipient:
    email: str
    display_name: str
    active: bool


class CycleSnapshot:
    """What a cycle reads once rather than per reminder: the recipients, their channel
    choices, and each reminded object's composed text (an event's ten recipients share
    one rendering of it and its .ics). Read right after the claim, so a change made
    during the cycle's few seconds applies from the next cycle, as if the mail had gone
    out a moment earlier."""

    def __init__(self, reminders: list[Reminder]) -> None:
        ids = {r.recipient_id for r in reminders}
        self.recipients = {
            row.id: Recipient(row.email, row.display_name, row.active)
            for row in db.session.execute(
                select(User.id, User.email, User.display_name, User.active)
                .where(User.id.in_(ids)))}
        self.channels = {
            (row.user_id, row.kind): Channel(row.channel)
            for row in db.session.execute(
                select(ReminderPreference.user_id, ReminderPreference.kind,
                       ReminderPreference.channel)
                .where(ReminderPreference.user_id.in_(ids)))}
        self._composed: dict[tuple, compose.Composed | None] = {}

    def channel(self, recipient_id: int, kind: str) -> Channel:
        return self.channels.get((recipient_id, kind), Channel.BOTH)

    def composed(self, reminder: Reminder) -> "compose.Composed | None":
        # A digest's text depends on its due time; the other kinds only on the object.
        key = (reminder.kind, reminder.object_id,
               reminder.due_at if reminder.kind == ReminderKind.RETENTION_DIGEST else None)
        if key not in self._composed:
            self._composed[key] = compose.compose(reminder)
        return self._composed[key]


def _finish(reminder: Reminder, state: ReminderState, now: datetime, channels: str = ""):
    reminder.state, reminder.claim_token = state.value, None
    if state is ReminderState.SENT:
        reminder.sent_at, reminder.channels_used = now, channels
    audit.record(None, f"reminder.{state.value}", "reminder", reminder.id, now=now,
                 label="scheduler", changes={"kind": reminder.kind,
                                             "recipient_id": reminder.recipient_id})
    db.session.commit()


def deliver(reminder: Reminder, now: datetime, outbox: mail.Outbox,
            snapshot: CycleSnapshot) -> ReminderState:
    recipient = snapshot.recipients[reminder.recipient_id]
    composed = snapshot.composed(reminder)
    channel = snapshot.channel(reminder.recipient_id, reminder.kind)
    if composed is None or channel is Channel.OFF or not recipient.active:
        _finish(reminder, ReminderState.CANCELLED, now)
        return ReminderState.CANCELLED
    if channel in (Channel.BOTH, Channel.EMAIL):
        text, html = compose.render_bodies(composed, recipient.display_name)
        message = mail.build(outbox.settings.sender, recipient.email, composed.subject,
                             text, html, composed.attachment)
        outbox.send(message, name=f"reminder-{reminder.id}")
    if channel in (Channel.BOTH, Channel.IN_APP):
        db.session.add(InboxMessage(recipient_id=reminder.recipient_id,
                                    reminder_id=reminder.id,
                                    subject=composed.subject[:300],
                                    body="\n".join(composed.lines), link=composed.link,
                                    created_at=now))
    _finish(reminder, ReminderState.SENT, now, channel.value)
    return ReminderState.SENT


def _retry_later(reminder_id: int, error: Exception, now: datetime) -> ReminderState:
    db.session.rollback()
    reminder = db.session.get(Reminder, reminder_id)
    reminder.attempts += 1
    reminder.last_error = f"{type(error).__name__}: {error}"[:500]
    if reminder.attempts >= MAX_ATTEMPTS:
        _finish(reminder, ReminderState.FAILED, now)
        return ReminderState.FAILED
    wait = BACKOFF_MINUTES[min(reminder.attempts, len(BACKOFF_MINUTES)) - 1]
    reminder.next_attempt_at = now + timedelta(minutes=wait)
    reminder.state, reminder.claim_token = ReminderState.PENDING.value, None
    db.session.commit()
    return ReminderState.PENDING


def _forget_loaded_since(held: set) -> None:
    """Detach what the cycle loaded; what the caller's session held stays."""
    for key, instance in list(db.session.identity_map.items()):
        if key not in held:
            db.session.expunge(instance)


def _deliver_or_retry(reminder_id: int, now: datetime, outbox: mail.Outbox,
                      snapshot: CycleSnapshot) -> ReminderState:
    try:
        return deliver(db.session.get(Reminder, reminder_id), now, outbox, snapshot)
    except Exception as error:
        log.warning("reminder %s not delivered: %s", reminder_id, type(error).__name__)
        return _retry_later(reminder_id, error, now)


def run_cycle(now: datetime, settings: mail.MailSettings, limit: int = 500) -> CycleResult:
    release_stale_claims(now)
    db.session.commit()
    result = CycleResult()
    held = set(db.session.identity_map.keys())
    claimed = claim(now, limit)
    snapshot = CycleSnapshot(claimed)
    with mail.Outbox(settings) as outbox:  # one SMTP session for the cycle
        for reminder_id in [r.id for r in claimed]:
            # Each reminder commits on its own; a session holding the whole batch (and
            # what it loaded) would expire all of it at every commit: quadratic.
            _forget_loaded_since(held)
            state = _deliver_or_retry(reminder_id, now, outbox, snapshot)
            if state is ReminderState.SENT:
                result.sent += 1
            elif state is ReminderState.CANCELLED:
                result.cancelled += 1
            elif state is ReminderState.FAILED:
                result.failed += 1
            else:
                result.retrying += 1
    return result
