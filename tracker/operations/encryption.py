"""Encrypted backups with age (https://age-encryption.org, through pyrage): to one or more
public keys (`age1...`, the private key kept off the server), or with a passphrase.

A backup holds authenticator secrets, password hashes and personal details: a copy that
leaves the machine should be encrypted, and the key to read it kept elsewhere."""

import os
from pathlib import Path

import pyrage

AGE_MAGIC = b"age-encryption.org/v1"
SUFFIX = ".age"


class EncryptionError(Exception):
    pass


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(AGE_MAGIC)) == AGE_MAGIC


def recipients(keys: list[str]) -> list:
    parsed = []
    for key in keys:
        try:
            parsed.append(pyrage.x25519.Recipient.from_str(key.strip()))
        except pyrage.RecipientError as error:
            raise EncryptionError(f"{key.strip()[:12]}... is not an age public key "
                                  "(age1...).") from error
    return parsed


def read_secret(path: Path) -> str:
    """A passphrase or an identity from a file (never from the command line, which ps
    shows), without its trailing newline."""
    try:
        return path.read_text().strip()
    except OSError as error:
        raise EncryptionError(f"{path} cannot be read: {error.strerror}.") from error


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def encrypt(plain: Path, target: Path, keys: list[str] | None = None,
            passphrase: str | None = None) -> None:
    """Write `plain` encrypted to `target` (created 0600)."""
    if passphrase:
        _write_private(target, pyrage.passphrase.encrypt(plain.read_bytes(), passphrase))
        return
    _write_private(target, b"")  # the mode first; age then writes into it
    try:
        pyrage.encrypt_file(str(plain), str(target), recipients(keys or []))
    except pyrage.EncryptError as error:
        target.unlink(missing_ok=True)
        raise EncryptionError(f"encryption failed: {error}") from error


def decrypt(encrypted: Path, target: Path, identity: str | None = None,
            passphrase: str | None = None) -> None:
    """Write the plain backup to `target` (created 0600)."""
    try:
        if passphrase:
            _write_private(target, pyrage.passphrase.decrypt(encrypted.read_bytes(),
                                                              passphrase))
            return
        if not identity:
            raise EncryptionError("the backup is encrypted: give --identity FILE (the age "
                                  "private key) or --passphrase-file FILE.")
        keys = [pyrage.x25519.Identity.from_str(line.strip())
                for line in identity.splitlines()
                if line.strip().startswith("AGE-SECRET-KEY-")]
        if not keys:
            raise EncryptionError("the identity file holds no AGE-SECRET-KEY- line.")
        _write_private(target, b"")
        pyrage.decrypt_file(str(encrypted), str(target), keys)
    except (pyrage.DecryptError, pyrage.IdentityError) as error:
        target.unlink(missing_ok=True)
        raise EncryptionError("the backup cannot be decrypted with this key or "
                              "passphrase.") from error
