"""HTTP benchmarks under gunicorn (2 sync workers, 8 concurrent wrk clients): the cached
feed against prebuilt bytes, gzip against prebuilt gzip, 304 answers and the event list
and dashboard against a trivial endpoint, all in the same server."""

import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import pyotp

from bench import load
from bench.results import ratio_result

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "tracker-bench"
ROUNDS = 3
_pids: dict[str, int] = {}


def gunicorn_pid(base: str) -> int:
    """The gunicorn master serving `base`."""
    return _pids[base]


def environment(instance: Path, database_url: str) -> dict[str, str]:
    return {**os.environ, "TRACKER_INSTANCE_PATH": str(instance),
            "TRACKER_SQLALCHEMY_DATABASE_URI": database_url,
            "TRACKER_SECRET_KEY": "bench-secret-not-for-production",
            "TRACKER_PUBLIC_BASE_URL": "https://tracker.example.gov",
            # One address sends everything here: keep the limiter counting, never refusing.
            "TRACKER_FEED_RATE_LIMIT": "100000000 per minute",
            "TRACKER_LOGIN_RATE_LIMIT": "100000000 per minute"}


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int = 2):
    process = subprocess.Popen(
        # A generous timeout: the first, cold build of a 10,000-event feed takes over the
        # default 30 s when the shared machine is busy, and gunicorn would kill the worker.
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--timeout", "180",
         "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "bench.server:app"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    _pids[base] = process.pid
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/_bench/trivial", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def session_cookie(base: str, email: str, password: str, totp_secret: str) -> str:
    """Sign in as a browser does (notice, password, authenticator code, CSRF tokens) and
    return the Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email,
                                   "password": password, "acknowledge": "y"}).encode()
    page = opener.open(f"{base}/login", data=data).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token,
                                   "code": pyotp.TOTP(totp_secret).now()}).encode()
    opener.open(f"{base}/login/code", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def compare(name, target, label, reference_url, tracker_url, headers=None, *,
            ref_headers=None, at_least: float):
    """Alternate reference and tracker runs; ratio of the medians."""
    refs, mine = [], []
    for _ in range(ROUNDS):
        refs.append(load.requests_per_second(reference_url, ref_headers or headers))
        mine.append(load.requests_per_second(tracker_url, headers))
    return ratio_result(name, target, label, refs, mine, "req/s", at_least=at_least,
                        note="runs: " + ", ".join(f"{r:.0f}/{m:.0f}"
                                                  for r, m in zip(refs, mine, strict=True)))
