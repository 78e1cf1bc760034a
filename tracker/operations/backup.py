"""Consistent backups while the tracker keeps running (SECURITY.md D-2, NIST CP-9).

SQLite: the online backup API copies one read snapshot of the database in a single step;
in WAL mode that read blocks no writer, and what a writer has not committed is not in the
copy. PostgreSQL: pg_dump, which also reads one snapshot, in its custom format (restored
with pg_restore).

The documents attached to plans live in files, not in the database: beside each database
copy the backup writes <name>.files.tar with every stored document (encrypted the same
way), and `restore --files-to FOLDER` puts them back.

A backup holds everything the database holds, personal details included: it is written
readable by its owner only, and must be kept no longer than the retention period allows
(purged details stay in older backups until they are deleted)."""

import io
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

PG_DUMP_TIMEOUT_SECONDS = 3600


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    method: str  # "sqlite-backup-api" or "pg_dump"


def file_name(url: URL, now: datetime) -> str:
    suffix = "sqlite3" if url.get_backend_name() == "sqlite" else "pgdump"
    return f"tracker-{now:%Y%m%dT%H%M%SZ}.{suffix}"


def destination(dest: str | None, default_folder: Path, url: URL, now: datetime) -> Path:
    """DEST may be a file to create or an existing folder; none means the backup folder.
    An existing file is never overwritten."""
    if dest is None:
        default_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = default_folder / file_name(url, now)
    elif Path(dest).is_dir():
        target = Path(dest) / file_name(url, now)
    else:
        target = Path(dest)
    if target.exists():
        raise BackupError(f"{target} already exists: choose another destination.")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder.")
    return target


def create(url: URL, target: Path) -> Backup:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return backup_sqlite(url, target)
    if backend == "postgresql":
        return backup_postgresql(url, target)
    raise BackupError(f"No backup method for {backend} databases.")


def _private_file(path: Path) -> None:
    """Create the file empty with mode 0600 before anything is written into it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _finish(partial: Path, target: Path) -> int:
    """Flush to disk, then give the file its name: a file under the final name is always
    a complete backup."""
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, target)
    return target.stat().st_size


def backup_sqlite(url: URL, target: Path) -> Backup:
    database = url.database
    if not database or database == ":memory:" or not Path(database).is_file():
        raise BackupError(f"No SQLite database file at {database!r}.")
    partial = target.with_name(target.name + ".partial")
    _private_file(partial)
    source = sqlite3.connect(database)
    try:
        source.execute("PRAGMA busy_timeout=5000")
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot
            # A single self-contained file, whatever mode the live database runs in.
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
        if verdict != "ok":
            raise BackupError(f"The copy failed its integrity check: {verdict}")
        return Backup(target, _finish(partial, target), "sqlite-backup-api")
    finally:
        source.close()
        partial.unlink(missing_ok=True)


def backup_postgresql(url: URL, target: Path) -> Backup:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump was not found on the PATH. Install the PostgreSQL client tools of "
            "the server's major version or newer (Debian: apt-get install "
            "postgresql-client) and run the backup again.")
    # The password goes through the environment, never the command line (ps shows it).
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    partial = target.with_name(target.name + ".partial")
    _private_file(partial)
    try:
        # pg_dump found on the PATH, arguments as a list, no shell.
        result = subprocess.run(  # noqa: S603
            [pg_dump, "--format=custom", "--no-password", f"--file={partial}",
             f"--dbname={dsn}"],
            env=env, capture_output=True, text=True, check=False,
            timeout=PG_DUMP_TIMEOUT_SECONDS)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise BackupError(f"pg_dump failed (exit {result.returncode}): {last}")
        return Backup(target, _finish(partial, target), "pg_dump")
    finally:
        partial.unlink(missing_ok=True)


# ---- the plan documents ----------------------------------------------------------------

FILES_SUFFIX = ".files.tar"


def files_target(database_target: Path) -> Path:
    """The documents' archive lies beside the database copy: <name>.files.tar."""
    return database_target.with_name(database_target.name + FILES_SUFFIX)


def backup_files(store, target: Path) -> Backup | None:
    """Every file of the document store (tracker/storage.py) in one tar archive, written
    0600 like the database copy; None when the store holds no file. Read through the
    store's interface, so another backend backs up the same way."""
    keys = sorted(store.keys())
    if not keys:
        return None
    if target.exists():
        raise BackupError(f"{target} already exists: choose another destination.")
    partial = target.with_name(target.name + ".partial")
    _private_file(partial)
    try:
        with tarfile.open(partial, "w") as archive:
            for key in keys:
                with store.open(key) as handle:
                    data = handle.read()
                info = tarfile.TarInfo(key)
                info.size, info.mode = len(data), 0o600
                archive.addfile(info, io.BytesIO(data))
        return Backup(target, _finish(partial, target), f"tar of {len(keys)} files")
    finally:
        partial.unlink(missing_ok=True)


def restore_files(archive_path: Path, store) -> int:
    """Put an archive's documents back into the store; only names the store could have
    made are taken (no paths, no links). Returns how many files were restored."""
    from tracker.storage import KEY_PATTERN

    restored = 0
    with tarfile.open(archive_path, "r") as archive:
        for member in archive.getmembers():
            if not member.isfile() or not KEY_PATTERN.fullmatch(member.name):
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            store.restore(member.name, handle.read())
            restored += 1
    return restored
