"""A real `flask --app tracker scheduler` process stopped in the middle of a dispatch
cycle, then started again (SECURITY.md R-1, R-2), on SQLite and PostgreSQL.

- SIGTERM (what systemd sends on stop): the cycle hands back what it has not sent, the
  process exits cleanly, and the restarted scheduler delivers the rest at once: 0 lost,
  0 duplicated.
- SIGKILL: the claims stay behind; the restarted scheduler takes them over once the
  30-second lease has lapsed: 0 lost, at most the one mail the server had accepted before
  the kill was recorded as sent duplicated, all delivered within about a minute.

The SMTP server (tests/support/smtp.py) answers each message after 0.3 s, so a cycle of 30
reminders takes about nine seconds and the signal lands in its middle."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker import PROJECT_ROOT
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.events import services as events
from tracker.extensions import db
from tracker.reminders import dispatch
from tracker.reminders.models import Reminder, ReminderKind, ReminderState

REMINDERS = 30
SMTP_DELAY = 0.3
INTERVAL = 10  # seconds between dispatch cycles (60 in production)


class Scheduler:
    def __init__(self, app, smtp_server, folder):
        self.folder = folder
        self.env = {
            **os.environ,
            "TRACKER_INSTANCE_PATH": str(folder / "instance"),
            "TRACKER_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TRACKER_SECRET_KEY": "scheduler-restart-test",
            "TRACKER_MAIL_SERVER": smtp_server.host,
            "TRACKER_MAIL_PORT": str(smtp_server.port),
            "TRACKER_MAIL_SECURITY": "none",
            "TRACKER_REMINDER_DISPATCH_INTERVAL_SECONDS": str(INTERVAL),
        }
        self.process: subprocess.Popen | None = None
        self.runs = 0

    @property
    def log_path(self):
        return self.folder / f"scheduler-{self.runs}.log"

    def start(self) -> float:
        self.runs += 1
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tracker", "scheduler"],
            cwd=PROJECT_ROOT, env=self.env, stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT, start_new_session=True)
        return time.time()

    def signal(self, signum) -> int:
        os.killpg(self.process.pid, signum)
        return self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGTERM)


@pytest.fixture
def scheduler_process(app, smtp_server, tmp_path):
    process = Scheduler(app, smtp_server, tmp_path)
    yield process
    process.stop()


def due_now(make_user, event_data) -> list[int]:
    planner = make_user(Role.PLANNER)
    now = utcnow()
    event = events.create_event(planner, event_data(
        title="Vigil at the courthouse", starts_at=now + timedelta(days=3)), now)
    db.session.commit()
    rows = [Reminder(key=f"restart:{n}", kind=ReminderKind.EVENT_UPCOMING.value,
                     object_id=event.id, event_id=event.id,
                     recipient_id=make_user(Role.LIAISON).id, due_at=now, created_at=now)
            for n in range(REMINDERS)]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def count(ids, state: ReminderState) -> int:
    db.session.rollback()  # a fresh snapshot; and no transaction left open
    found = db.session.scalar(select(func.count(Reminder.id)).where(
        Reminder.id.in_(ids), Reminder.state == state.value))
    db.session.rollback()
    return found


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL],
                         ids=["sigterm", "sigkill"])
def test_a_scheduler_stopped_mid_dispatch_loses_nothing_and_catches_up(
        make_user, event_data, smtp_server, scheduler_process, signum):
    ids = due_now(make_user, event_data)
    smtp_server.handler.delay = SMTP_DELAY
    scheduler_process.start()
    wait_for(lambda: len(smtp_server.received()) >= 5, 60,
             "the scheduler did not start sending:\n" + scheduler_process.log_path.read_text())
    code = scheduler_process.signal(signum)
    stopped_at, before = time.time(), len(smtp_server.received())
    assert before < REMINDERS  # stopped in the middle of the cycle
    if signum == signal.SIGTERM:
        assert code == 0 and "Scheduler stopped." in scheduler_process.log_path.read_text()
        # Nothing left claimed: what was not sent is pending again.
        assert count(ids, ReminderState.SENDING) == 0
    else:
        assert count(ids, ReminderState.SENDING) > 0

    restarted_at = scheduler_process.start()
    wait_for(lambda: "Scheduler running" in scheduler_process.log_path.read_text(), 60,
             "the scheduler did not start again")
    ready_at = time.time()  # imported, connected, its jobs about to run
    wait_for(lambda: count(ids, ReminderState.SENT) == REMINDERS, 120,
             "not every reminder was delivered after the restart")
    time.sleep(1)
    scheduler_process.stop()

    received = smtp_server.received()
    per_recipient = Counter(r.rcpt_tos for r in received)
    duplicates = sum(per_recipient.values()) - len(per_recipient)
    last = max(r.received_at for r in received)
    late = last - ready_at
    print(f"{signal.Signals(signum).name}: {before} of {REMINDERS} mailed before the stop, "
          f"{len(received)} mails in all, {duplicates} duplicated, the last {late:.1f} s "
          f"after the restarted scheduler was running ({last - restarted_at:.1f} s after "
          f"it was started, {last - stopped_at:.1f} s after the stop)")
    assert len(per_recipient) == REMINDERS  # none lost
    if signum == signal.SIGTERM:
        assert duplicates == 0
        # Released claims are due again at once: the first cycle after the start sends
        # them (seven seconds of slow SMTP), not a cycle after the 30-second lease.
        assert late < REMINDERS * SMTP_DELAY + 8
    else:
        assert duplicates <= 1  # the mail the server accepted just before the kill
        # Taken over once the lease has lapsed, at the next cycle: within a minute.
        assert late < (dispatch.LEASE.total_seconds() + INTERVAL
                       + REMINDERS * SMTP_DELAY + 5)
