"""A throwaway PostgreSQL cluster for the benchmarks (shared/RECIPES.md): initdb as the
postgres user (it refuses root) into a temporary folder, no fsync, a free local port,
deleted on stop. Needs the Debian server binaries (apt-get install postgresql)."""

import glob
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit("PostgreSQL server binaries not found: apt-get install postgresql")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Postgres:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="tracker-bench-pg-"))
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True,
                       stdout=subprocess.DEVNULL)

    def start(self) -> "Postgres":
        shutil.chown(self.dir, "postgres")
        data = str(self.dir / "data")
        self._as_postgres(_bin("initdb"), "-D", data, "-A", "trust", "--no-sync",
                          "-U", "postgres")
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=50")
        self._as_postgres(_bin("pg_ctl"), "-D", data, "-o", options, "-l",
                          str(self.dir / "log"), "-w", "start")
        return self

    def stop(self) -> None:
        try:
            self._as_postgres(_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast",
                              "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Postgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
