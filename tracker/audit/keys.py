"""The key that signs sealed audit blocks: Ed25519, kept outside the database.

The folder (AUDIT_KEY_FOLDER, default <instance>/audit-keys) holds `signing-key.pem`, the
private key (mode 0600, created on first use unless TRACKER_AUDIT_SIGNING_KEY gives one),
and `public-keys.txt`, one line per key this installation ever signed with: "<key id>
<public key in hex>". Verification trusts only keys listed there (and the current one),
so a block signed with any other key, say one an intruder made up and stored beside the
block, fails. Rotation adds a line and replaces the private key; older blocks still
verify with their listed public keys. See docs/security.md for why Ed25519 and not HMAC.
"""

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from tracker.errors import ValidationError

PRIVATE_FILE = "signing-key.pem"
PUBLIC_FILE = "public-keys.txt"


@dataclass(frozen=True)
class AuditSettings:
    """Where the sealing keys and the anchor live, read once at the boundary."""

    key_folder: Path
    anchor_file: Path
    signing_key_pem: str | None = None
    max_unsealed_age: timedelta = timedelta(minutes=5)

    @classmethod
    def from_config(cls, config, instance_path: str) -> "AuditSettings":
        instance = Path(instance_path)
        return cls(
            key_folder=Path(config.get("AUDIT_KEY_FOLDER") or instance / "audit-keys"),
            anchor_file=Path(config.get("AUDIT_ANCHOR_FILE")
                             or instance / "audit-anchor.log"),
            signing_key_pem=config.get("AUDIT_SIGNING_KEY") or None,
            max_unsealed_age=timedelta(seconds=config.get("AUDIT_SEAL_MAX_AGE_SECONDS",
                                                          300)))


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    private: Ed25519PrivateKey

    @property
    def public_hex(self) -> str:
        return _raw(self.private.public_key()).hex()

    @property
    def key_id(self) -> str:
        return key_id_of(self.private.public_key())

    def sign(self, message: bytes) -> str:
        return self.private.sign(message).hex()


def _pem(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())


def _load_pem(data: bytes, where: str) -> Ed25519PrivateKey:
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise ValidationError(None, f"The audit signing key in {where} cannot be read: "
                                    f"{error}") from error
    if not isinstance(private, Ed25519PrivateKey):
        raise ValidationError(None, f"The audit signing key in {where} is not Ed25519.")
    return private


def _write_new(path: Path, private: Ed25519PrivateKey, replace: bool) -> None:
    """Written under a temporary name with mode 0600 from the start, then put in place
    whole: replacing the old key (rotation), or only if there is none yet (first use,
    where two processes may race: the first key wins and both use it)."""
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(8)}.new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_pem(private))
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _folder(settings: AuditSettings) -> Path:
    settings.key_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return settings.key_folder


def listed_keys(settings: AuditSettings) -> dict[str, str]:
    """key id -> public key (hex) of every key listed as this installation's."""
    path = settings.key_folder / PUBLIC_FILE
    if not path.exists():
        return {}
    listed = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            listed[parts[0]] = parts[1]
    return listed


def _list(settings: AuditSettings, signer: Signer) -> None:
    if listed_keys(settings).get(signer.key_id) == signer.public_hex:
        return
    with open(_folder(settings) / PUBLIC_FILE, "a") as handle:
        handle.write(f"{signer.key_id} {signer.public_hex}\n")
        handle.flush()
        os.fsync(handle.fileno())


def signer(settings: AuditSettings) -> Signer:
    """The current signing key; created (0600) on first use when none is configured."""
    if settings.signing_key_pem:
        current = Signer(_load_pem(settings.signing_key_pem.encode(),
                                   "TRACKER_AUDIT_SIGNING_KEY"))
    else:
        path = _folder(settings) / PRIVATE_FILE
        if not path.exists():
            _write_new(path, Ed25519PrivateKey.generate(), replace=False)
        current = Signer(_load_pem(path.read_bytes(), str(path)))
    _list(settings, current)
    return current


def trusted(settings: AuditSettings) -> dict[str, Ed25519PublicKey]:
    """key id -> public key, for verification. Creates nothing."""
    listed = dict(listed_keys(settings))
    path = settings.key_folder / PRIVATE_FILE
    current = None
    if settings.signing_key_pem:
        current = Signer(_load_pem(settings.signing_key_pem.encode(),
                                   "TRACKER_AUDIT_SIGNING_KEY"))
    elif path.exists():
        current = Signer(_load_pem(path.read_bytes(), str(path)))
    if current is not None:
        listed[current.key_id] = current.public_hex
    return {key_id: Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
            for key_id, public in listed.items()}


def verifies(public: Ed25519PublicKey, signature_hex: str, message: bytes) -> bool:
    try:
        public.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_hex(public: Ed25519PublicKey) -> str:
    return _raw(public).hex()


def rotate(settings: AuditSettings) -> tuple[str, str]:
    """Replace the signing key in the key folder; the old public key stays listed so the
    blocks it signed still verify. Returns (old key id, new key id)."""
    if settings.signing_key_pem:
        raise ValidationError(None, "The signing key comes from TRACKER_AUDIT_SIGNING_KEY: "
                                    "put a new key there (the old public key stays listed "
                                    "in public-keys.txt) and restart.")
    old = signer(settings)
    new = Signer(Ed25519PrivateKey.generate())
    _list(settings, new)  # listed before it signs anything
    _write_new(_folder(settings) / PRIVATE_FILE, new.private, replace=True)
    return old.key_id, new.key_id
