"""Sign-in services directly: the password step, the second factor (TOTP and recovery
codes), lockout and server-side sessions."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from tests.conftest import NOW, PASSWORD
from tracker.accounts import lockout, mfa, services, sessions
from tracker.accounts.models import RecoveryCode, UserSession
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.config import DefaultConfig
from tracker.errors import ValidationError
from tracker.extensions import db

# The configured policy: five failures within 15 minutes.
POLICY = lockout.LockoutPolicy.from_config(vars(DefaultConfig))


def _audit(action):
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)
                                   .order_by(AuditRecord.id)))


def test_password_step_success_failure_unknown_and_inactive(make_user):
    user = make_user()
    assert services.check_password(user.email, PASSWORD, NOW, POLICY) == user
    assert services.check_password(user.email, "wrong password", NOW, POLICY) is None
    assert services.check_password("nobody@agency.example.com", PASSWORD, NOW,
                                   POLICY) is None
    user.active = False
    assert services.check_password(user.email, PASSWORD, NOW, POLICY) is None
    reasons = [r.changes["reason"] for r in _audit("auth.login")]
    assert reasons == ["password", "unknown", "disabled"]
    unknown = _audit("auth.login")[1]
    assert unknown.actor_id is None and unknown.actor_label == "anonymous"
    assert "nobody" not in repr(vars(unknown))
    # The password step alone is no sign-in.
    assert user.last_login_at is None


def test_totp_code_accepted_once_and_only_in_its_window(make_user, totp_clock):
    user = make_user()
    totp = pyotp.TOTP(user.totp_secret)
    code = totp.at(totp_clock.advance())
    now = totp_clock.moment()  # the one clock: codes are checked at the `now` given
    assert mfa.verify(user, code, now)
    assert not mfa.verify(user, code, now)  # the same code again
    totp_clock.advance(90)
    now = totp_clock.moment()
    assert not mfa.verify(user, totp.at(totp_clock.now - 60), now)  # too old
    assert mfa.verify(user, totp.at(totp_clock.now + 30), now)  # phone a step ahead
    assert not mfa.verify(user, totp.at(totp_clock.now), now)  # earlier than the last one
    # The same code checked at another `now`: the window moves with it.
    later = totp.at(totp_clock.now + 600)
    assert not mfa.verify(user, later, now)
    assert mfa.verify(user, later, now + timedelta(seconds=600))


def test_malformed_codes_are_refused(make_user):
    user = make_user()
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x", None):
        assert not mfa.verify(user, code, NOW)


def test_user_without_factor_cannot_pass_the_second_step(make_user, totp_clock):
    user = make_user(enrolled=False)
    mfa.begin_enrolment(user)  # a secret, not yet confirmed
    code = pyotp.TOTP(user.totp_secret).at(totp_clock.advance())
    assert not mfa.verify(user, code, totp_clock.moment())


def test_enrolment_needs_a_code_from_the_new_secret(make_user, totp_clock):
    user = make_user(enrolled=False)
    secret = mfa.begin_enrolment(user)
    assert len(secret) == 32
    assert mfa.confirm_enrolment(user, "000000", totp_clock.moment()) is None
    code = pyotp.TOTP(secret).at(totp_clock.advance())
    codes = mfa.confirm_enrolment(user, code, totp_clock.moment())
    assert (len(codes) == mfa.RECOVERY_CODE_COUNT
            and user.totp_enrolled_at == totp_clock.moment())
    stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not stored & set(codes)
    with pytest.raises(ValueError):
        mfa.begin_enrolment(user)  # a working factor is never silently replaced


def test_recovery_codes_work_once(make_user, totp_clock):
    user = make_user(enrolled=False)
    secret = mfa.begin_enrolment(user)
    codes = mfa.confirm_enrolment(user, pyotp.TOTP(secret).at(totp_clock.advance()),
                                  totp_clock.moment())
    assert mfa.verify(user, codes[3], totp_clock.moment())
    assert not mfa.verify(user, codes[3], totp_clock.moment())
    assert mfa.recovery_codes_left(user) == 9
    # Another user's code is no use.
    other = make_user(enrolled=False)
    other_codes = mfa.confirm_enrolment(
        other, pyotp.TOTP(mfa.begin_enrolment(other)).at(totp_clock.advance()),
        totp_clock.moment())
    assert not mfa.verify(user, other_codes[0], totp_clock.moment())


def test_reset_removes_the_factor_and_codes(make_user):
    admin, user = make_user(Role.ADMIN), make_user()
    mfa.reset(admin, user, NOW)
    assert (user.totp_secret, user.totp_enrolled_at) == (None, None)
    assert db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id)).all() == []
    assert _audit("user.mfa_reset")[0].actor_id == admin.id


def test_lock_at_threshold_within_window(app, make_user):
    user = make_user()
    for minute in range(4):
        assert not lockout.register_failure(user, NOW + timedelta(minutes=minute), POLICY)
    # The first failure has left the window: still four within it.
    assert not lockout.register_failure(user, NOW + timedelta(minutes=15, seconds=1), POLICY)
    assert lockout.register_failure(user, NOW + timedelta(minutes=15, seconds=2), POLICY)
    assert user.locked_at is not None
    assert len(_audit("user.lock")) == 1
    # Already locked:
    assert not lockout.register_failure(user, NOW + timedelta(minutes=16), POLICY)


def test_unlock_requires_a_locked_account(make_user):
    admin, user = make_user(Role.ADMIN), make_user()
    with pytest.raises(ValidationError):
        lockout.unlock(admin, user, NOW)
    user.locked_at = NOW
    lockout.unlock(admin, user, NOW)
    assert user.locked_at is None and _audit("user.unlock")[0].actor_id == admin.id


def test_sessions_end_all_but_the_current(app, make_user):
    user = make_user()
    with app.test_request_context():
        sessions.start(user, NOW)
        current = sessions.start(user, NOW)  # a second browser: the one making the change
        db.session.flush()
        assert sessions.end_all(user, NOW, "password_change", keep_token=current) == 1
        rows = db.session.scalars(select(UserSession).order_by(UserSession.id)).all()
        db.session.refresh(rows[0])
        assert [r.end_reason for r in rows] == ["password_change", None]
        assert sessions.end_all(user, NOW, "deactivated") == 1
