"""`audit verify`: every block's signature and chain, every sealed record against its
block, and the latest blocks against the anchor outside the database, all read in one
consistent snapshot (a read transaction on SQLite, REPEATABLE READ on PostgreSQL), so a
trail that the application keeps writing to never looks broken."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, func, select

from tracker.audit import anchor, chain, keys, sealing
from tracker.audit.models import AuditBlock
from tracker.audit.sealing import MEMBERS, RECORDS, unsealed_condition
from tracker.errors import ValidationError
from tracker.extensions import db

BLOCKS = AuditBlock.__table__
BLOCKS_PER_READ = 20
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    kind: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}, {self.where}: {self.detail}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    blocks: int = 0
    sealed: int = 0
    unsealed: int = 0
    oldest_unsealed: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, where: str, detail: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(kind, where, detail))


@contextmanager
def snapshot() -> Iterator[Connection]:
    """One connection whose reads all see the database at one moment."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # The driver begins transactions only before writes; a plain (deferred) BEGIN
            # makes the first read fix a WAL snapshot that later commits do not change.
            driver = connection.connection.driver_connection
            driver.execute("BEGIN")
            try:
                yield connection
            finally:
                driver.rollback()
        else:
            connection.execution_options(isolation_level="REPEATABLE READ")
            try:
                yield connection
            finally:
                connection.rollback()


def verify(settings: keys.AuditSettings) -> Report:
    report = Report()
    with snapshot() as connection:
        # The snapshot is fixed by its first read, taken while no sealer on this host is
        # between its commit and its anchor line. The keys are read after it: a block in
        # the snapshot was signed with a key listed before the block was committed.
        with anchor.locked(settings.anchor_file, exclusive=False):
            connection.execute(select(func.count()).select_from(BLOCKS)).scalar()
            trusted = keys.trusted(settings)
            try:
                entries = anchor.read(settings.anchor_file)
            except anchor.AnchorUnreadable as error:
                report.add("anchor unreadable", str(settings.anchor_file), str(error))
                entries = []
        last_block = _check_blocks(connection, trusted, entries or [], report)
        _check_anchor(settings, entries, last_block, report)
        report.unsealed, report.oldest_unsealed = connection.execute(
            select(func.count(), func.min(RECORDS.c.at)).where(unsealed_condition())).one()
    return report


def _check_blocks(connection: Connection, trusted: dict, entries: list[anchor.Entry],
                  report: Report) -> int:
    """Walk the blocks in order; returns the number of the last block found."""
    anchored = {entry.block: entry for entry in entries}
    expected, prev_digest, after = 1, chain.GENESIS, 0
    while True:
        blocks = connection.execute(select(BLOCKS).where(BLOCKS.c.id > after)
                                    .order_by(BLOCKS.c.id).limit(BLOCKS_PER_READ)).all()
        if not blocks:
            return after
        members: dict[int, list] = {block.id: [] for block in blocks}
        for row in connection.execute(
                select(MEMBERS, *RECORDS.c)
                .select_from(MEMBERS.outerjoin(RECORDS, RECORDS.c.id == MEMBERS.c.record_id))
                .where(MEMBERS.c.block_id.between(blocks[0].id, blocks[-1].id))
                .order_by(MEMBERS.c.block_id, MEMBERS.c.record_id)):
            members.setdefault(row.block_id, []).append(row)
        for block in blocks:
            _check_block(block, members[block.id], expected, prev_digest, trusted, report)
            entry = anchored.get(block.id)
            if entry is not None and entry.digest != block.digest:
                report.add("block replaced", f"block {block.id}",
                           "its digest differs from the one in the anchor file")
            expected, prev_digest, after = block.id + 1, block.digest, block.id
            report.blocks += 1


