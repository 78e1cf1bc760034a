"""Server-side sessions (ASVS V7, CJIS AC-11/AC-12).

Flask's session is a signed cookie: on its own, signing out only asks the browser to
forget it, and a copy keeps working. So each sign-in creates a UserSession row and the
cookie carries a random token whose hash names that row. Every request checks the row:
ended, idle too long, too old, or its user inactive, and the cookie is worthless.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, flash, session
from sqlalchemy import select, update

from tracker.accounts.models import User, UserSession
from tracker.audit import services as audit
from tracker.db import utcnow
from tracker.extensions import db

COOKIE_KEY = "sid"
# last_seen_at is written at most this often: one write per page view is not needed to
# keep a 30-minute idle limit, and the limit errs on the strict side by at most this.
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, now: datetime) -> None:
    """A new session for a user who has just passed both sign-in steps. The Flask session
    is cleared first, so nothing from before sign-in carries over (ASVS V7.2.4)."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token), created_at=now,
                               last_seen_at=now))
    session.clear()
    session[COOKIE_KEY] = token


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            timedelta(hours=config["SESSION_MAX_HOURS"]))


def expiry_reason(row: UserSession, now: datetime) -> str | None:
    idle, absolute = _limits()
    if now - row.last_seen_at > idle:
        return "idle"
    if now - row.created_at > absolute:
        return "absolute"
    return None


def _end(rows, now: datetime, reason: str) -> None:
    for row in rows:
        row.ended_at = now
        row.end_reason = reason


def resume(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of a live session, or None."""
    token = session.get(COOKIE_KEY)
    if not token or not user_id.isdigit():
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None or row.ended_at is not None or row.user_id != int(user_id):
        return None
    now = utcnow()
    reason = expiry_reason(row, now)
    user = db.session.get(User, row.user_id)
    if reason or user is None or not user.active:
        _end([row], now, reason or "inactive")
        audit.record(user, "auth.session_end", "user", row.user_id, now=now,
                     changes={"reason": reason or "inactive"})
        db.session.commit()
        session.pop(COOKIE_KEY, None)
        if reason:
            flash("Your session has ended after a period of inactivity or its time "
                  "limit. Sign in again.", "info")
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return user


def end_current(user: User, now: datetime) -> None:
    """Sign-out: the row ends; the caller commits and clears the cookie."""
    token = session.get(COOKIE_KEY)
    if token:
        rows = db.session.scalars(select(UserSession).where(
            UserSession.token_hash == _hash(token), UserSession.user_id == user.id))
        _end(rows, now, "signed_out")


def end_all(user: User, now: datetime, reason: str, keep_current: bool = False) -> int:
    """Password or factor reset, deactivation: every session of the user ends (except,
    when asked, the one making the change). Returns how many ended."""
    stmt = update(UserSession).where(UserSession.user_id == user.id,
                                     UserSession.ended_at.is_(None))
    token = session.get(COOKIE_KEY) if keep_current else None
    if token:
        stmt = stmt.where(UserSession.token_hash != _hash(token))
    result = db.session.execute(stmt.values(ended_at=now, end_reason=reason)
                                .execution_options(synchronize_session=False))
    return result.rowcount
