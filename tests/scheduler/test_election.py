"""One scheduler by election (tracker/operations/leadership.py, node.py): every node may
run `flask --app tracker scheduler`; one leads, the others stand by and take over when
it dies or stops.

In-process: the election itself on the test's database (the PostgreSQL advisory lock,
the SQLite lease). Real processes: three schedulers on PostgreSQL, two on SQLite, one
SMTP server; the leader is killed, a standby leads within the lease and no reminder is
lost or doubled; a stop (SIGTERM) is logged, audited and handed over at once."""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.conftest import fresh_database
from tests.operations.test_production_processes import make_user, record_event
from tests.support.processes import stop_groups
from tests.support.smtp import SmtpServer
from tracker import PROJECT_ROOT, create_app
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.db import utcnow
from tracker.extensions import db
from tracker.operations.leadership import Election, current
from tracker.reminders.models import Reminder, ReminderState

LEASE = timedelta(seconds=30)


# ---- the election, in process --------------------------------------------------------


def test_one_leads_the_other_stands_by_and_takes_over_after_a_resign(app):
    now = utcnow()
    first, second = Election(db.engine, "a:1", LEASE), Election(db.engine, "b:2", LEASE)
    try:
        assert first.campaign(db.session, now) is True
        assert second.campaign(db.session, now) is False
        assert first.campaign(db.session, now + timedelta(seconds=5)) is True  # renews
        assert current(db.session).node == "a:1"
        first.resign(db.session)
        assert second.campaign(db.session, now + timedelta(seconds=6)) is True
        assert second.previous == "a:1"
        assert current(db.session).node == "b:2"
    finally:
        first.resign(db.session)
        second.resign(db.session)


@pytest.mark.sqlite_only("the lease row is SQLite's lock")
def test_sqlite_a_silent_leader_is_replaced_when_its_lease_runs_out(app):
    now = utcnow()
    first, second = Election(db.engine, "a:1", LEASE), Election(db.engine, "b:2", LEASE)
    assert first.campaign(db.session, now)
    assert not second.campaign(db.session, now + LEASE - timedelta(seconds=1))
    assert second.campaign(db.session, now + LEASE + timedelta(seconds=1))
    # The old leader wakes up: the lead is no longer its own, so it stands by.
    assert not first.campaign(db.session, now + LEASE + timedelta(seconds=2))


@pytest.mark.postgresql_only("the advisory lock")
def test_postgresql_the_lock_decides_and_is_free_when_the_session_ends(app):
    now = utcnow()
    first, second = Election(db.engine, "a:1", LEASE), Election(db.engine, "b:2", LEASE)
    try:
        assert first.campaign(db.session, now)
        # Long after the row's lease: the lock, not the row, keeps the second out.
        assert not second.campaign(db.session, now + 10 * LEASE)
        pid = first._lock.scalar(text("SELECT pg_backend_pid()"))
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        db.session.commit()
        assert second.campaign(db.session, now + timedelta(seconds=1))
        assert not first.campaign(db.session, now + timedelta(seconds=2))
        assert current(db.session).node == "b:2"
    finally:
        first.resign(db.session)
        second.resign(db.session)


# ---- real scheduler processes ----------------------------------------------------------

ELECTION_SECONDS = 0.5
LEASE_SECONDS = 4


