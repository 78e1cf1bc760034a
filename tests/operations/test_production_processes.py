"""The production shape: the app under gunicorn (two workers, the `tracker:create_app()`
factory) and TWO `flask --app tracker scheduler` processes on one PostgreSQL database,
migrated with `flask db upgrade`, sending to one real SMTP server (tests/support/smtp.py).

- Reminders falling due while both schedulers run are delivered exactly once each
  (SECURITY.md R-1, R-2 "several dispatchers at once").
- A feed fetched over and over, concurrently, gets byte-identical bodies and one ETag from
  every worker; after an edit through one worker, every worker serves the new version.

The test drives the real processes over sockets; it reads the database only to set up
the data and to see the outcome."""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pyotp
import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, fresh_database
from tests.support.processes import stop_groups
from tests.support.smtp import SmtpServer, free_port
from tracker import PROJECT_ROOT, create_app
from tracker.accounts import mfa
from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.calendar import feeds
from tracker.db import utcnow
from tracker.events import services as events
from tracker.extensions import db
from tracker.reminders.models import InboxMessage, Reminder, ReminderState

pytestmark = pytest.mark.postgresql_only(
    "several processes share one database: SQLite is one file for one machine")

WORKERS = 2
SCHEDULERS = 2
SECRET_KEY = "shared-by-every-worker"
STEP_HEADER = "X-Test-Step"  # names the request in gunicorn's access log


# ---- the processes ------------------------------------------------------------------