def _check_block(block, members: list, expected: int, prev_digest: str, trusted: dict,
                 report: Report) -> None:
    where = f"block {block.id}"
    if block.id != expected:
        report.add("blocks deleted", f"blocks {expected} to {block.id - 1}",
                   "missing from the database, in the middle of the trail")
    elif block.prev_digest != prev_digest:
        report.add("chain broken", where, "it does not carry the previous block's "
                                          "digest: a block before it was replaced")
    public = trusted.get(block.key_id)
    if public is None or keys.public_hex(public) != block.public_key:
        report.add("forged block", where, f"signed with key {block.key_id}, which is not "
                                          "one of this installation's signing keys")
    elif not keys.verifies(public, block.signature,
                           chain.signed_message(block.id, block.digest)):
        report.add("forged block", where, "its signature does not match its digest: the "
                                          "digest was recomputed without the signing key")
    for row in members:
        if row.id is None:
            report.add("record deleted", f"record {row.record_id} ({where})",
                       "sealed in this block, no longer in the database")
        elif chain.record_hash(row) != row.record_hash:
            report.add("record changed", f"record {row.record_id} ({where})",
                       "its content no longer matches the hash sealed in its block")
        else:
            report.sealed += 1
    if len(members) != block.record_count:
        report.add("records deleted", where, f"{block.record_count} records were sealed "
                                             f"in it, {len(members)} are still listed")
    elif chain.block_digest(block.id, block.prev_digest, block.sealed_at,
                            [(row.record_id, row.record_hash) for row in members]
                            ) != block.digest:
        report.add("block altered", where, "its records' hashes no longer give its "
                                           "signed digest")


def _check_anchor(settings: keys.AuditSettings, entries: list[anchor.Entry] | None,
                  last_block: int, report: Report) -> None:
    path = settings.anchor_file
    if entries is None:
        if last_block:
            report.add("anchor missing", str(path),
                       f"the database has {last_block} sealed blocks but the anchor file "
                       "is gone; restore it from its copy")
        return
    anchored = max((entry.block for entry in entries), default=0)
    if anchored > last_block:
        if last_block == 0:
            report.add("trail wiped", "the whole trail",
                       f"the anchor records {anchored} sealed blocks, the database has "
                       "none")
        else:
            report.add("trail truncated", f"the end of the trail (after block {last_block})",
                       f"the anchor records blocks up to {anchored}: blocks "
                       f"{last_block + 1} to {anchored} were removed")
    elif anchored < last_block:
        report.add("anchor behind", f"blocks {anchored + 1} to {last_block}",
                   "in the database but not in the anchor file: added without the sealer, "
                   "or a seal stopped before its anchor line (the next `audit seal` "
                   "anchors blocks whose signatures verify)")


# What a restored backup, or a lost anchor file, looks like: the blocks themselves are
# sound, only the anchor disagrees with them.
REANCHOR_ALLOWED = {"trail truncated", "trail wiped", "anchor missing", "anchor behind"}


def reanchor(settings: keys.AuditSettings, now: datetime) -> tuple[Path | None, int]:
    """Start a new anchor file from the blocks in the database, after a backup was
    restored (the old anchor names blocks sealed after the backup) or the anchor file
    was lost. Refused when any block or record fails verification. The old file is kept
    beside the new one, renamed, as the record of what the restore removed. Returns
    (the old file's new name or None, blocks anchored)."""
    problems = [p for p in verify(settings).problems if p.kind not in REANCHOR_ALLOWED]
    if problems:
        raise ValidationError(None, f"The blocks themselves do not verify ({problems[0]}): "
                                    "a new anchor would hide it.")
    with anchor.locked(settings.anchor_file, exclusive=True):
        kept = None
        if settings.anchor_file.exists():
            kept = settings.anchor_file.with_name(
                f"{settings.anchor_file.name}.replaced-{now:%Y%m%dT%H%M%SZ}")
            os.replace(settings.anchor_file, kept)
        blocks = list(db.session.scalars(select(AuditBlock).order_by(AuditBlock.id)))
        settings.anchor_file.touch(mode=0o600)
        anchor.append(settings.anchor_file, [sealing.entry(b) for b in blocks])
    return kept, len(blocks)
