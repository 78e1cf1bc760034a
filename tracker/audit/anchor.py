"""The anchor: an append-only file outside the database with one line per sealed block
(its number, records, signed digest). Someone who can rewrite the database cannot
rewrite this file, so a wiped or truncated trail no longer matches it.

A lock file beside it serialises sealers on this host and lets `audit verify` take its
database snapshot and read the anchor at one moment, so a block committed but not yet
anchored is never mistaken for tampering."""

import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    block: int
    records: int
    last_record: int
    digest: str
    signature: str
    key_id: str
    sealed_at: str


class AnchorUnreadable(Exception):
    pass


def read(path: Path) -> list[Entry] | None:
    """The anchored blocks in file order, or None when there is no anchor file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(Entry(**json.loads(line)))
        except (ValueError, TypeError) as error:
            raise AnchorUnreadable(f"{path}, line {number}: {error}") from error
    return entries


def append(path: Path, entries: Iterable[Entry]) -> None:
    lines = "".join(json.dumps(asdict(e), sort_keys=True) + "\n" for e in entries)
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write(lines)
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def locked(path: Path, exclusive: bool) -> Iterator[None]:
    """Exclusive for a sealer (the whole seal, commit and anchor line); shared for a
    verifier while it opens its snapshot and reads the anchor. Where the lock file
    cannot be made (a read-only mount), go on without it."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
