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


def channel_for(user: User, kind: str) -> Channel:
    row = db.session.get(ReminderPreference, (user.id, kind))
    return Channel(row.channel) if row else Channel.BOTH


def _finish(reminder: Reminder, state: ReminderState, now: datetime, channels: str = ""):
    reminder.state, reminder.claim_token = state.value, None
    if state is ReminderState.SENT:
        reminder.sent_at, reminder.channels_used = now, channels
    audit.record(None, f"reminder.{state.value}", "reminder", reminder.id, now=now,
                 label="scheduler", changes={"kind": reminder.kind,
                                             "recipient_id": reminder.recipient_id})
    db.session.commit()


def deliver(reminder: Reminder, now: datetime, outbox: mail.Outbox) -> ReminderState:
    recipient = reminder.recipient
    composed = compose.compose(reminder)
    channel = channel_for(recipient, reminder.kind)
    if composed is None or channel is Channel.OFF or not recipient.active:
        _finish(reminder, ReminderState.CANCELLED, now)
        return ReminderState.CANCELLED
    if channel in (Channel.BOTH, Channel.EMAIL):
        text, html = compose.render_bodies(composed, recipient.display_name)
        message = mail.build(outbox.settings.sender, recipient.email, composed.subject,
                             text, html, composed.attachment)
        outbox.send(message, name=f"reminder-{reminder.id}")
    if channel in (Channel.BOTH, Channel.IN_APP):
        db.session.add(InboxMessage(recipient_id=recipient.id, reminder_id=reminder.id,
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


def _deliver_or_retry(reminder_id: int, now: datetime, outbox: mail.Outbox
                      ) -> ReminderState:
    try:
        return deliver(db.session.get(Reminder, reminder_id), now, outbox)
    except Exception as error:
        log.warning("reminder %s not delivered: %s", reminder_id, type(error).__name__)
        return _retry_later(reminder_id, error, now)


def run_cycle(now: datetime, settings: mail.MailSettings, limit: int = 500) -> CycleResult:
    release_stale_claims(now)
    db.session.commit()
    result = CycleResult()
    held = set(db.session.identity_map.keys())
    with mail.Outbox(settings) as outbox:  # one SMTP session for the cycle
        for reminder_id in [r.id for r in claim(now, limit)]:
            # Each reminder commits on its own; a session holding the whole batch (and
            # what it loaded) would expire all of it at every commit: quadratic.
            _forget_loaded_since(held)
            state = _deliver_or_retry(reminder_id, now, outbox)
            if state is ReminderState.SENT:
                result.sent += 1
            elif state is ReminderState.CANCELLED:
                result.cancelled += 1
            elif state is ReminderState.FAILED:
                result.failed += 1
            else:
                result.retrying += 1
    return result
