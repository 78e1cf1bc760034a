"""The second factor: TOTP codes from an authenticator app (RFC 6238, via pyotp) and
one-time recovery codes for when the phone is lost (CJIS IA-2(1)/(2), ASVS V6.5).

A code is accepted once: the time step it belongs to is stored and no code of that step
or an earlier one is accepted again, so a code seen over someone's shoulder is useless.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, select, update

from tracker.accounts.models import RecoveryCode, User
from tracker.audit import services as audit
from tracker.extensions import db

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 12
# One step either side: phones and servers drift, and a code typed at the end of its
# 30 seconds arrives in the next step.
DRIFT_STEPS = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def begin_enrolment(user: User) -> str:
    """A fresh secret for a user without a working factor; kept on the user, unconfirmed,
    until a code from it is entered."""
    if user.has_factor:
        raise ValueError("This account already has a second factor.")
    user.totp_secret = pyotp.random_base32(length=32)  # 160 bits (RFC 4226 advice)
    return user.totp_secret


def provisioning_uri(user: User, issuer: str) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The otpauth:// URI as an inline SVG QR code (no script, no external image)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff",
                                                 title="QR code for your authenticator app")
    # segno draws the SVG itself: the URI is encoded as modules, never inserted as text.
    return Markup(svg)  # noqa: S704  # nosec B704


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_totp(user: User, code: str, now: datetime) -> bool:
    if not user.totp_secret or not (code.isdigit() and len(code) == 6):
        return False
    step = _matching_step(user.totp_secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    # A conditional update: of two requests racing with the same code, one wins.
    won = db.session.execute(
        update(User).where(User.id == user.id,
                           (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if won.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(normalise_recovery(code).encode()).hexdigest()


def normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _accept_recovery(user: User, code: str, now: datetime) -> bool:
    if len(normalise_recovery(code)) != RECOVERY_CODE_LENGTH:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        return False
    audit.record(user, "auth.recovery_code_used", "user", user.id, now=now,
                 changes={"recovery_codes_left": recovery_codes_left(user)})
    return True


def verify(user: User, code: str, now: datetime) -> bool:
    """A code of the authenticator at `now` (one step of drift either way) not used
    before, or an unused recovery code."""
    code = (code or "").strip().replace(" ", "")
    if not user.has_factor:
        return False
    return _accept_totp(user, code, now) or _accept_recovery(user, code, now)


def confirm_enrolment(user: User, code: str, now: datetime) -> list[str] | None:
    """Finish enrolment when the code matches the new secret; returns the recovery codes
    to show once, or None when the code is wrong."""
    code = (code or "").strip().replace(" ", "")
    if user.has_factor or not _accept_totp(user, code, now):
        return None
    user.totp_enrolled_at = now
    codes = _new_recovery_codes(user)
    audit.record(user, "user.mfa_enrol", "user", user.id, now=now,
                 changes={"second_factor": "enrolled"})
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET)
                      for _ in range(RECOVERY_CODE_LENGTH))  # about 59 bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(raw)))
    db.session.flush()
    return codes


def regenerate_recovery_codes(user: User, now: datetime) -> list[str]:
    codes = _new_recovery_codes(user)
    audit.record(user, "user.recovery_codes_regenerate", "user", user.id, now=now,
                 changes={"recovery_codes": "replaced"})
    return codes


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def reset(actor: User, user: User, now: datetime) -> None:
    """An administrator removes a lost factor; the user enrols again at next sign-in."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(actor, "user.mfa_reset", "user", user.id, now=now,
                 changes={"second_factor": "reset"})
