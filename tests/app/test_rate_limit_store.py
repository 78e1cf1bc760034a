"""Rate limits across web workers: with RATELIMIT_STORAGE_URI=redis://... (the `redis`
extra) two gunicorn workers count one client's requests together; with the default
memory:// each worker counts on its own, which is what check-deploy warns about.

A real redis-server from Debian (installed by `make test`), started here on a free port,
and a real gunicorn with two workers."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import fresh_database
from tests.support.smtp import free_port
from tracker import PROJECT_ROOT

LIMIT = 6
REQUESTS = 24


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: `make test` installs it (apt-get install redis-server)"
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (Debian's server, fixed arguments)
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def run_workers(request, tmp_path, storage_uri: str) -> Counter:
    """gunicorn with two workers; REQUESTS concurrent feed fetches from one address.
    Returns (worker pid, status) counts from gunicorn's access log."""
    database = fresh_database(request, tmp_path, empty=True)
    port, access_log = free_port(), tmp_path / "access.log"
    env = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
           "TRACKER_SQLALCHEMY_DATABASE_URI": database, "TRACKER_SECRET_KEY": "shared",
           "TRACKER_FEED_RATE_LIMIT": f"{LIMIT} per minute",
           "TRACKER_RATELIMIT_STORAGE_URI": storage_uri}
    subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "db", "upgrade"],
                   cwd=PROJECT_ROOT, env=env, check=True, capture_output=True, timeout=120)
    log = (tmp_path / "gunicorn.log").open("w")
    gunicorn = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s",
         "tracker:create_app()"], cwd=PROJECT_ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert gunicorn.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).close()  # noqa: S310
            except urllib.error.HTTPError:
                break  # 503: no scheduler here, but the workers answer
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
                continue
            break

        def fetch(_):
            try:
                urllib.request.urlopen(base + "/calendar/feeds/no-such-token.ics",  # noqa: S310
                                       timeout=30).close()
            except urllib.error.HTTPError as error:
                return error.code
            return 200

        # Which worker accepts a connection is the kernel's choice: on a busy machine one
        # worker may take a whole batch. Batches go on (within the limit's minute) until
        # both workers have served fetches.
        deadline = time.monotonic() + 30
        with ThreadPoolExecutor(max_workers=8) as pool:
            while True:
                statuses = list(pool.map(fetch, range(REQUESTS)))
                assert Counter(statuses).keys() <= {404, 429}, statuses
                time.sleep(0.5)  # the access log is written after each response
                if len(_pids(access_log)) >= 2 or time.monotonic() > deadline:
                    break
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    lines = [line.split() for line in access_log.read_text().splitlines()]
    return Counter((pid, status) for pid, status in lines if status in ("404", "429"))


def _pids(access_log) -> set[str]:
    """The workers that have served feed fetches so far."""
    lines = [line.split() for line in access_log.read_text().splitlines()]
    return {pid for pid, status in lines if status in ("404", "429")}


def answered(counts: Counter) -> tuple[int, set[str]]:
    """How many fetches got through the limit, and which workers served fetches."""
    return (sum(n for (_, status), n in counts.items() if status == "404"),
            {pid for pid, _ in counts})


def test_redis_store_counts_across_both_workers(request, tmp_path, redis_url):
    through, workers = answered(run_workers(request, tmp_path, redis_url))
    assert len(workers) == 2, "the fetches did not reach both workers"
    assert through == LIMIT


def test_memory_store_counts_per_worker(request, tmp_path):
    """What check-deploy warns about: each worker lets the limit through on its own."""
    counts = run_workers(request, tmp_path, "memory://")
    through, workers = answered(counts)
    assert len(workers) == 2, "the fetches did not reach both workers"
    assert through > LIMIT
    assert all(n <= LIMIT for (_, status), n in counts.items() if status == "404")

