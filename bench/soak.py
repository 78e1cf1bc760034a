"""Soak: 20 simulated users for 10 minutes on gunicorn and PostgreSQL while reminders fall
due every second, and the scheduler is restarted every 2 minutes (SIGTERM, as systemd
does, then started again). Reports reminders lost and duplicated and answers 500.

The users sign in through the forms and loop with think time: dashboard, event list,
an event, the inbox, and for planners an event edit and a new event through the forms
(CSRF on). Reminders are rows inserted ahead, due evenly over the run, for future events
and the bench users; mail goes to aiosmtpd (tests/support/smtp.py) with a small delay per message.

BENCH_SOAK_SECONDS (600) and BENCH_SOAK_RESTART_SECONDS (120) shorten it for a try."""

import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar

import pyotp
from sqlalchemy import func, insert, select

from bench import data
from bench.results import Result, show
from bench.setup import app_for, database, free_port, seed
from bench.web import ROOT, USER_AGENT, environment, gunicorn
from tests.operations.test_production_processes import FormReader
from tests.support.smtp import SmtpServer
from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.events.models import Event
from tracker.extensions import db
from tracker.reminders.models import Reminder, ReminderKind, ReminderState

USERS = 20
DURATION = float(os.environ.get("BENCH_SOAK_SECONDS", 600))
RESTART_EVERY = float(os.environ.get("BENCH_SOAK_RESTART_SECONDS", 120))
REMINDERS_PER_SECOND = 2
SMTP_DELAY = 0.02
DISPATCH_INTERVAL = 5  # seconds (60 in production): more cycles cut by the restarts
FIELD_TIME = "%Y-%m-%dT%H:%M"


class User:
    def __init__(self, base: str, email: str, planner: bool, seed_value: int):
        self.base, self.email, self.planner = base, email, planner
        self.rng = random.Random(seed_value)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]
        self.statuses: Counter = Counter()
        self.failures: list[str] = []

    def request(self, path: str, form: dict | None = None) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(form, doseq=True).encode() if form else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, page = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, page = error.code, error.read()
        except OSError as error:  # refused, reset, timed out: counted as a failure
            status, page = 0, str(error).encode()
        self.statuses[status] += 1
        if status >= 500 or status == 0:
            self.failures.append(f"{status} {path}")
        return status, page

    def sign_in(self) -> None:
        _, page = self.request("/login")
        form = FormReader.form_with(page, "password")
        form.update(email=[self.email], password=[data.PASSWORD], acknowledge=["y"])
        _, page = self.request("/login", form)
        form = FormReader.form_with(page, "code")
        form.update(code=[pyotp.TOTP(data.TOTP_SECRET).now()])
        status, page = self.request("/login/code", form)
        assert status == 200 and b"Sign out" in page, page[:500]

    def edit(self, event_id: int) -> None:
        status, page = self.request(f"/events/{event_id}/edit")
        if status != 200:
            return
        form = FormReader.form_with(page, "venue")
        form["venue"] = [f"Riverside Park, gate {self.rng.randint(1, 40)}"]
        self.request(f"/events/{event_id}/edit", form)

    def create(self) -> None:
        status, page = self.request("/events/new")
        if status != 200:
            return
        form = FormReader.form_with(page, "title")
        starts = datetime.now(UTC) + timedelta(days=self.rng.randint(20, 200))
        form.update(title=[f"Soak rally {self.rng.randint(1, 10**9)}"],
                    starts_at=[starts.strftime(FIELD_TIME)],
                    ends_at=[(starts + timedelta(hours=2)).strftime(FIELD_TIME)],
                    venue=["Courthouse steps"])
        self.request("/events/new", form)

    def run(self, until: float, event_ids: list[int]) -> None:
        self.sign_in()
        while time.monotonic() < until:
            choice = self.rng.random()
            event_id = self.rng.choice(event_ids)
            if choice < 0.25:
                self.request("/")
            elif choice < 0.45:
                self.request(f"/events/?page={self.rng.randint(1, 5)}")
            elif choice < 0.65:
                self.request(f"/events/{event_id}")
            elif choice < 0.75:
                self.request("/inbox")
            elif self.planner and choice < 0.92:
                self.edit(event_id)
            elif self.planner:
                self.create()
            else:
                self.request(f"/events/{event_id}/outreach")
            time.sleep(self.rng.uniform(0.3, 1.5))  # think time


def _users(app) -> list[tuple[int, str, bool]]:
    """(id, email, is planner) of USERS new planners and liaison officers, who sign in
    with the bench password and authenticator secret."""
    made = []
    with app.app_context():
        for n in range(USERS):
            role = Role.PLANNER if n % 2 == 0 else Role.LIAISON
            user = accounts.create_user(
                None, email=f"soak{n}@agency.example.com", display_name=f"Soak {n:02d}",
                roles=[role.value], password=data.PASSWORD, now=datetime.now(UTC))
            user.totp_secret, user.totp_enrolled_at = data.TOTP_SECRET, datetime.now(UTC)
            made.append(user)
        db.session.commit()
        found = [(u.id, u.email, u.has_role(Role.PLANNER)) for u in made]
        db.session.remove()
    return found


