"""PostgreSQL for tests: a throwaway cluster started here, or an existing server named by
TRACKER_TEST_DATABASE_URL, and a fresh database per test.

The schema is created once, in a template database; each test then gets
`CREATE DATABASE ... TEMPLATE`, a file copy of a few megabytes, instead of some forty
CREATE TABLE and CREATE INDEX statements. Databases are named after the pytest process,
so two runs against one shared server never meet.
"""

import contextlib
import glob
import itertools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from tests.support.smtp import free_port

DRIVER = "postgresql+psycopg"
#: The test cluster trades durability for speed: a crash loses nothing a test needs.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl: from PATH, else Debian's newest
    /usr/lib/postgresql/N/bin (the postgresql package does not put them on PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                    key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))
    if debian:
        return Path(debian[-1]).parent
    raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found: install "
                       "Debian's postgresql package (`make test-postgres` does), or set "
                       "TRACKER_TEST_DATABASE_URL to an existing server.")


class Cluster:
    """initdb and pg_ctl in a temporary folder, listening on 127.0.0.1 only, trusting
    local connections. initdb and postgres refuse to run as root, so as root they run
    as the `postgres` user, which owns the folder."""

    user = "postgres"

    def __init__(self) -> None:
        self.bin = server_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
        self.data = self.root / "data"
        self.port: int | None = None

    @property
    def admin_url(self) -> URL:
        return URL.create(DRIVER, username=self.user, host="127.0.0.1", port=self.port,
                          database="postgres")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}):\n{done.stdout}"
                               f"{done.stderr}{self._log_tail()}")

    def _log_tail(self) -> str:
        log = self.root / "server.log"
        return "\n" + log.read_text(errors="replace")[-3000:] if log.exists() else ""

    def start(self) -> "Cluster":
        if os.geteuid() == 0:
            shutil.chown(self.root, self.user)
        # A realistic collation (ICU, en-US) rather than C: ordering bugs show up here
        # as they would in production, not only on byte order like SQLite.
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user,
                  "-E", "UTF8", "--locale=C.UTF-8", "--locale-provider=icu",
                  "--icu-locale=en-US", "--no-sync")
        for attempt in range(3):  # the free port may be taken before the server binds it
            self.port = free_port()
            options = " ".join([f"-p {self.port}", f"-k {self.root}",
                                "-c listen_addresses=127.0.0.1",
                                *(f"-c {s}" for s in FAST_SETTINGS)])
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                          "-w", "-t", "60", "-o", options, "start")
                return self
            except RuntimeError:
                if attempt == 2:
                    raise
        return self

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(RuntimeError):  # never started: the folder goes anyway
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def files_of(self, database: str, connection: psycopg.Connection,
                 shared_log: bool) -> list[Path]:
        """The files of the database's folder, after a checkpoint has written every
        committed change into them; with shared_log also the write-ahead log, which all
        databases of the cluster share."""
        connection.execute("CHECKPOINT")
        oid = connection.execute("SELECT oid FROM pg_database WHERE datname = %s",
                                 (database,)).fetchone()[0]
        folders = [self.data / "base" / str(oid)]
        if shared_log:
            folders.append(self.data / "pg_wal")
        return [p for folder in folders for p in folder.iterdir() if p.is_file()]


class Server:
    """Creates and drops test databases on one server, through one connection to its
    maintenance database (the role needs CREATEDB)."""

    def __init__(self, admin_url: URL, cluster: Cluster | None = None) -> None:
        self.admin_url = admin_url
        self.cluster = cluster
        self.prefix = f"tracker_test_{os.getpid()}"
        self._names = itertools.count(1)
        self._template: str | None = None
        conninfo = admin_url.set(drivername="postgresql").render_as_string(
            hide_password=False)
        self._admin = psycopg.connect(conninfo, autocommit=True)
        self.version = self._admin.info.server_version

    @classmethod
    def from_environment(cls) -> "Server":
        given = os.environ.get("TRACKER_TEST_DATABASE_URL")
        if given:
            url = make_url(given)
            if url.get_backend_name() != "postgresql":
                raise RuntimeError("TRACKER_TEST_DATABASE_URL must be a postgresql+psycopg:// "
                                   f"URL, not {url.drivername}")
            return cls(url.set(drivername=DRIVER))
        cluster = Cluster()
        try:
            return cls(cluster.start().admin_url, cluster)
        except Exception:
            cluster.stop()
            raise

    def describe(self) -> str:
        version = f"PostgreSQL {self.version // 10000}.{self.version % 10000}"
        where = (f"throwaway cluster in {self.cluster.root}, port {self.cluster.port}"
                 if self.cluster else f"server {self.admin_url.host}:{self.admin_url.port}")
        return f"{version}, {where}"

    def url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def create_database(self, build_schema: Callable[[str], None] | None = None,
                        empty: bool = False) -> str:
        """A new database: a copy of the schema template (built once with
        build_schema(url)), or empty for tests that run the migrations themselves."""
        name = f"{self.prefix}_{next(self._names)}"
        if empty:
            self._admin.execute(f'CREATE DATABASE "{name}"')
        else:
            self._admin.execute(f'CREATE DATABASE "{name}" TEMPLATE '
                                f'"{self._schema_template(build_schema)}"')
        return name

    def _schema_template(self, build_schema: Callable[[str], None] | None) -> str:
        if self._template is None:
            if build_schema is None:
                raise RuntimeError("the first schema database needs build_schema")
            name = f"{self.prefix}_template"
            self._admin.execute(f'CREATE DATABASE "{name}"')
            build_schema(self.url(name))  # must close its connections: a template has none
            self._template = name
        return self._template

    def drop_database(self, name: str) -> None:
        # FORCE ends connections a test left open (threads, a killed subprocess).
        self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def files_of(self, database: str, shared_log: bool = True) -> list[Path] | None:
        """The files holding the database, when this process runs the cluster."""
        if self.cluster is None:
            return None
        return self.cluster.files_of(database, self._admin, shared_log)

    def close(self) -> None:
        try:
            if self._template:
                self.drop_database(self._template)
        finally:
            self._admin.close()
            if self.cluster:
                self.cluster.stop()
