"""A web worker's resident memory with ten 10,000-event feeds cached, and the time to
import the app."""

import statistics
import subprocess
import sys
from pathlib import Path

from bench import web
from bench.results import absolute_result, show
from bench.setup import app_for, database, free_port, seed

FEEDS = 10
EVENTS = 10_000
IMPORT_RUNS = 5
IMPORT = ("import time; t = time.perf_counter(); import tracker; "
          "print(time.perf_counter() - t)")
IMPORT_AND_CREATE = ("import time; t = time.perf_counter(); import tracker; "
                     "tracker.create_app(); print(time.perf_counter() - t)")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _seconds(program: str, env: dict) -> float:
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         check=True, env=env, cwd=web.ROOT).stdout
    return float(out.strip().splitlines()[-1])


def measure(kind: str = "sqlite") -> list:
    results = []
    with database(kind) as (instance, url):
        app = app_for(instance, url)
        _, tokens = seed(app, EVENTS, past_days=200, future_days=200, feeds=FEEDS)
        env = web.environment(instance, url)
        with web.gunicorn(env, free_port(), workers=1) as base:
            pid = _worker_pid(web.gunicorn_pid(base))
            before = _rss_mb(pid)
            for token in tokens:
                for headers in (None, {"Accept-Encoding": "gzip"}):
                    status, _, body = web.fetch(f"{base}/calendar/feeds/{token}.ics",
                                                headers)
                    assert status == 200 and body
            for token in tokens:  # served from memory now
                web.fetch(f"{base}/calendar/feeds/{token}.ics")
            after = _rss_mb(pid)
        results.append(absolute_result(
            "worker memory, ten 10,000-event feeds cached", "< 200 MB", [after], "MB", 200,
            note=f"RSS {before:.0f} MB before the feeds, {after:.0f} MB after (plain and "
                 "gzip bytes of each in memory)"))
        show(results[-1])
        imports = [_seconds(IMPORT, env) for _ in range(IMPORT_RUNS)]
        creates = [_seconds(IMPORT_AND_CREATE, env) for _ in range(IMPORT_RUNS)]
        results.append(absolute_result(
            "import the app", "< 0.8 s", imports, "s", 0.8,
            note=f"import tracker; with create_app(): median "
                 f"{statistics.median(creates):.2f} s; runs "
                 + ", ".join(f"{t:.2f}" for t in imports)))
        show(results[-1])
    return results
