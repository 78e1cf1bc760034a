"""The hash chain over the audit trail (CJIS AU-9, NIST AU-9(3)).

record hash = SHA-256(previous hash + canonical JSON of the record's content). Changing,
removing or reordering any record, or cutting records off the end, breaks the chain."""

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select

from tracker.audit.models import AuditChainHead, AuditRecord
from tracker.db import lock_for_write
from tracker.extensions import db

GENESIS = "0" * 64


def canonical(row: AuditRecord) -> str:
    return json.dumps([
        row.at.isoformat(timespec="microseconds"), row.actor_id, row.actor_label,
        row.action, row.object_type, row.object_id, row.outcome, row.source_address,
        row.request_id, row.changes], sort_keys=True, separators=(",", ":"), default=str)


def link(prev_hash: str, row: AuditRecord) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode()).hexdigest()


def locked_head() -> AuditChainHead:
    """The chain head, locked until the transaction ends: a row lock on PostgreSQL, the
    write lock on SQLite (taken before the read, or two writers could chain onto the
    same head and fork the trail)."""
    lock_for_write(db.session)
    head = db.session.scalar(select(AuditChainHead).where(AuditChainHead.id == 1)
                             .with_for_update())
    if head is None:
        head = AuditChainHead(id=1, last_hash=GENESIS)
        db.session.add(head)
    return head


def seal(row: AuditRecord) -> None:
    """Give a new (not yet inserted) record its place in the chain."""
    head = locked_head()
    row.prev_hash = head.last_hash
    row.hash = link(head.last_hash, row)
    head.last_hash = row.hash


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def verify(batch: int = 5000) -> Verdict:
    """Walk the whole trail in order and report the first broken link."""
    expected_prev, checked, last_id = GENESIS, 0, 0
    while True:
        rows = list(db.session.scalars(select(AuditRecord).where(AuditRecord.id > last_id)
                                       .order_by(AuditRecord.id).limit(batch)))
        if not rows:
            break
        for row in rows:
            if row.prev_hash != expected_prev:
                return Verdict(False, checked, row.id, "previous hash does not match: a "
                               "record before it was changed, removed or reordered")
            if link(row.prev_hash, row) != row.hash:
                return Verdict(False, checked, row.id, "content does not match its hash")
            expected_prev, checked, last_id = row.hash, checked + 1, row.id
        db.session.expunge_all()
    head = db.session.get(AuditChainHead, 1)
    if head is not None and head.last_hash != expected_prev:
        return Verdict(False, checked, None, "records were removed from the end")
    return Verdict(True, checked)
