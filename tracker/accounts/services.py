"""Account services: creating users, changing roles, signing in and out."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from tracker.accounts import lockout, mfa, sessions, signals
from tracker.accounts.models import User, UserRole
from tracker.accounts.passwords import check_policy, hash_password, needs_rehash, verify_password
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.errors import NotFound, ValidationError
from tracker.extensions import db


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationError("email", "Enter a valid email address.") from exc


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.display_name, User.id)))


def users_with_role(role: Role) -> list[User]:
    stmt = (
        select(User)
        .join(UserRole)
        .where(UserRole.role == role.value, User.active.is_(True))
        .order_by(User.display_name)
    )
    return list(db.session.scalars(stmt))


def _clean_roles(roles: Iterable[str]) -> set[Role]:
    try:
        cleaned = {Role(r) for r in roles}
    except ValueError as exc:
        raise ValidationError("roles", "Unknown role.") from exc
    if not cleaned:
        raise ValidationError("roles", "Choose at least one role.")
    return cleaned


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("display_name", "Enter a display name.")
    if len(name) > 120:
        raise ValidationError("display_name", "Use at most 120 characters.")
    return name


def create_user(
    actor: User | None,
    *,
    email: str,
    display_name: str,
    roles: Iterable[str],
    password: str,
    now: datetime,
) -> User:
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise ValidationError("email", "A user with this email already exists.")
    cleaned_roles = _clean_roles(roles)
    check_policy(password)
    user = User(
        email=email,
        display_name=_clean_name(display_name),
        password_hash=hash_password(password),
        active=True,
        created_at=now,
    )
    user.role_rows = [UserRole(role=r.value) for r in sorted(cleaned_roles)]
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user.create",
        "user",
        user.id,
        changes={"roles": {"from": [], "to": sorted(r.value for r in cleaned_roles)}},
        now=now,
    )
    return user


def update_user(
    actor: User, user: User, *, display_name: str, roles: Iterable[str], active: bool,
    now: datetime,
) -> User:
    new_roles = _clean_roles(roles)
    if user.id == actor.id and Role.ADMIN not in new_roles:
        raise ValidationError("roles", "You cannot remove your own administrator role.")
    if user.id == actor.id and not active:
        raise ValidationError("active", "You cannot deactivate your own account.")
    before = {"display_name": user.display_name, "roles": sorted(user.roles), "active": user.active}
    user.display_name = _clean_name(display_name)
    if new_roles != user.roles:
        user.role_rows = [UserRole(role=r.value) for r in sorted(new_roles)]
    if user.active and not active:
        sessions.end_all(user, now, "deactivated")
    user.active = active
    after = {"display_name": user.display_name, "roles": sorted(new_roles), "active": active}
    changes = audit.diff(before, after, value_fields=("roles", "active"))
    if changes:
        db.session.flush()
        action = "user.role_change" if "roles" in changes else "user.update"
        audit.record(actor, action, "user", user.id, changes=changes, now=now)
        signals.user_changed.send(user, actor=actor, now=now)
    return user


def set_password(actor: User | None, user: User, password: str, now: datetime,
                 field: str = "password") -> None:
    """A new password. Set by someone else (an administrator's reset), it also ends every
    session of the user."""
    check_policy(password, field)
    user.password_hash = hash_password(password)
    audit.record(actor, "user.password_change", "user", user.id,
                 changes={"password": "changed"}, now=now)
    if actor is not None and actor.id != user.id:
        sessions.end_all(user, now, "password_reset")


def check_password(email: str, password: str, now: datetime,
                   policy: lockout.LockoutPolicy) -> User | None:
    """The first sign-in step: the user if the email and password match an active,
    unlocked account, else None.

    Every refusal looks and takes the same: the password is verified (against a dummy
    hash for an unknown email) whether or not the account exists, is disabled or is
    locked. Failures are audited, naming the account only when it exists, never the email
    typed (it may be someone's personal address mistyped)."""
    user = find_by_email(email.strip()) if email else None
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active or user.locked_at is not None:
        reason = ("unknown" if user is None else "locked" if user.locked_at else
                  "disabled" if not user.active else "password")
        audit.record(user, "auth.login", "user", user.id if user else None,
                     outcome=audit.FAILURE, now=now, changes={"step": "password",
                                                              "reason": reason},
                     label=None if user else "anonymous")
        if reason == "password":
            lockout.register_failure(user, now, policy)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_code(user: User, code: str, now: datetime,
               policy: lockout.LockoutPolicy) -> bool:
    """The second step: a code from the user's authenticator or a recovery code. A wrong
    code counts toward the lockout like a wrong password."""
    if user.locked_at is None and user.active and mfa.verify(user, code, now):
        return True
    audit.record(user, "auth.login", "user", user.id, outcome=audit.FAILURE, now=now,
                 changes={"step": "code"})
    if user.locked_at is None:
        lockout.register_failure(user, now, policy)
    return False


def complete_sign_in(user: User, now: datetime) -> str:
    """Both steps passed: a new server-side session, the failure count cleared. Returns
    the session's token for the cookie."""
    lockout.clear_failures(user)
    user.last_login_at = now
    token = sessions.start(user, now)
    audit.record(user, "auth.login", "user", user.id, now=now)
    return token


def record_logout(user: User, now: datetime, token: str | None) -> None:
    sessions.end_current(user, now, token)
    audit.record(user, "auth.logout", "user", user.id, now=now)


def change_own_password(user: User, current: str, new: str, now: datetime,
                        token: str | None) -> int:
    """The signed-in user changes their password; their other sessions (all but the one
    of the cookie `token`) end."""
    if not verify_password(user.password_hash, current):
        raise ValidationError("current_password", "The current password is not correct.")
    set_password(user, user, new, now, field="new_password")
    return sessions.end_all(user, now, "password_change", keep_token=token)


def reset_factor(actor: User, user: User, now: datetime) -> None:
    if user.id == actor.id:
        raise ValidationError(None, "Ask another administrator to reset your own factor.")
    mfa.reset(actor, user, now)
    sessions.end_all(user, now, "factor_reset")


def disable_inactive(now: datetime, days: int) -> list[User]:
    """Deactivate accounts not signed in for `days` days (CJIS AC-2(3)); an account never
    used counts from its creation."""
    cutoff = now - timedelta(days=days)
    last_seen = func.coalesce(User.last_login_at, User.created_at)
    stale = list(db.session.scalars(select(User).where(User.active.is_(True),
                                                       last_seen <= cutoff)))
    for user in stale:
        user.active = False
        sessions.end_all(user, now, "deactivated")
        db.session.flush()
        audit.record(None, "user.disable_inactive", "user", user.id, now=now,
                     changes={"active": {"from": True, "to": False}, "idle_days": days})
        signals.user_changed.send(user, actor=None, now=now)
    return stale
