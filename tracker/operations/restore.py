"""Restore a backup into a database (NIST CP-10): `flask --app tracker restore BACKUP --to
DATABASE_URL`.

The target is named explicitly, never taken from the running configuration, so a drill
cannot overwrite or check the live database by mistake; a target that already holds
tables is refused unless forced. After the copy the migrations run and the audit trail
of the restored database is verified, and every line of output names that database."""

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from tracker.operations import private_files
from tracker.operations.backup import BackupError, _finish, _private_file

PG_RESTORE_TIMEOUT_SECONDS = 3600
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class RestoreError(BackupError):
    pass


def target_url(value: str) -> URL:
    """A database URL, or the path of a SQLite file."""
    if "://" in value:
        return make_url(value)
    return make_url(f"sqlite:///{Path(value).resolve()}")


def label(url: URL) -> str:
    """How the output names the database: its URL without the password."""
    return url.render_as_string(hide_password=True)


def backup_kind(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise RestoreError(f"{path} cannot be read: {error.strerror}.") from error
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise RestoreError(f"{path} is neither a SQLite backup nor a pg_dump custom-format "
                       "backup (an encrypted backup is decrypted first).")


def tables_in(url: URL) -> list[str]:
    if private_files.sqlite_file(url) is not None and not Path(url.database).exists():
        return []
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def copy_into(backup: Path, url: URL, force: bool, say: Callable[[str], None]) -> None:
    kind, backend = backup_kind(backup), url.get_backend_name()
    if kind != backend:
        raise RestoreError(f"{backup.name} is a {kind} backup: it restores into a {kind} "
                           f"database, not {backend}.")
    try:
        existing = tables_in(url)
    except Exception as error:  # the message can hold the host: the class is enough
        raise RestoreError(f"cannot connect ({type(error).__name__}): create the database "
                           "first, with its owner as the tracker's role.") from error
    if existing and not force:
        raise RestoreError(f"not empty ({len(existing)} tables): restore into a new "
                           "database, or add --force to replace what it holds.")
    if existing:
        say(f"replacing {len(existing)} tables (--force)")
    if kind == "sqlite":
        _restore_sqlite(backup, url)
    else:
        _restore_postgresql(backup, url, replace=bool(existing))


def _restore_sqlite(backup: Path, url: URL) -> None:
    target = private_files.sqlite_file(url)
    if target is None or not target.parent.is_dir():
        raise RestoreError(f"{target} is not in an existing folder.")
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    _private_file(partial)
    try:
        with backup.open("rb") as source, partial.open("r+b") as copy:
            shutil.copyfileobj(source, copy)
        # A replaced database's write-ahead log would be replayed into the restored one.
        for suffix in private_files.SQLITE_COMPANIONS:
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        _finish(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _restore_postgresql(backup: Path, url: URL, replace: bool) -> None:
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise RestoreError("pg_restore was not found on the PATH: install the PostgreSQL "
                           "client tools (Debian: apt-get install postgresql-client).")
    if replace:
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    # pg_restore found on the PATH, arguments as a list, no shell; the password goes
    # through the environment (ps shows the command line).
    result = subprocess.run(  # noqa: S603
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", "--no-password", f"--dbname={dsn}", str(backup)],
        env=env, capture_output=True, text=True, check=False,
        timeout=PG_RESTORE_TIMEOUT_SECONDS)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise RestoreError(f"pg_restore failed (exit {result.returncode}): {last}")