class Stack:
    """gunicorn, the schedulers and the SMTP server, and an app in this process for
    setting up data and reading outcomes from the same database."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.smtp = SmtpServer().start()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.access_log = folder / "access.log"
        self.env = {
            **os.environ,
            "TRACKER_INSTANCE_PATH": str(folder / "instance"),
            "TRACKER_SQLALCHEMY_DATABASE_URI": database_url,
            "TRACKER_SECRET_KEY": SECRET_KEY,
            "TRACKER_PUBLIC_BASE_URL": self.base_url,
            "TRACKER_MAIL_SERVER": self.smtp.host,
            "TRACKER_MAIL_PORT": str(self.smtp.port),
            "TRACKER_MAIL_SECURITY": "none",
            # A cycle a second, so reminders go out within seconds of falling due.
            "TRACKER_REMINDER_DISPATCH_INTERVAL_SECONDS": "1",
            # Every request here comes from 127.0.0.1; the limit counts per worker.
            "TRACKER_FEED_RATE_LIMIT": "10000 per minute",
        }
        self.processes: dict[str, subprocess.Popen] = {}
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TRACKER_INSTANCE_PATH", str(folder / "local-instance"))
            self.app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                                   "SECRET_KEY": SECRET_KEY, "TESTING": True})

    def flask(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", *args],  # noqa: S603
                              cwd=PROJECT_ROOT, env=self.env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def spawn(self, name: str, *command: str) -> None:
        log = (self.folder / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", *command], cwd=PROJECT_ROOT, env=self.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def start(self) -> "Stack":
        self.flask("db", "upgrade")
        self.spawn("gunicorn", "gunicorn", "--workers", str(WORKERS),
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", "60",
                   "--access-logfile", str(self.access_log),
                   "--access-logformat", f"%(p)s %(s)s %(U)s %({{{STEP_HEADER}}}i)s",
                   "tracker:create_app()")
        for n in range(1, SCHEDULERS + 1):
            self.spawn(f"scheduler-{n}", "flask", "--app", "tracker", "scheduler")
        self._wait_until_ready()
        return self

    def _wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for name, process in self.processes.items():
                assert process.poll() is None, f"{name} exited:\n{self.log(name)}"
            schedulers = all("Scheduler running" in self.log(f"scheduler-{n}")
                             for n in range(1, SCHEDULERS + 1))
            try:
                urllib.request.urlopen(self.base_url + "/login", timeout=5).close()  # noqa: S310
                if schedulers:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, "the stack did not start:\n" + "\n".join(
                f"--- {name}\n{self.log(name)}" for name in self.processes)
            time.sleep(0.2)

    def stop(self) -> None:
        stop_groups(self.processes.values(), timeout=15)
        with self.app.app_context():
            db.engine.dispose()
        self.smtp.stop()

    def access_lines(self, step: str) -> list[tuple[str, str, str]]:
        """(worker pid, status, path) of every request that carried this step name."""
        lines = [line.split() for line in self.access_log.read_text().splitlines()]
        return [(pid, status, path) for pid, status, path, name in lines if name == step]


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("production")
    started = Stack(folder, fresh_database(request, folder, empty=True))
    request.addfinalizer(started.stop)
    return started.start()


# ---- HTTP as a browser and a calendar client do it ----------------------------------


def fetch(url: str, step: str, opener=None, data: dict[str, list[str]] | None = None,
          headers: dict | None = None) -> tuple[int, dict, bytes]:
    body = urlencode(data, doseq=True).encode() if data else None
    request = urllib.request.Request(url, headers={STEP_HEADER: step, **(headers or {})},  # noqa: S310
                                     data=body)
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:  # 304 and the 4xx/5xx come here
        return error.code, dict(error.headers), error.read()


class FormReader(HTMLParser):
    """The fields a browser would send for each <form> on a page: inputs with their
    values, checked boxes only, selected options (a single select without one sends its
    first), textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self._select: tuple[str, bool, list[str]] | None = None  # name, multiple, first
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.forms[-1].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self._add(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self._select = (name, "multiple" in attrs, [])
        elif tag == "option" and self._select:
            select_name, _, first = self._select
            first.append(attrs.get("value", ""))
            if "selected" in attrs:
                self._add(select_name, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            name, multiple, options = self._select
            if not multiple and name not in self.forms[-1] and options:
                self._add(name, options[0])
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1][self._textarea][-1] += data

    @classmethod
    def form_with(cls, page: bytes, field: str) -> dict[str, list[str]]:
        reader = cls()
        reader.feed(page.decode())
        return next(form for form in reader.forms if field in form)


def sign_in(base_url: str, email: str, totp_secret: str):
    """A cookie-keeping client signed in through the real forms (CSRF on): the notice
    and password, then the authenticator's code of the moment (the server runs on the
    real clock)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    _, _, page = fetch(base_url + "/login", "sign-in", opener)
    form = FormReader.form_with(page, "password")
    form.update(email=[email], password=[PASSWORD], acknowledge=["y"])
    status, _, page = fetch(base_url + "/login", "sign-in", opener, data=form)
    form = FormReader.form_with(page, "code")
    form.update(code=[pyotp.TOTP(totp_secret).now()])
    status, _, page = fetch(base_url + "/login/code", "sign-in", opener, data=form)
    assert status == 200 and b"Sign out" in page, page.decode()[:2000]
    return opener


# ---- data ---------------------------------------------------------------------------

_serial = iter(range(1, 10_000))


def make_user(*roles: Role):
    n = next(_serial)
    user = accounts.create_user(None, email=f"staff{n}@agency.example.com",
                                display_name=f"Staff {n}", roles=[r.value for r in roles],
                                password=PASSWORD, now=utcnow())
    mfa.begin_enrolment(user)
    user.totp_enrolled_at = utcnow()
    db.session.commit()
    return user


def record_event(planner, title: str, starts_at, liaison=None, now=None):
    made = events.create_event(planner, events.EventData(
        title=title, kind="rally", starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2), venue="Courthouse steps",
        information_source="permit_application", permit_status="applied",
        planner_id=planner.id, liaison_id=liaison.id if liaison else None), now or utcnow())
    db.session.commit()
    return made


# ---- reminders ----------------------------------------------------------------------

EVENTS = 40


def test_two_schedulers_deliver_every_reminder_exactly_once(stack):
    with stack.app.app_context():
        planners = [make_user(Role.PLANNER) for _ in range(4)]
        liaisons = [make_user(Role.LIAISON) for _ in range(4)]
        # Each event's one-day reminder falls due while both schedulers are running,
        # one every 150 ms over six seconds, so their cycles compete for the same rows.
        now = utcnow()
        for n in range(EVENTS):
            starts = now + timedelta(days=1, seconds=2, milliseconds=150 * n)
            record_event(planners[n % 4], f"Vigil number {n:02d}", starts,
                         liaison=liaisons[n % 4], now=now)
        last_due = now + timedelta(seconds=2, milliseconds=150 * EVENTS)
        due = select(Reminder).where(Reminder.due_at <= last_due)
        expected = Counter()
        for reminder in db.session.scalars(due):
            expected[reminder.recipient.email] += 1
        assert sum(expected.values()) >= 2 * EVENTS  # planner and liaison of each event

        deadline = time.monotonic() + 60
        while db.session.scalar(select(func.count()).select_from(
                due.where(Reminder.state != ReminderState.SENT.value).subquery())):
            assert time.monotonic() < deadline, "reminders not delivered in 60 s"
            db.session.rollback()  # a new snapshot for the next look
            time.sleep(0.5)
        time.sleep(3)  # three more cycles of each scheduler: a duplicate would show now

        received = Counter((m["To"], m["Subject"]) for m in stack.smtp.messages())
        assert set(received.values()) == {1}, [k for k, v in received.items() if v > 1]
        assert Counter(to for to, _ in received) == expected
        assert db.session.scalar(select(func.count(InboxMessage.id))) == sum(
            expected.values())
    sent_by = [sum(int(n) for n in re.findall(r"(\d+) reminders sent",
                                              stack.log(f"scheduler-{s}")))
               for s in range(1, SCHEDULERS + 1)]
    assert sum(sent_by) == sum(expected.values()), sent_by
    print(f"reminders sent by each scheduler: {sent_by}")


# ---- feeds --------------------------------------------------------------------------


def fetch_feed_round(stack, url: str, step: str, headers: dict | None = None,
                     requests: int = 24) -> list[tuple[int, dict, bytes]]:
    """Concurrent fetches (sync workers take one request at a time, so the connections
    spread over the workers), repeated until every worker has served some."""
    results = []
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=8) as pool:
            results += pool.map(lambda _: fetch(url, step, headers=headers),
                                range(requests))
        served = Counter(pid for pid, _, _ in stack.access_lines(step))
        if len(served) == WORKERS and min(served.values()) >= 3:
            return results
    pytest.fail(f"the feed requests did not reach every worker: {served}")


def test_every_worker_serves_the_same_feed_before_and_after_an_edit(stack):
    with stack.app.app_context():
        planner = make_user(Role.PLANNER)
        event = record_event(planner, "March on the river walk", utcnow() + timedelta(days=9))
        record_event(planner, "Rally at city hall", utcnow() + timedelta(days=12))
        _, token = feeds.create_feed(planner, planner, "Mine",
                                     feeds.FeedFilter(assigned_to_owner=True), utcnow())
        db.session.commit()
        event_id, email, secret = event.id, planner.email, planner.totp_secret
    url = f"{stack.base_url}/calendar/feeds/{token}.ics"

    # The first fetches find no cached rendering: every worker races to build it.
    before = fetch_feed_round(stack, url, "feed-before")
    assert {status for status, _, _ in before} == {200}
    assert len({body for _, _, body in before}) == 1
    assert len({headers["ETag"] for _, headers, _ in before}) == 1
    old_body, old_etag = before[0][2], before[0][1]["ETag"]
    assert b"March on the river walk" in old_body and b"Riverside Park" not in old_body

    # An edit through one worker...
    browser = sign_in(stack.base_url, email, secret)
    edit_url = f"{stack.base_url}/events/{event_id}/edit"
    _, _, page = fetch(edit_url, "edit", browser)
    form = FormReader.form_with(page, "venue")
    form["venue"] = ["Riverside Park"]
    status, _, page = fetch(edit_url, "edit", browser, data=form)
    assert status == 200 and b"Changes saved." in page, page.decode()[:3000]

    # ...and every worker serves the new version, also to a client holding the old ETag.
    after = fetch_feed_round(stack, url, "feed-after", headers={"If-None-Match": old_etag})
    assert {status for status, _, _ in after} == {200}
    assert len({body for _, _, body in after}) == 1
    assert len({headers["ETag"] for _, headers, _ in after}) == 1
    new_body, new_etag = after[0][2], after[0][1]["ETag"]
    assert new_etag != old_etag and b"Riverside Park" in new_body

    # A client holding the new ETag gets 304 from every worker.
    unchanged = fetch_feed_round(stack, url, "feed-304", headers={"If-None-Match": new_etag})
    assert {status for status, _, _ in unchanged} == {304}
    assert {headers["ETag"] for _, headers, _ in unchanged} == {new_etag}

    # gunicorn's own request log never holds the token (only its first four characters).
    log = stack.access_log.read_text()
    assert token not in log and f"/calendar/feeds/{token[:4]}" in log
