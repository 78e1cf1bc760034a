"""Sealing: committed audit records that are in no block yet go into a new signed block.

Writers take no lock: they insert their record with the change it describes. The sealer
alone serialises (an advisory lock on PostgreSQL, the write lock on SQLite, and the
anchor's lock file on this host), and it picks records by membership, not by id range:
on PostgreSQL a record whose transaction commits after a higher id was sealed is simply
in the next block, never skipped."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, exists, func, select, text

from tracker.audit import anchor, chain, keys
from tracker.audit.models import AuditBlock, AuditBlockRecord, AuditRecord
from tracker.db import lock_for_write
from tracker.errors import ValidationError
from tracker.extensions import db

# PostgreSQL advisory lock key for the sealer ("audt").
SEAL_LOCK = 0x61756474
# A very large backlog (the first seal after upgrading) is split into blocks this big.
BLOCK_MAX_RECORDS = 20_000

RECORDS = AuditRecord.__table__
MEMBERS = AuditBlockRecord.__table__


class SealRefused(ValidationError):
    def __init__(self, message: str):
        super().__init__(None, message)


@dataclass(frozen=True)
class SealResult:
    blocks: list[int]
    records: int
    key_id: str
    anchored: list[int]


def unsealed_condition():
    return ~exists().where(MEMBERS.c.record_id == RECORDS.c.id)


def _lock_the_seal() -> None:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEAL_LOCK})
    else:
        lock_for_write(db.session)


def entry(block: AuditBlock) -> anchor.Entry:
    return anchor.Entry(block=block.id, records=block.record_count,
                        last_record=block.last_record_id, digest=block.digest,
                        signature=block.signature, key_id=block.key_id,
                        sealed_at=block.sealed_at.isoformat(timespec="microseconds"))


def _check_against_anchor(entries: list[anchor.Entry] | None, last: AuditBlock | None,
                          trusted: dict) -> list[AuditBlock]:
    """Refuse to build on a trail that no longer matches the anchor; return the blocks
    committed but not anchored yet (a seal interrupted after its commit)."""
    anchored = entries[-1] if entries else None
    if anchored is not None:
        block = db.session.get(AuditBlock, anchored.block)
        if block is None or block.digest != anchored.digest:
            raise SealRefused(
                f"The audit trail does not match its anchor at block {anchored.block}: "
                "not sealing. Run `flask --app tracker audit verify`.")
    elif last is not None and entries is None:
        raise SealRefused("The audit anchor file is missing while the database has "
                          f"{last.id} sealed blocks: not sealing. Run `audit verify`.")
    behind = list(db.session.scalars(
        select(AuditBlock).where(AuditBlock.id > (anchored.block if anchored else 0))
        .order_by(AuditBlock.id)))
    for block in behind:
        public = trusted.get(block.key_id)
        if public is None or not keys.verifies(public, block.signature,
                                               chain.signed_message(block.id, block.digest)):
            raise SealRefused(f"Block {block.id} is not anchored and its signature does "
                              "not verify: not sealing. Run `audit verify`.")
    return behind


def _next_batch(connection: Connection) -> list:
    return list(connection.execute(
        select(RECORDS).where(unsealed_condition()).order_by(RECORDS.c.id)
        .limit(BLOCK_MAX_RECORDS)))


def _new_block(rows: list, previous: AuditBlock | None, signer: keys.Signer,
               now: datetime) -> AuditBlock:
    number = previous.id + 1 if previous else 1
    prev_digest = previous.digest if previous else chain.GENESIS
    members = [(row.id, chain.record_hash(row)) for row in rows]
    digest = chain.block_digest(number, prev_digest, now, members)
    block = AuditBlock(
        id=number, sealed_at=now, record_count=len(rows), first_record_id=rows[0].id,
        last_record_id=rows[-1].id, prev_digest=prev_digest, digest=digest,
        key_id=signer.key_id, public_key=signer.public_hex,
        signature=signer.sign(chain.signed_message(number, digest)))
    db.session.add(block)
    db.session.flush()
    db.session.execute(MEMBERS.insert(), [
        {"record_id": record_id, "block_id": number, "record_hash": hashed}
        for record_id, hashed in members])
    return block


def seal(settings: keys.AuditSettings, now: datetime) -> SealResult:
    """Seal every committed record not yet in a block, then append the new blocks to
    the anchor. Commits itself: the anchor line must follow the commit, under the same
    lock, so the anchor never names a block the database does not have."""
    now = now.astimezone(UTC)
    signer = keys.signer(settings)
    trusted = keys.trusted(settings)
    with anchor.locked(settings.anchor_file, exclusive=True):
        try:
            _lock_the_seal()
            last = db.session.scalar(select(AuditBlock).order_by(AuditBlock.id.desc())
                                     .limit(1))
            behind = _check_against_anchor(anchor.read(settings.anchor_file), last,
                                           trusted)
            new_blocks, count = [], 0
            while rows := _next_batch(db.session.connection()):
                last = _new_block(rows, last, signer, now)
                new_blocks.append(last)
                count += len(rows)
            to_anchor = [entry(b) for b in behind + new_blocks]
            result = SealResult([b.id for b in new_blocks], count, signer.key_id,
                                [e.block for e in to_anchor])
            # Its own transaction, not tracker/work.py: the seal lock is held until this
            # commit, and the anchor file is written only after it.
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        anchor.append(settings.anchor_file, to_anchor)
    return result


@dataclass(frozen=True)
class Backlog:
    count: int
    oldest: datetime | None


def backlog_after_last_block() -> Backlog:
    """A cheap view of the backlog for /healthz: records above the highest sealed id (an
    index range). Records committed out of order below it are sealed on the next run and
    counted exactly by `audit verify`."""
    highest = db.session.scalar(select(func.max(AuditBlock.last_record_id))) or 0
    count, oldest = db.session.execute(
        select(func.count(AuditRecord.id), func.min(AuditRecord.at))
        .where(AuditRecord.id > highest)).one()
    return Backlog(count or 0, oldest)
