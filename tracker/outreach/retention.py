"""Retention of outreach personal details: the purge, holds, and what is due when.

After an event ends, the name, phone and email on its outreach entries are kept for a
configured number of days, then erased; the entry itself stays as a content-free record
(date, method, purpose, outcome, "personal details purged on DATE")."""

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events.models import Event
from tracker.extensions import db
from tracker.outreach.models import (
    PERSONAL_FIELDS,
    OutreachContact,
    RetentionHold,
    StorageScrub,
)
from tracker.timezones import local_date

HOLD_MAX_DAYS = 5 * 366  # 28 CFR 23.20(h): review or purge within five years
REASON_MAX = 2000


def purge_at(contact: OutreachContact, retention_days: int) -> datetime:
    return contact.event.ends_at + timedelta(days=retention_days)


def _with_details():
    personal = [getattr(OutreachContact, name).is_not(None) for name in PERSONAL_FIELDS]
    return (select(OutreachContact).join(OutreachContact.event)
            .where(or_(*personal))
            .options(selectinload(OutreachContact.event),
                     selectinload(OutreachContact.holds)))


def active_hold(contact: OutreachContact, today: date) -> RetentionHold | None:
    return next((h for h in contact.holds if h.active_on(today)), None)


@dataclass(frozen=True)
class ScheduledPurge:
    contact: OutreachContact
    purge_at: datetime
    hold: RetentionHold | None


def schedule(now: datetime, retention_days: int) -> list[ScheduledPurge]:
    """Every entry still holding personal details, with when it will be purged."""
    stmt = _with_details().order_by(Event.ends_at, OutreachContact.id)
    today = local_date(now)
    return [ScheduledPurge(c, purge_at(c, retention_days), active_hold(c, today))
            for c in db.session.scalars(stmt)]


def due(now: datetime, retention_days: int) -> list[OutreachContact]:
    cutoff = now - timedelta(days=retention_days)
    stmt = _with_details().where(Event.ends_at <= cutoff).order_by(OutreachContact.id)
    return [c for c in db.session.scalars(stmt) if active_hold(c, local_date(now)) is None]


def purge(now: datetime, retention_days: int, actor: User | None = None
          ) -> list[OutreachContact]:
    """Erase the personal details of every entry past its retention date and not on hold.
    The audit names the entry and the fields, never the values."""
    purged = due(now, retention_days)
    for contact in purged:
        fields = [name for name in PERSONAL_FIELDS if getattr(contact, name)]
        for name in PERSONAL_FIELDS:
            setattr(contact, name, None)
        contact.personal_purged_at = now
        db.session.flush()
        audit.record(actor, "outreach.purge", "outreach_contact", contact.id, now=now,
                     changes=dict.fromkeys(fields, "purged"))
    return purged


@dataclass(frozen=True)
class ScrubOutcome:
    erased: bool
    problem: str = ""


SQLITE_READER_BUSY = ("another connection holds a read transaction (a long report, a "
                      "backup or a stuck process), so the write-ahead log still holding "
                      "the old values could not be emptied")
POSTGRES_TABLE_BUSY = ("another transaction is using the outreach table, so the table "
                       "holding the old row versions could not be rewritten")


