"""Where uploaded files live: one small interface (put, open, delete, keys) so that an
S3-compatible object store can replace the local folder without touching the areas.

The local store keeps each file under a random name (128 bits, hex) in a folder outside
the web root, by default <instance>/attachments, created 0700 with files 0600
(SECURITY.md D-4). A key is only ever a name the store made: anything else (a path, a
dot, a slash) is refused before the file system is touched.

Files and the database are two stores, so their changes are tied to the database's unit
of work: a file written for a record that is then rolled back is removed, and a file
whose record is deleted is removed only once that deletion is committed
(`remove_after_commit`, `remove_after_rollback`)."""

import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

KEY_PATTERN = re.compile(r"[0-9a-f]{32}")


class StorageError(Exception):
    pass


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str


class FileStore(Protocol):
    def put(self, data: bytes) -> Stored: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[str]: ...

    def restore(self, key: str, data: bytes) -> None: ...


def _checked(key: str) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise StorageError("Not a stored file's key.")
    return key


class LocalFileStore:
    """Files in one private folder, each under a random name."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _folder(self) -> Path:
        if not self.root.exists():
            self.root.mkdir(mode=0o700, parents=True)
            os.chmod(self.root, 0o700)  # mkdir's mode is masked by the umask
        return self.root

    def put(self, data: bytes) -> Stored:
        folder = self._folder()
        key = secrets.token_hex(16)
        path = folder / key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Stored(key, len(data), hashlib.sha256(data).hexdigest())

    def open(self, key: str) -> BinaryIO:
        try:
            return (self.root / _checked(key)).open("rb")
        except FileNotFoundError as error:
            raise StorageError("The file is missing from the store.") from error

    def delete(self, key: str) -> None:
        (self.root / _checked(key)).unlink(missing_ok=True)

    def restore(self, key: str, data: bytes) -> None:
        """Put a file back under its key (restoring a backup); an existing file stays."""
        path = self._folder() / _checked(key)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return iter(())
        return (p.name for p in self.root.iterdir() if KEY_PATTERN.fullmatch(p.name))


def for_app(app) -> FileStore:
    """The store the app is configured with: ATTACHMENTS_FOLDER, by default
    <instance>/attachments. (Another backend would be chosen here.)"""
    store = app.extensions.get("tracker.file_store")
    if store is None:
        folder = app.config.get("ATTACHMENTS_FOLDER") or Path(app.instance_path) / "attachments"
        store = app.extensions["tracker.file_store"] = LocalFileStore(Path(folder))
    return store


# ---- files follow the database's unit of work ------------------------------------------

_AFTER_COMMIT = "tracker.storage.after_commit"
_AFTER_ROLLBACK = "tracker.storage.after_rollback"


def remove_after_commit(session: Session, store: FileStore, key: str) -> None:
    """Delete the file once the transaction that removed its record commits."""
    session.info.setdefault(_AFTER_COMMIT, []).append((store, key))


def remove_after_rollback(session: Session, store: FileStore, key: str) -> None:
    """Delete a file just written if the transaction that records it rolls back."""
    session.info.setdefault(_AFTER_ROLLBACK, []).append((store, key))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_AFTER_ROLLBACK, None)
    for store, key in session.info.pop(_AFTER_COMMIT, []):
        store.delete(key)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:  # a savepoint: the outer transaction decides
        return
    session.info.pop(_AFTER_COMMIT, None)
    for store, key in session.info.pop(_AFTER_ROLLBACK, []):
        store.delete(key)
