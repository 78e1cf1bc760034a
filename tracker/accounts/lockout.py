"""Account lockout (CJIS AC-7): LOCKOUT_THRESHOLD failed sign-ins (wrong password or
wrong code) within LOCKOUT_WINDOW_MINUTES lock the account until an administrator
unlocks it. The sign-in page gives the same answer for a locked account as for a wrong
password or an unknown email, so lockout does not reveal which emails exist."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from tracker.accounts.models import SignInFailure, User
from tracker.audit import services as audit
from tracker.errors import ValidationError
from tracker.extensions import db


@dataclass(frozen=True)
class LockoutPolicy:
    """How many failures within what time lock an account (from the configuration, at
    the boundary)."""

    threshold: int
    window: timedelta

    @classmethod
    def from_config(cls, config: Mapping) -> "LockoutPolicy":
        return cls(config["LOCKOUT_THRESHOLD"],
                   timedelta(minutes=config["LOCKOUT_WINDOW_MINUTES"]))


def register_failure(user: User, now: datetime, policy: LockoutPolicy) -> bool:
    """Count a failure; returns True when it locked the account."""
    db.session.add(SignInFailure(user_id=user.id, at=now))
    db.session.flush()
    recent = db.session.scalar(select(func.count(SignInFailure.id)).where(
        SignInFailure.user_id == user.id, SignInFailure.at > now - policy.window))
    if recent < policy.threshold or user.locked_at is not None:
        return False
    user.locked_at = now
    audit.record(None, "user.lock", "user", user.id, now=now,
                 changes={"locked": {"from": False, "to": True}, "failures": recent})
    return True


def clear_failures(user: User) -> None:
    db.session.execute(delete(SignInFailure).where(SignInFailure.user_id == user.id))


def unlock(actor: User, user: User, now: datetime) -> None:
    if user.locked_at is None:
        raise ValidationError(None, "This account is not locked.")
    user.locked_at = None
    clear_failures(user)
    audit.record(actor, "user.unlock", "user", user.id, now=now,
                 changes={"locked": {"from": True, "to": False}})
