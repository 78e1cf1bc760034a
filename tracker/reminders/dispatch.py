"""Delivering due reminders once per recipient (SECURITY.md R-1, R-2).

A cycle claims due rows in one short transaction (marking them "sending" with a claim
token, its fencing token), commits, then delivers each. Every later change to a claimed
row is an UPDATE conditional on that token and the "sending" state, so a dispatcher whose
claim was taken over changes nothing and sends nothing more. Per reminder:

1. re-check the claim (which also renews it) and add the in-app copy if none exists yet,
   commit: the inbox row is idempotent and exists before any mail leaves;
2. send the mail;
3. mark it sent, again only if the claim is still ours.

The lease is short and renewed while the cycle runs; a stopping scheduler releases what
it has not sent; the claims of a dispatcher that died are taken over once the lease has
lapsed (under a minute, at the next cycle). The only duplicate left is a mail the SMTP
server accepted just before a crash, before step 3 was committed (README, Reminders).

Several dispatchers may run at once: PostgreSQL skips rows another has locked, and on
SQLite the claim is a single UPDATE, which takes the write lock.

The commits and rollbacks below are the dispatcher's own, not tracker/work.py's unit of
work: each fenced step must be committed before the next mail leaves, and a lost claim
rolls back only this dispatcher's step."""

import logging
import smtplib
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

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
# A claim older than LEASE belongs to a dispatcher presumed dead. A live one renews its
# claims every RENEW_EVERY (and each reminder's before sending it), so only a process
# stalled for the whole lease (or one SMTP exchange lasting that long) loses them.
LEASE = timedelta(seconds=30)
RENEW_EVERY = timedelta(seconds=10)
# Errors worth trying again later: the mail server or the database being unavailable.
# Anything else (a reminder that cannot be composed or encoded) fails at once, visibly.
TRANSIENT = (OSError, smtplib.SMTPException, SQLAlchemyError)

#: Set when the process is asked to stop (the scheduler's SIGTERM handler): a running
#: cycle releases the claims it has not delivered yet and returns.
stop_requested = threading.Event()


@dataclass
class CycleResult:
    sent: int = 0
    cancelled: int = 0
    retrying: int = 0
    failed: int = 0
    lost: int = 0  # claims taken over by another dispatcher: left to it
    released: int = 0  # handed back unsent because the process is stopping


class Lease:
    """A cycle's claim token and its clock. Outcomes are recorded at the cycle's instant
    (`cycle_now`, as before); claims age by `now()`: that instant advanced by the real
    time elapsed, so tests can give an explicit instant and a long cycle still ages."""

    def __init__(self, token: str, now: datetime) -> None:
        self.token = token
        self.cycle_now, self._started = now, time.monotonic()
        self.renewed_at = now

    def now(self) -> datetime:
        return self.cycle_now + timedelta(seconds=time.monotonic() - self._started)


def _claimed_by(lease: Lease):
    return (Reminder.claim_token == lease.token,
            Reminder.state == ReminderState.SENDING.value)


def _update_if_mine(reminder_id: int, lease: Lease, **values) -> bool:
    result = db.session.execute(
        update(Reminder).where(Reminder.id == reminder_id, *_claimed_by(lease))
        .values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def renew(lease: Lease) -> int:
    """Extend every claim this cycle still holds; how many it holds."""
    now = lease.now()
    result = db.session.execute(update(Reminder).where(*_claimed_by(lease))
                                .values(claimed_at=now))
    db.session.commit()
    lease.renewed_at = now
    return result.rowcount


def release(lease: Lease) -> int:
    """Hand back the claims not delivered yet: pending again, due as before."""
    result = db.session.execute(
        update(Reminder).where(*_claimed_by(lease))
        .values(state=ReminderState.PENDING.value, claim_token=None, claimed_at=None))
    db.session.commit()
    return result.rowcount


def release_stale_claims(now: datetime) -> int:
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.state == ReminderState.SENDING.value,
               Reminder.claimed_at < now - LEASE)
        .values(state=ReminderState.PENDING.value, claim_token=None))
    return result.rowcount


