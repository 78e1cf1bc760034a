"""The digests that seal the audit trail (CJIS AU-9, NIST AU-9(3)): pure functions.

record hash  = SHA-256(record id + canonical JSON of the record's content)
block digest = SHA-256(block number, previous block's digest, seal time, record count,
                       then each member's id and record hash in id order)

A block's digest is signed (tracker/audit/keys.py), so changing a record, a record hash
or a digest needs the signing key, which the database never holds; chaining the digests
makes a removed or replaced block visible too."""

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime

GENESIS = "0" * 64
VERSION = "tracker-audit-block/v1"


def canonical(row) -> str:
    """The record's content as it is sealed. `row` is an AuditRecord or a Core row with
    the same columns."""
    return json.dumps([
        row.at.isoformat(timespec="microseconds"), row.actor_id, row.actor_label,
        row.action, row.object_type, row.object_id, row.outcome, row.source_address,
        row.request_id, row.changes], sort_keys=True, separators=(",", ":"), default=str)


def record_hash(row) -> str:
    # The id is covered so a record cannot be moved to another id unnoticed.
    return hashlib.sha256(f"{row.id}\n{canonical(row)}".encode()).hexdigest()


def block_digest(number: int, prev_digest: str, sealed_at: datetime,
                 members: Iterable[tuple[int, str]]) -> str:
    """`members`: (record id, record hash) in record id order."""
    members = list(members)
    digest = hashlib.sha256(
        f"{VERSION}\n{number}\n{prev_digest}\n"
        f"{sealed_at.isoformat(timespec='microseconds')}\n{len(members)}\n".encode())
    for record_id, hashed in members:
        digest.update(f"{record_id}:{hashed}\n".encode())
    return digest.hexdigest()


def signed_message(number: int, digest: str) -> bytes:
    """What the key signs: the digest, bound to its block number and this format."""
    return f"{VERSION}\n{number}\n{digest}".encode()