class Nodes:
    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.smtp = SmtpServer().start()
        self.env = {
            **os.environ,
            "TRACKER_INSTANCE_PATH": str(folder / "instance"),
            "TRACKER_SQLALCHEMY_DATABASE_URI": database_url,
            "TRACKER_SECRET_KEY": "shared",
            "TRACKER_MAIL_SERVER": self.smtp.host,
            "TRACKER_MAIL_PORT": str(self.smtp.port),
            "TRACKER_REMINDER_DISPATCH_INTERVAL_SECONDS": "1",
            "TRACKER_SCHEDULER_ELECTION_SECONDS": str(ELECTION_SECONDS),
            "TRACKER_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
            "TRACKER_LOG_FORMAT": "text",
        }
        self.processes: dict[str, subprocess.Popen] = {}
        subprocess.run([sys.executable, "-m", "flask", "--app", "tracker",
                        "db", "upgrade"], cwd=PROJECT_ROOT, env=self.env, check=True,
                       capture_output=True, timeout=120)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TRACKER_INSTANCE_PATH", str(folder / "local-instance"))
            self.app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                                   "SECRET_KEY": "shared", "TESTING": True})

    def start(self, name: str) -> None:
        log = (self.folder / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tracker", "scheduler"],
            cwd=PROJECT_ROOT, env={**self.env, "TRACKER_SCHEDULER_NODE_NAME": name},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def leaders(self) -> list[str]:
        """The nodes whose log says they took the lead, in the order of their lines."""
        return [name for name in self.processes if " leads" in self.log(name)
                and re.search(rf"scheduler {name}:\d+ leads", self.log(name))]

    def wait_for(self, condition, what: str, timeout: float) -> float:
        started = time.monotonic()
        while not condition():
            assert time.monotonic() - started < timeout, f"{what} within {timeout} s:\n" + \
                "\n".join(f"--- {n}\n{self.log(n)}" for n in self.processes)
            time.sleep(0.1)
        return time.monotonic() - started

    def healthz_leader(self) -> str | None:
        with self.app.app_context():
            body = self.app.test_client().get("/healthz").get_json()
            db.session.remove()
        return body["scheduler"]["leader"]

    def stop_all(self) -> None:
        stop_groups(self.processes.values(), timeout=20)
        with self.app.app_context():
            db.engine.dispose()
        self.smtp.stop()


@pytest.fixture
def nodes(request, tmp_path):
    started = Nodes(tmp_path, fresh_database(request, tmp_path, empty=True))
    request.addfinalizer(started.stop_all)
    return started


def schedule_reminders(app, count: int, first_due_in: float, spacing: float) -> list[int]:
    """Events whose one-day reminders (planner and liaison) fall due from now on."""
    with app.app_context():
        planner, liaison = make_user(Role.PLANNER), make_user(Role.LIAISON)
        now = utcnow()
        for n in range(count):
            starts = now + timedelta(days=1, seconds=first_due_in + spacing * n)
            record_event(planner, f"Vigil {first_due_in} {n}", starts, liaison=liaison,
                         now=now)
        ids = list(db.session.scalars(select(Reminder.id).where(
            Reminder.due_at <= now + timedelta(seconds=first_due_in + spacing * count))))
        db.session.remove()
    return ids


def all_sent(app, ids: list[int]) -> bool:
    with app.app_context():
        pending = db.session.scalar(select(func.count(Reminder.id)).where(
            Reminder.id.in_(ids), Reminder.state != ReminderState.SENT.value))
        db.session.remove()
    return pending == 0


@pytest.fixture
def node_count(database_kind) -> int:
    return 3 if database_kind == "postgresql" else 2


def test_the_leader_killed_a_standby_leads_within_the_lease_and_stops_cleanly(
        nodes, node_count, database_kind):
    names = [f"node-{n}" for n in range(1, node_count + 1)]
    for name in names:
        nodes.start(name)
    nodes.wait_for(lambda: nodes.leaders(), "a leader", timeout=60)
    time.sleep(3 * ELECTION_SECONDS)
    [leader] = nodes.leaders()
    assert nodes.healthz_leader().startswith(f"{leader}:")
    for name in set(names) - {leader}:
        assert re.search(rf"scheduler {name}:\d+ standby: {leader}:\d+ leads", nodes.log(name))

    # Reminders falling due while the first leader runs...
    before = schedule_reminders(nodes.app, 10, first_due_in=0, spacing=0.1)
    nodes.wait_for(lambda: all_sent(nodes.app, before), "reminders sent", timeout=30)
    # ...then it is killed outright (holding no claim: everything due is sent), and more
    # fall due during the takeover.
    with nodes.app.app_context():
        lease_at_kill = current(db.session).lease_until
        db.session.remove()
    os.killpg(nodes.processes[leader].pid, signal.SIGKILL)
    nodes.processes[leader].wait(timeout=5)
    killed_at = utcnow()
    after = schedule_reminders(nodes.app, 10, first_due_in=0.5, spacing=0.3)
    nodes.wait_for(lambda: len(nodes.leaders()) == 2, "a standby leads",
                   timeout=LEASE_SECONDS + 10)
    [successor] = [n for n in nodes.leaders() if n != leader]
    with nodes.app.app_context():
        taken_at = current(db.session).since
        db.session.remove()
    took = (taken_at - killed_at).total_seconds()
    if database_kind == "sqlite":  # it waited for the lease to run out, and no longer
        assert taken_at >= lease_at_kill
        assert took <= LEASE_SECONDS + 3 * ELECTION_SECONDS
    else:  # the server freed the lock with the killed session: the next try wins
        assert took <= 3 * ELECTION_SECONDS + 2
    assert re.search(rf"scheduler {successor}:\d+ leads \(took over from {leader}:\d+\)",
                     nodes.log(successor))
    nodes.wait_for(lambda: nodes.healthz_leader().startswith(f"{successor}:"),
                   "/healthz names the new leader", timeout=5)
    nodes.wait_for(lambda: all_sent(nodes.app, after), "reminders sent", timeout=30)
    time.sleep(2)  # two more dispatch cycles: a duplicate would show now
    received = Counter((m["To"], m["Subject"]) for m in nodes.smtp.messages())
    assert sum(received.values()) == len(set(before) | set(after))
    assert set(received.values()) == {1}

    # A clean stop: logged, audited, and the lead handed over at once (no lease wait).
    os.killpg(nodes.processes[successor].pid, signal.SIGTERM)
    assert nodes.processes[successor].wait(timeout=20) == 0
    assert re.search(rf"scheduler {successor}:\d+: SIGTERM received, stopping",
                     nodes.log(successor))
    assert re.search(rf"scheduler {successor}:\d+ stopped", nodes.log(successor))
    if node_count > 2:
        nodes.wait_for(lambda: len(nodes.leaders()) == 3, "the last standby leads",
                       timeout=3 * ELECTION_SECONDS + 3)
    else:
        # The killed leader is gone: no standby is left. The lead is free at once.
        with nodes.app.app_context():
            leader_row = current(db.session)
            assert leader_row.lease_until <= leader_row.renewed_at
            db.session.remove()
    with nodes.app.app_context():
        stops = db.session.scalars(select(AuditRecord.changes).where(
            AuditRecord.action == "scheduler.stop").order_by(AuditRecord.id)).all()
        leads = db.session.scalars(select(AuditRecord.changes).where(
            AuditRecord.action == "scheduler.lead").order_by(AuditRecord.id)).all()
        starts = db.session.scalar(select(func.count(AuditRecord.id)).where(
            AuditRecord.action == "scheduler.start"))
        db.session.remove()
    assert starts == node_count
    assert [s["was_leader"] for s in stops] == [True]
    assert stops[0]["node"].startswith(f"{successor}:")
    assert [lead["node"].split(":")[0] for lead in leads][:2] == [leader, successor]