def scrub_storage(attempts: int = 3, pause: float = 0.5) -> ScrubOutcome:
    """After the purge is committed, make sure the erased values are gone from the
    database file too, and say whether they are. SQLite runs with secure_delete (freed
    space is zeroed); the checkpoint copies the new pages into the main file and empties
    the write-ahead log, which still holds the old page images; while another connection
    reads, it cannot, and says "busy". PostgreSQL: see below; its write-ahead log keeps
    the old values until the server recycles the segment (README, PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        return _checkpoint_sqlite(attempts, pause)
    if db.engine.dialect.name == "postgresql":
        return _rewrite_postgresql()
    return ScrubOutcome(True)


def _checkpoint_sqlite(attempts: int, pause: float) -> ScrubOutcome:
    with db.engine.connect() as connection:
        # Each attempt waits for readers under the busy timeout: a short one here, so a
        # blocked purge reports in seconds (the scheduler retries every minute).
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql("PRAGMA busy_timeout=1000")
        try:
            for attempt in range(attempts):
                busy, _, _ = connection.exec_driver_sql(
                    "PRAGMA wal_checkpoint(TRUNCATE)").one()
                if not busy:
                    return ScrubOutcome(True)
                if attempt + 1 < attempts:
                    time.sleep(pause)
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout)}")
    return ScrubOutcome(False, SQLITE_READER_BUSY)


def _rewrite_postgresql() -> ScrubOutcome:
    # Old row versions stay in the table file after the UPDATE, and a plain VACUUM only
    # marks their space free: the bytes remain. VACUUM FULL writes the live rows to a new
    # file and deletes the old one. It locks the table while it runs (a small table:
    # moments); rather than queue every reader behind a long transaction, give up after a
    # few seconds and report it: the scheduler tries again within a minute.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET lock_timeout = '5s'"))
        try:
            conn.execute(text("VACUUM FULL outreach_contact"))
        except OperationalError:
            return ScrubOutcome(False, POSTGRES_TABLE_BUSY)
        finally:  # the connection goes back to the pool: no timeout for others
            conn.execute(text("RESET lock_timeout"))
    return ScrubOutcome(True)


SCRUB_ROW = 1


def scrub_state() -> StorageScrub | None:
    return db.session.get(StorageScrub, SCRUB_ROW)


def scrub_pending() -> bool:
    row = scrub_state()
    return row is not None and row.pending_since is not None


def mark_scrub_pending(now: datetime) -> None:
    """In the purge's transaction: the erased values are in the files until a scrub
    succeeds."""
    row = scrub_state()
    if row is None:
        row = StorageScrub(id=SCRUB_ROW, problem="")
        db.session.add(row)
    if row.pending_since is None:
        row.pending_since = now
    db.session.flush()


def record_scrub(outcome: ScrubOutcome, now: datetime) -> None:
    """The outcome of a scrub that was pending, audited when it changes (blocked, then
    done), not at every retry."""
    row = scrub_state()
    if row is None or row.pending_since is None:
        return
    row.attempted_at = now
    if outcome.erased:
        audit.record(None, "retention.scrub", "storage_scrub", row.id, now=now,
                     changes={"pending_since": row.pending_since.isoformat(
                         timespec="seconds")})
        row.pending_since, row.problem, row.done_at = None, "", now
    elif row.problem != outcome.problem:
        audit.record(None, "retention.scrub_blocked", "storage_scrub", row.id, now=now,
                     outcome=audit.FAILURE, changes={"problem": outcome.problem})
        row.problem = outcome.problem
    db.session.flush()


def place_hold(actor: User, contact: OutreachContact, reason: str, expires_on: date | None,
               now: datetime) -> RetentionHold:
    if not actor.has_role(Role.PRIVACY_OFFICER):
        raise Forbidden("Only a privacy officer places retention holds.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", "Write the reason for the hold.")
    if len(reason) > REASON_MAX:
        raise ValidationError("reason", f"Use at most {REASON_MAX:,} characters.")
    today = local_date(now)
    if expires_on is None or expires_on <= today:
        raise ValidationError("expires_on", "The hold must expire on a future date.")
    if expires_on > today + timedelta(days=HOLD_MAX_DAYS):
        raise ValidationError("expires_on", "A hold can last at most five years.")
    if not contact.has_personal_details:
        raise ValidationError(None, "This entry holds no personal details to keep.")
    hold = RetentionHold(contact=contact, reason=reason, expires_on=expires_on,
                         placed_by_id=actor.id, placed_at=now)
    db.session.add(hold)
    db.session.flush()
    audit.record(actor, "retention.hold", "outreach_contact", contact.id, now=now,
                 changes={"hold_id": hold.id, "expires_on": expires_on.isoformat(),
                          "reason": "changed"})
    return hold


def release_hold(actor: User, hold: RetentionHold, now: datetime) -> None:
    if not actor.has_role(Role.PRIVACY_OFFICER):
        raise Forbidden("Only a privacy officer releases retention holds.")
    if hold.released_at is not None:
        raise ValidationError(None, "This hold was already released.")
    hold.released_by_id, hold.released_at = actor.id, now
    db.session.flush()
    audit.record(actor, "retention.release", "outreach_contact", hold.contact_id, now=now,
                 changes={"hold_id": hold.id})


def get_hold(hold_id: int) -> RetentionHold:
    hold = db.session.get(RetentionHold, hold_id)
    if hold is None:
        raise NotFound("No such hold.")
    return hold


def holds(today: date) -> list[RetentionHold]:
    stmt = (select(RetentionHold).order_by(RetentionHold.expires_on)
            .options(selectinload(RetentionHold.contact).selectinload(OutreachContact.event)))
    return [h for h in db.session.scalars(stmt) if h.active_on(today)]