def _due_reminders(app, user_ids: list[int], start: datetime) -> tuple[list[int], int]:
    """Reminders due evenly over the run (up to 30 s before its end), for future
    events; returns (other event ids, for the users to browse and edit, how many).
    An edit re-computes its event's reminders and would cancel these rows, whose keys
    are the bench's own: the users work on other events."""
    count = int((DURATION - 30) * REMINDERS_PER_SECOND)
    with app.app_context():
        future = db.session.scalars(
            select(Event.id).where(Event.status.in_(["draft", "planning", "plan_approved"]),
                                   Event.starts_at > start + timedelta(days=30))
            .order_by(Event.id).limit(2 * count)).all()
        events, browsed = future[::2], future[1::2]
        rows = [{"key": f"soak:{n}", "kind": ReminderKind.EVENT_UPCOMING.value,
                 "object_id": events[n % len(events)], "event_id": events[n % len(events)],
                 "recipient_id": user_ids[n % len(user_ids)],
                 "due_at": start + timedelta(seconds=n / REMINDERS_PER_SECOND),
                 "state": ReminderState.PENDING.value, "created_at": start}
                for n in range(count)]
        db.session.execute(insert(Reminder), rows)
        db.session.commit()
        db.session.remove()
    return list(browsed), count


def _scheduler(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "tracker", "scheduler"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def run(kind: str = "postgresql") -> list:
    smtp = SmtpServer(delay=SMTP_DELAY).start()
    try:
        with database(kind) as (instance, url):
            app = app_for(instance, url)
            seed(app, 3000, past_days=30, future_days=365)
            env = {**environment(instance, url), "TRACKER_MAIL_SERVER": smtp.host,
                   "TRACKER_MAIL_PORT": str(smtp.port), "TRACKER_MAIL_SECURITY": "none",
                   "TRACKER_REMINDER_DISPATCH_INTERVAL_SECONDS": str(DISPATCH_INTERVAL)}
            outcome = _soak(app, env, instance, _users(app), smtp)
    finally:
        smtp.stop()
    return outcome


def _soak(app, env, instance, people, smtp) -> list:
    start = datetime.now(UTC)
    event_ids, due = _due_reminders(app, [p[0] for p in people], start)
    log = (instance / "scheduler.log").open("w")
    with gunicorn(env, free_port()) as base:
        scheduler, restarts = _scheduler(env, log), 0
        until = time.monotonic() + DURATION
        users = [User(base, email, planner, n)
                 for n, (_, email, planner) in enumerate(people)]
        threads = [threading.Thread(target=u.run, args=(until, event_ids)) for u in users]
        for thread in threads:
            thread.start()
            time.sleep(0.5)  # sign-ins spread out, as people arrive
        next_restart = time.monotonic() + RESTART_EVERY
        while time.monotonic() < until:
            if time.monotonic() >= next_restart:
                os.killpg(scheduler.pid, signal.SIGTERM)
                scheduler.wait(timeout=60)
                scheduler, restarts = _scheduler(env, log), restarts + 1
                next_restart += RESTART_EVERY
            time.sleep(0.5)
        for thread in threads:
            thread.join(timeout=120)
        # What fell due during the run: all of it out within two minutes of its end.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _unsent(app, start) > 0:
            time.sleep(1)
        os.killpg(scheduler.pid, signal.SIGTERM)
        scheduler.wait(timeout=60)
    return _report(app, start, due, users, smtp, restarts)


def _unsent(app, start) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count(Reminder.id)).where(
            Reminder.key.like("soak:%"), Reminder.state != ReminderState.SENT.value))
        db.session.remove()
    return found


def _report(app, start, due, users, smtp, restarts) -> list:
    with app.app_context():
        states = dict(db.session.execute(
            select(Reminder.state, func.count()).where(Reminder.key.like("soak:%"))
            .group_by(Reminder.state)).all())
        sent_all = db.session.scalar(select(func.count(Reminder.id)).where(
            Reminder.state == ReminderState.SENT.value))
        db.session.remove()
    received = smtp.received()
    per_message = Counter((r.rcpt_tos, r.message["Subject"]) for r in received)
    duplicated = max(len(received) - sent_all, 0)
    lost = due - states.get(ReminderState.SENT.value, 0)
    statuses = sum((u.statuses for u in users), Counter())
    errors = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
    requests = sum(statuses.values())
    note = (f"{USERS} users, {DURATION / 60:.0f} min, {restarts} scheduler restarts "
            f"(SIGTERM); {due} reminders due, states {states}, {len(received)} mails for "
            f"{sent_all} sent "
            f"reminders ({len(per_message)} distinct); {requests} requests: "
            + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    failures = [f for u in users for f in u.failures][:5]
    if failures:
        note += "; first failures: " + "; ".join(failures)
    result = Result(f"soak: lost, duplicated, 500s ({'postgresql'})",
                    "0 lost, 0 duplicated, 0 500s", "limit", 0.0,
                    float(lost + duplicated + errors), "", None,
                    lost == 0 and duplicated == 0 and errors == 0, 1,
                    f"{lost} lost, {duplicated} duplicated, {errors} errors 5xx; " + note)
    show(result)
    return [result]
