"""Private files (SECURITY.md D-4): the instance folder 0700; the SQLite database, its
-wal and -shm, key files and backups 0600, created that way and checked.

Files are created private rather than fixed afterwards wherever the tracker creates them
(os.open modes, the instance folder made 0700, the database file created 0600 before
SQLite opens it: SQLite gives the -wal and -shm the database file's mode). Under
PRODUCTION the process umask is 077 as well, for files written by libraries.

The check is generic: whatever lies in the instance folder (a key added later, a
config.py, backups/, mail/) is reported when its group or others may read it, so a new
kind of file needs no new rule here."""

import contextlib
import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

#: Any permission for the group or others.
OPEN_BITS = 0o077
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Exposed:
    path: Path
    mode: int

    def __str__(self) -> str:
        return f"{self.path} ({self.mode:04o})"


def make_instance_folder(path: Path) -> None:
    """Create the instance folder 0700. An existing folder keeps its mode: the check
    reports it, so an operator's deliberate choice is seen rather than silently undone."""
    if not path.exists():
        path.mkdir(mode=0o700, parents=True)
        os.chmod(path, 0o700)  # mkdir's mode is masked by the umask


def sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def create_sqlite_file(url: URL) -> None:
    """An empty file is a valid SQLite database: create it 0600 before SQLite does (with
    the umask's 0644), so the database and the -wal and -shm SQLite derives from it are
    never readable by others, not even for a moment."""
    path = sqlite_file(url)
    if path is None or path.exists() or not path.parent.is_dir():
        return
    with contextlib.suppress(FileExistsError):  # another worker created it first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def tighten_sqlite_files(database: str) -> None:
    """Called for each new SQLite connection: a database file restored or copied with a
    wider mode is made 0600 with its -wal and -shm (logged, so the change is seen)."""
    if not database:
        return
    for name in (database, *(database + suffix for suffix in SQLITE_COMPANIONS)):
        try:
            mode = stat.S_IMODE(os.stat(name).st_mode)
            if mode & OPEN_BITS:
                os.chmod(name, mode & ~OPEN_BITS)
                log.warning("%s was readable by others (%04o): now %04o", name, mode,
                            mode & ~OPEN_BITS)
        except (FileNotFoundError, PermissionError):
            continue


def _open(path: Path) -> Exposed | None:
    try:
        mode = stat.S_IMODE(path.lstat().st_mode)
    except OSError:
        return None
    if path.is_symlink():
        return None  # a link's own mode means nothing; its target is checked where it is
    return Exposed(path, mode) if mode & OPEN_BITS else None


def exposed(instance: Path, others: Iterable[Path] = (), deep: bool = True) -> list[Exposed]:
    """Files and folders that the group or others may read. `deep` walks the whole
    instance folder (check-deploy); without it only the folder and what lies directly in
    it (/healthz, every few seconds: a private sub-folder protects what is inside)."""
    found = []
    candidates: list[Path] = [instance]
    if instance.is_dir():
        if deep:
            for root, folders, files in os.walk(instance):
                candidates += [Path(root) / name for name in (*folders, *files)]
        else:
            candidates += list(instance.iterdir())
    for path in others:
        candidates.append(path)
    seen = set()
    for path in candidates:
        if path in seen:
            continue
        seen.add(path)
        problem = _open(path)
        if problem:
            found.append(problem)
    return found


def database_files(url: URL) -> list[Path]:
    path = sqlite_file(url)
    if path is None:
        return []
    return [p for p in (path, *(Path(str(path) + s) for s in SQLITE_COMPANIONS))
            if p.exists()]
