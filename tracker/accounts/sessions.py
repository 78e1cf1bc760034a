"""Server-side sessions (ASVS V7, CJIS AC-11/AC-12).

Flask's session is a signed cookie: on its own, signing out only asks the browser to
forget it, and a copy keeps working. So each sign-in creates a UserSession row and the
cookie carries a random token whose hash names that row. Every request checks the row:
ended, idle too long, too old, or its user inactive, and the cookie is worthless.

This module takes the cookie's token, the time and the limits as arguments; reading and
writing the Flask session, the message shown and the commit are the request layer's
(tracker/accounts/loader.py, accounts/views.py).
"""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from tracker.accounts.models import User, UserSession
from tracker.audit import services as audit
from tracker.extensions import db

COOKIE_KEY = "sid"
# last_seen_at is written at most this often: one write per page view is not needed to
# keep a 30-minute idle limit, and the limit errs on the strict side by at most this.
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, now: datetime) -> str:
    """A new session for a user who has just passed both sign-in steps; returns the token
    for the cookie. The caller clears the Flask session before storing it, so nothing
    from before sign-in carries over (ASVS V7.2.4)."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token), created_at=now,
                               last_seen_at=now))
    return token


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_config(cls, config: Mapping) -> "SessionLimits":
        return cls(timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                   timedelta(hours=config["SESSION_MAX_HOURS"]))


def expiry_reason(row: UserSession, now: datetime, limits: SessionLimits) -> str | None:
    if now - row.last_seen_at > limits.idle:
        return "idle"
    if now - row.created_at > limits.absolute:
        return "absolute"
    return None


def _end(rows, now: datetime, reason: str) -> None:
    for row in rows:
        row.ended_at = now
        row.end_reason = reason


@dataclass(frozen=True)
class Found:
    """The live-looking session row of a cookie and its user (None if gone)."""

    row: UserSession
    user: User | None


def find(user_id: str, token: str | None) -> Found | None:
    """The session the cookie's `token` names, if it is open and belongs to `user_id`."""
    if not token or not user_id.isdigit():
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None or row.ended_at is not None or row.user_id != int(user_id):
        return None
    return Found(row, db.session.get(User, row.user_id))


def why_over(found: Found, now: datetime, limits: SessionLimits) -> str | None:
    """Why the session can no longer be used ("idle", "absolute", "inactive"), or None."""
    reason = expiry_reason(found.row, now, limits)
    if reason or found.user is None or not found.user.active:
        return reason or "inactive"
    return None


def end_found(found: Found, now: datetime, reason: str) -> None:
    """End a session found over, audited; the caller commits."""
    _end([found.row], now, reason)
    audit.record(found.user, "auth.session_end", "user", found.row.user_id, now=now,
                 changes={"reason": reason})


def needs_touch(found: Found, now: datetime) -> bool:
    return now - found.row.last_seen_at >= TOUCH_EVERY


def touch(found: Found, now: datetime) -> None:
    found.row.last_seen_at = now


def end_current(user: User, now: datetime, token: str | None) -> None:
    """Sign-out: the row of the cookie's `token` ends; the caller commits and clears the
    cookie."""
    if token:
        rows = db.session.scalars(select(UserSession).where(
            UserSession.token_hash == _hash(token), UserSession.user_id == user.id))
        _end(rows, now, "signed_out")


def end_all(user: User, now: datetime, reason: str, keep_token: str | None = None) -> int:
    """Password or factor reset, deactivation: every session of the user ends (except,
    when given, the one of the cookie token `keep_token`, making the change). Returns
    how many ended."""
    stmt = update(UserSession).where(UserSession.user_id == user.id,
                                     UserSession.ended_at.is_(None))
    token = keep_token
    if token:
        stmt = stmt.where(UserSession.token_hash != _hash(token))
    result = db.session.execute(stmt.values(ended_at=now, end_reason=reason)
                                .execution_options(synchronize_session=False))
    return result.rowcount
