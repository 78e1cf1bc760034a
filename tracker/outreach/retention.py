"""Retention of outreach personal details: the purge, holds, and what is due when.

After an event ends, the name, phone and email on its outreach entries are kept for a
configured number of days, then erased; the entry itself stays as a content-free record
(date, method, purpose, outcome, "personal details purged on DATE")."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, text
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events.models import Event
from tracker.extensions import db
from tracker.outreach.models import PERSONAL_FIELDS, OutreachContact, RetentionHold
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


def scrub_storage() -> None:
    """After the purge is committed, make sure the erased values are gone from the
    database file too. SQLite runs with secure_delete (freed space is zeroed); the
    checkpoint copies the new pages into the main file and empties the write-ahead log,
    which still holds the old page images. PostgreSQL: see below; its write-ahead log
    keeps the old values until the server recycles the segment (README, PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif db.engine.dialect.name == "postgresql":
        # Old row versions stay in the table file after the UPDATE, and a plain VACUUM
        # only marks their space free: the bytes remain. VACUUM FULL writes the live rows
        # to a new file and deletes the old one. It locks the table while it runs (a small
        # table: moments); rather than queue every reader behind a long transaction, give
        # up after a few seconds and scrub again at the next purge.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SET lock_timeout = '5s'"))
            try:
                conn.execute(text("VACUUM FULL outreach_contact"))
            finally:  # the connection goes back to the pool: no timeout for others
                conn.execute(text("RESET lock_timeout"))


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
