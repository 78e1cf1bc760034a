"""The request side of server-side sessions (tracker/accounts/sessions.py): Flask-Login's
user loader reads the cookie's token, asks the sessions service, commits what it
changed as one unit of work, and clears the cookie and says why when a session is over."""

from flask import current_app, flash, session

from tracker import work
from tracker.accounts import sessions
from tracker.accounts.models import User
from tracker.db import utcnow

ENDED_MESSAGE = ("Your session has ended after a period of inactivity or its time limit. "
                 "Sign in again.")


def load_user(user_id: str) -> User | None:
    """The user of a live session, or None."""
    found = sessions.find(user_id, session.get(sessions.COOKIE_KEY))
    if found is None:
        return None
    now = utcnow()
    reason = sessions.why_over(found, now,
                               sessions.SessionLimits.from_config(current_app.config))
    if reason:
        work.run(lambda: sessions.end_found(found, now, reason))
        session.pop(sessions.COOKIE_KEY, None)
        if reason != "inactive":
            flash(ENDED_MESSAGE, "info")
        return None
    if sessions.needs_touch(found, now):
        work.run(lambda: sessions.touch(found, now))
    return found.user


def store_token(token: str) -> None:
    """A new sign-in: the Flask session starts empty and holds the new token."""
    session.clear()
    session[sessions.COOKIE_KEY] = token


def current_token() -> str | None:
    return session.get(sessions.COOKIE_KEY)