def claim(now: datetime, limit: int) -> tuple[Lease, list[Reminder]]:
    lease = Lease(uuid.uuid4().hex, now)
    due = (select(Reminder.id)
           .where(Reminder.state == ReminderState.PENDING.value, Reminder.due_at <= now,
                  or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now))
           .order_by(Reminder.due_at, Reminder.id).limit(limit)
           .with_for_update(skip_locked=True))
    db.session.execute(
        update(Reminder)
        .where(Reminder.id.in_(due.scalar_subquery()),
               Reminder.state == ReminderState.PENDING.value)
        .values(state=ReminderState.SENDING.value, claimed_at=now, claim_token=lease.token)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return lease, list(db.session.scalars(
        select(Reminder).where(Reminder.claim_token == lease.token)
        .order_by(Reminder.due_at)))


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
        # Reminders whose in-app copy exists (an earlier attempt added it): read once.
        # Only the holder of a reminder's claim adds its copy, so none appears meanwhile.
        self.inboxed = set(db.session.scalars(
            select(InboxMessage.reminder_id)
            .where(InboxMessage.reminder_id.in_([r.id for r in reminders]))))
        self._composed: dict[tuple, compose.Composed | None] = {}

    def channel(self, recipient_id: int, kind: str) -> Channel:
        return self.channels.get((recipient_id, kind), Channel.BOTH)

    def composed(self, reminder: Reminder,
                 settings: compose.ContentSettings) -> "compose.Composed | None":
        # A digest's text depends on its due time; the other kinds only on the object.
        key = (reminder.kind, reminder.object_id,
               reminder.due_at if reminder.kind == ReminderKind.RETENTION_DIGEST else None)
        if key not in self._composed:
            self._composed[key] = compose.compose(reminder, settings)
        return self._composed[key]


class Undeliverable(Exception):
    """The reminder cannot be composed or encoded: retrying would fail the same way."""


def _finish(reminder: Reminder, lease: Lease, state: ReminderState, channels: str = "",
            **values) -> ReminderState | None:
    """Record the outcome if the claim is still ours; None when it is not."""
    now = lease.cycle_now
    values |= {"state": state.value, "claim_token": None}
    if state is ReminderState.SENT:
        values |= {"sent_at": now, "channels_used": channels}
    if not _update_if_mine(reminder.id, lease, **values):
        db.session.rollback()
        return None
    audit.record(None, f"reminder.{state.value}", "reminder", reminder.id, now=now,
                 label="scheduler", changes={"kind": reminder.kind,
                                             "recipient_id": reminder.recipient_id})
    db.session.commit()
    return state


def _inbox_once(reminder: Reminder, composed: compose.Composed, now: datetime,
                snapshot: "CycleSnapshot") -> None:
    """The in-app copy, unless an earlier attempt already added it. Safe without a
    unique-key race: the caller holds the reminder's row (its conditional UPDATE)."""
    if reminder.id in snapshot.inboxed:
        return
    db.session.execute(insert(InboxMessage.__table__).values(
        recipient_id=reminder.recipient_id, reminder_id=reminder.id,
        subject=mail.header_text(composed.subject)[:300],
        body="\n".join(composed.lines), link=composed.link, created_at=now))
    snapshot.inboxed.add(reminder.id)


def deliver(reminder: Reminder, lease: Lease, outbox: mail.Outbox,
            snapshot: CycleSnapshot) -> ReminderState | None:
    """Deliver one claimed reminder; None when the claim was lost (nothing sent)."""
    recipient = snapshot.recipients[reminder.recipient_id]
    channel = snapshot.channel(reminder.recipient_id, reminder.kind)
    try:
        composed = snapshot.composed(reminder, outbox.settings.content)
        message = None
        if (composed is not None and recipient.active
                and channel in (Channel.BOTH, Channel.EMAIL)):
            text, html = compose.render_bodies(composed, recipient.display_name,
                                               outbox.settings.content)
            message = mail.build(outbox.settings.sender, recipient.email, composed.subject,
                                 text, html, composed.attachment)
    except TRANSIENT:
        raise
    except Exception as error:
        raise Undeliverable(f"cannot be composed: {type(error).__name__}: {error}") \
            from error
    if composed is None or channel is Channel.OFF or not recipient.active:
        return _finish(reminder, lease, ReminderState.CANCELLED)
    if not _update_if_mine(reminder.id, lease, claimed_at=lease.now()):
        db.session.rollback()
        return None
    if channel in (Channel.BOTH, Channel.IN_APP):
        _inbox_once(reminder, composed, lease.cycle_now, snapshot)
    db.session.commit()
    if message is not None:
        outbox.send(message, name=f"reminder-{reminder.id}")
    state = _finish(reminder, lease, ReminderState.SENT, channel.value)
    if state is None and message is not None:
        log.error("reminder %s was mailed after its claim had lapsed: another dispatcher "
                  "may mail it again", reminder.id)
    return state


def _retry_later(reminder_id: int, lease: Lease, error: Exception,
                 permanent: bool) -> ReminderState | None:
    db.session.rollback()
    reminder = db.session.get(Reminder, reminder_id, populate_existing=True)
    if reminder is None:  # deleted with its event meanwhile: nothing left to retry
        return None
    attempts = reminder.attempts + 1
    last_error = (str(error) if isinstance(error, Undeliverable)
                  else f"{type(error).__name__}: {error}")[:500]
    if permanent or attempts >= MAX_ATTEMPTS:
        return _finish(reminder, lease, ReminderState.FAILED, attempts=attempts,
                       last_error=last_error)
    wait = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
    if not _update_if_mine(reminder_id, lease, attempts=attempts, last_error=last_error,
                           next_attempt_at=lease.cycle_now + timedelta(minutes=wait),
                           state=ReminderState.PENDING.value, claim_token=None):
        db.session.rollback()  # another dispatcher has it now: never undo its work
        return None
    db.session.commit()
    return ReminderState.PENDING


def _forget_loaded_since(held: set) -> None:
    """Detach what the cycle loaded; what the caller's session held stays."""
    for key, instance in list(db.session.identity_map.items()):
        if key not in held:
            db.session.expunge(instance)


@dataclass(frozen=True)
class Claimed:
    """What delivering a claimed reminder reads of its row, copied at the claim: no
    query per reminder. Its state is only ever changed by conditional UPDATEs."""

    id: int
    kind: str
    object_id: int
    event_id: int | None
    recipient_id: int
    due_at: datetime

    @classmethod
    def of(cls, row: Reminder) -> "Claimed":
        return cls(row.id, row.kind, row.object_id, row.event_id, row.recipient_id,
                   row.due_at)


def _deliver_or_retry(reminder: Claimed, lease: Lease, outbox: mail.Outbox,
                      snapshot: CycleSnapshot) -> ReminderState | None:
    reminder_id = reminder.id
    try:
        return deliver(reminder, lease, outbox, snapshot)
    except TRANSIENT as error:
        log.warning("reminder %s not delivered: %s", reminder_id, type(error).__name__)
        return _retry_later(reminder_id, lease, error, permanent=False)
    except Exception as error:
        log.exception("reminder %s cannot be delivered", reminder_id)
        return _retry_later(reminder_id, lease, error, permanent=True)


def _count(result: CycleResult, state: ReminderState | None) -> None:
    if state is ReminderState.SENT:
        result.sent += 1
    elif state is ReminderState.CANCELLED:
        result.cancelled += 1
    elif state is ReminderState.FAILED:
        result.failed += 1
    elif state is ReminderState.PENDING:
        result.retrying += 1
    else:
        result.lost += 1


def run_cycle(now: datetime, settings: mail.MailSettings, limit: int = 500) -> CycleResult:
    release_stale_claims(now)
    db.session.commit()
    result = CycleResult()
    held = set(db.session.identity_map.keys())
    lease, claimed = claim(now, limit)
    snapshot = CycleSnapshot(claimed)
    with mail.Outbox(settings) as outbox:  # one SMTP session for the cycle
        for reminder in [Claimed.of(r) for r in claimed]:
            if stop_requested.is_set():
                result.released += release(lease)
                break
            if lease.now() - lease.renewed_at >= RENEW_EVERY and not renew(lease):
                break  # every claim was taken over: nothing left that is ours to send
            # Each reminder commits on its own; a session holding the whole batch (and
            # what it loaded) would expire all of it at every commit: quadratic.
            _forget_loaded_since(held)
            state = _deliver_or_retry(reminder, lease, outbox, snapshot)
            _count(result, state)
            if state is None and not renew(lease):
                break
    return result
