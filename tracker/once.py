"""Submit once (SECURITY.md R-4): a creating form carries a one-time token; the first
submit records it with the page it led to, in the same transaction as what it created,
and every repeat of the same token (a double click, a reload, a resent request) is sent
to that same page instead of creating a second record.

The token's primary key settles a race: of two submits that both found the token
unused, the second fails on the key when the first commits, rolls back what it did and
answers with the first one's page."""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import ForeignKey, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from tracker.db import Base, UTCDateTime, utcnow
from tracker.extensions import db
from tracker.forms import submit

TOKEN_MAX = 64
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Repeats arrive within seconds; a day covers a browser restored from its session.
KEPT_FOR = timedelta(days=1)
USED_ELSEWHERE = "This form was already used by someone else. Open the page again."


class FormSubmission(Base):
    """A creating form's one-time token and the page its first submit led to."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(TOKEN_MAX), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    location: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SubmitOnceForm:
    """Mix into a creating form (before the form class) to carry the one-time token."""

    submit_token = HiddenField()

    def issue_token(self) -> None:
        """A fresh token for a form being shown; a submitted form keeps the one it sent."""
        if not self.submit_token.data:
            self.submit_token.data = secrets.token_urlsafe(24)


def _token(form: FlaskForm) -> str | None:
    """The form's token if it is one the tracker could have issued: anything else is
    not looked up (and the form's own checks refuse it)."""
    token = (form.submit_token.data or "").strip()
    return token if TOKEN_PATTERN.fullmatch(token) else None


def previous(token: str | None) -> str | None:
    """Where the first submit of `token` led, if the current user sent it before."""
    if token is None:
        return None
    found = db.session.get(FormSubmission, token)
    if found is None:
        return None
    if found.user_id != current_user.id:
        return ""
    return found.location


@dataclass(frozen=True)
class Outcome:
    saved: bool  # by this submit or an earlier one of the same token
    location: str | None = None  # where the first submit led
    result: object = None  # what `action` returned, for the first submit only
    repeated: bool = False


def submit_once(form: FlaskForm, action: Callable, location: Callable[[object], str],
                now: datetime | None = None) -> Outcome:
    """Like tracker.forms.submit, for a form that creates something: the first submit
    runs `action` and records the token with `location(result)`; a repeat of the token
    runs nothing and is sent to that same page. Not saved: the errors are on the form.
    A form without a token (a client that sends none) is saved unchecked."""
    token = _token(form) if form.is_submitted() else None
    done = previous(token)
    if done:
        return Outcome(True, done, repeated=True)
    if done == "":
        form.form_errors.append(USED_ELSEWHERE)
        return Outcome(False)
    now = now or utcnow()

    def create():
        result = action()
        target = location(result)
        if token is not None:
            db.session.execute(delete(FormSubmission).where(
                FormSubmission.user_id == current_user.id,
                FormSubmission.created_at < now - KEPT_FOR))
            db.session.add(FormSubmission(token=token, user_id=current_user.id,
                                          location=target, created_at=now))
            db.session.flush()
        return target, result

    try:
        ok, outcome = submit(form, create)
    except IntegrityError:
        # Another submit of the same token committed first (the unit of work rolled
        # back what this one did): answer with its page.
        done = previous(token)
        if not done:
            raise
        return Outcome(True, done, repeated=True)
    return Outcome(True, *outcome) if ok else Outcome(False)
