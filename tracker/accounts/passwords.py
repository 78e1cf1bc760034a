"""Password hashing (Argon2id via argon2-cffi) and the password policy (NIST SP 800-63B,
CJIS IA-5): at least 8 characters, long passphrases welcome, no composition rules, and no
password from the list of the 30,000 most common ones in breach corpora."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tracker.errors import ValidationError

MIN_LENGTH = 8
# Long passphrases are welcome; the cap only stops absurd inputs. Nothing is truncated.
MAX_LENGTH = 256

_hasher = PasswordHasher()
# Verifying against this keeps the time for an unknown email close to a known one.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")


# Words an attacker would try first against this tool in particular.
AGENCY_WORDS = {"tracker", "tracker123", "police", "police123", "sheriff", "fusion",
                "fusioncenter", "protest", "welcome1", "changeme", "password1!"}


@cache
def banned_passwords() -> frozenset[str]:
    """The common-password list that ships with zxcvbn (drawn from breached password
    sets), plus AGENCY_WORDS."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | AGENCY_WORDS


def check_policy(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError(field, f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationError(field, f"Use at most {MAX_LENGTH} characters.")
    if password.lower() in banned_passwords() or password.strip().lower() in AGENCY_WORDS:
        raise ValidationError(field, "This password is too common: it appears in lists "
                                     "that attackers try first. Choose another, e.g. a "
                                     "few unrelated words.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
