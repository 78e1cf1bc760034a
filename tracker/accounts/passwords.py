"""Password hashing (Argon2id via argon2-cffi) and the password policy."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tracker.errors import ValidationError

MIN_LENGTH = 8
# Long passphrases are welcome; the cap only stops absurd inputs. Nothing is truncated.
MAX_LENGTH = 256

_hasher = PasswordHasher()
# Verifying against this keeps the time for an unknown email close to a known one.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")


def check_policy(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError(field, f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationError(field, f"Use at most {MAX_LENGTH} characters.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
