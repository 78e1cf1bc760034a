"""10,000 due reminders, two dispatcher processes racing on PostgreSQL, a real SMTP
server (tests/support/smtp.py, aiosmtpd): each must arrive exactly once, within 60 seconds.

The dispatchers are separate processes running tracker.reminders.dispatch.run_cycle in a
loop, as two scheduler processes would: `python -m bench.reminders DATABASE_URL PORT`."""

import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, insert, select

from bench.results import absolute_result, show
from bench.setup import NOW, app_for, database, seed
from tests.support.smtp import SmtpServer
from tracker.events.models import Event
from tracker.extensions import db
from tracker.reminders.models import Reminder, ReminderKind, ReminderState

REMINDERS = 10_000
RECIPIENTS = 10  # of the bench users: 1,000 events x 10 recipients
OPEN = ["draft", "planning", "plan_approved"]  # reminders of these are sent


def _due_reminders(app) -> None:
    with app.app_context():
        events = db.session.scalars(select(Event.id).where(Event.status.in_(OPEN))
                                    .order_by(Event.id).limit(REMINDERS // RECIPIENTS)).all()
        assert len(events) == REMINDERS // RECIPIENTS
        rows = [{"key": f"bench:{e}:{u}", "kind": ReminderKind.EVENT_UPCOMING.value,
                 "object_id": e, "event_id": e, "recipient_id": u,
                 "due_at": NOW - timedelta(minutes=1), "state": ReminderState.PENDING.value,
                 "created_at": NOW} for e in events for u in range(1, RECIPIENTS + 1)]
        db.session.execute(insert(Reminder), rows)
        db.session.commit()
        db.session.remove()


def race(kind: str = "postgresql") -> list:
    smtp = SmtpServer().start()
    try:
        with database(kind) as (instance, url):
            app = app_for(instance, url)
            # Future events in planning: a third of 6,000 over the next year.
            seed(app, 6000, past_days=0, future_days=365)
            _due_reminders(app)
            started = time.perf_counter()
            workers = [subprocess.Popen([sys.executable, "-m", "bench.reminders", url,
                                         str(smtp.port), str(instance)]) for _ in range(2)]
            for worker in workers:
                worker.wait(timeout=600)
            elapsed = time.perf_counter() - started
            with app.app_context():
                states = dict(db.session.execute(select(Reminder.state, func.count())
                                                 .group_by(Reminder.state)).all())
    finally:
        smtp.stop()
    received = smtp.received()
    per_message = Counter((r.rcpt_tos, r.message["Subject"]) for r in received)
    duplicates = sum(n - 1 for n in per_message.values() if n > 1)
    exact = (len(received) == REMINDERS and duplicates == 0
             and states == {ReminderState.SENT.value: REMINDERS})
    result = absolute_result(
        f"10,000 reminders, 2 dispatchers racing ({kind})",
        "each exactly once, <= 60 s", [elapsed], "s", 60,
        note=f"{len(received)} mails received, {duplicates} duplicates, states {states}")
    if not exact:
        result = type(result)(**{**result.__dict__, "met": False})
    show(result)
    return [result]


def _dispatch_until_done(url: str, port: int, instance: str) -> None:
    from pathlib import Path

    from tracker.db import utcnow
    from tracker.reminders import dispatch, mail

    app = app_for(Path(instance), url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                  MAIL_SECURITY="none")
    with app.app_context(), app.test_request_context():
        settings = mail.settings_from_config()
        while True:
            result = dispatch.run_cycle(utcnow(), settings, limit=100)
            if result.sent + result.cancelled + result.failed + result.retrying == 0:
                break


if __name__ == "__main__":
    _dispatch_until_done(sys.argv[1], int(sys.argv[2]), sys.argv[3])
