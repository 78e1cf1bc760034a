"""Delivering reminders once (SECURITY.md R-1, R-2) to a real SMTP server (tests/support/smtp.py).

Each cycle gets an explicit `now`, so outages, lost schedulers and stale claims are
exact instants rather than sleeps."""

import re
import threading
import time
from collections import Counter
from datetime import UTC, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import icalendar
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED
from sqlalchemy import func, select

from tests.conftest import NOW
from tracker import scheduler
from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.db import utcnow
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db
from tracker.reminders import dispatch, mail, services
from tracker.reminders.models import InboxMessage, Reminder, ReminderState

SENT, PENDING, CANCELLED = (ReminderState.SENT.value, ReminderState.PENDING.value,
                            ReminderState.CANCELLED.value)
START = NOW + timedelta(days=3)
# The only rows due at T: start - 1 day for planner and liaison (start - 7 days was
# already past when the event was recorded; no checklist item falls due in between).
T = START - timedelta(days=1)


@pytest.fixture
def planner(make_user):
    return make_user(Role.PLANNER)


@pytest.fixture
def liaison(make_user):
    return make_user(Role.LIAISON)


@pytest.fixture
def event(planner, liaison, event_data):
    made = events.create_event(planner, event_data(starts_at=START, planner_id=planner.id,
                                                   liaison_id=liaison.id), NOW)
    db.session.commit()
    return made


@pytest.fixture
def bare_event(planner, event_data):
    """bare_event(title) -> an event with nobody assigned, so it has no reminders of its
    own and a test controls every row."""
    def make(title="Vigil at the park", starts=START):
        made = events.create_event(planner, event_data(title=title, starts_at=starts), NOW)
        db.session.commit()
        return made
    return make


def add_reminder(event, user, due_at, commit=True, **fields) -> Reminder:
    row = Reminder(key=f"test:{event.id}:{user.id}:{due_at:%Y%m%dT%H%M%S}",
                   kind="event_upcoming", object_id=event.id, event_id=event.id,
                   recipient_id=user.id, due_at=due_at, created_at=NOW, **fields)
    db.session.add(row)
    if commit:
        db.session.commit()
    return row


def cycle(now):
    return dispatch.run_cycle(now, mail.settings_from_config())


def upcoming(event, user=None) -> list[Reminder]:
    stmt = select(Reminder).where(Reminder.event_id == event.id,
                                  Reminder.kind == "event_upcoming")
    if user is not None:
        stmt = stmt.where(Reminder.recipient_id == user.id)
    return list(db.session.scalars(stmt.order_by(Reminder.due_at)))


def due_at_t(event, user) -> Reminder:
    [row] = [r for r in upcoming(event, user) if r.due_at == T]
    return row


def to(smtp_server, user) -> list:
    return [m for m in smtp_server.messages() if m["To"] == user.email]


def inbox_count(reminder) -> int:
    return db.session.scalar(select(func.count(InboxMessage.id)).where(
        InboxMessage.reminder_id == reminder.id))


def test_a_title_beyond_ascii_arrives_intact_in_subject_bodies_and_calendar(
        event, planner, smtp_server):
    event.title = "Marcha por la educación — Zócalo, 5 000 personnes attendues ✊"
    db.session.commit()
    assert cycle(T).sent == 2
    [message] = to(smtp_server, planner)
    assert message["Subject"] == f"Coming up: {event.title}, Fri 27 Nov 2026, 9:00 AM CST"
    assert event.title in message.get_body(("plain",)).get_content()
    assert event.title in message.get_body(("html",)).get_content()
    [calendar] = message.iter_attachments()
    [vevent] = icalendar.Calendar.from_ical(calendar.get_content()).walk("VEVENT")
    assert str(vevent["SUMMARY"]).startswith(event.title)  # then "(tentative)"


def test_delivered_once_with_text_html_and_calendar(app, event, planner, liaison,
                                                    smtp_server):
    assert cycle(T).sent == 2
    [received] = [r for r in smtp_server.received() if r.rcpt_tos == (planner.email,)]
    message = received.message
    assert received.mail_from == app.config["MAIL_SENDER"] == message["From"]
    assert message["To"] == planner.email
    assert message["Subject"] == f"Coming up: {event.title}, Fri 27 Nov 2026, 9:00 AM CST"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Hello {planner.display_name}" in text and f"/events/{event.id}" in text
    assert html.lstrip().startswith("<!doctype html>") and f"/events/{event.id}" in html
    [calendar] = [p for p in message.iter_attachments()
                  if p.get_content_type() == "text/calendar"]
    assert calendar.get_filename() == f"event-{event.id}.ics"
    [vevent] = icalendar.Calendar.from_ical(calendar.get_content()).walk("VEVENT")
    assert vevent.decoded("DTSTART").astimezone(UTC) == START

    row = due_at_t(event, planner)
    assert (row.state, row.sent_at, row.channels_used) == (SENT, T, "both")
    assert inbox_count(row) == 1
    # A second cycle, later, sends nothing more.
    assert cycle(T + timedelta(minutes=5)).sent == 0
    assert len(to(smtp_server, planner)) == len(to(smtp_server, liaison)) == 1
    assert inbox_count(row) == 1


@pytest.mark.parametrize(("channel", "mails", "inbox", "state"), [
    ("in_app", 0, 1, SENT), ("email", 1, 0, SENT), ("off", 0, 0, CANCELLED)])
def test_each_users_channel_is_respected(event, planner, liaison, smtp_server, channel,
                                         mails, inbox, state):
    services.save_preferences(planner, {"event_upcoming": channel}, None, NOW)
    db.session.commit()
    cycle(T)
    row = due_at_t(event, planner)
    assert (len(to(smtp_server, planner)), inbox_count(row), row.state) == (
        mails, inbox, state)
    # The liaison's default (both) is unaffected.
    assert len(to(smtp_server, liaison)) == inbox_count(due_at_t(event, liaison)) == 1


def test_smtp_down_then_up_retries_and_delivers_once(client, login_as, event, planner,
                                                     liaison, smtp_server):
    smtp_server.stop()
    result = cycle(T)
    assert (result.sent, result.retrying) == (0, 2)
    row = due_at_t(event, planner)
    assert (row.state, row.attempts, row.next_attempt_at) == (
        PENDING, 1, T + timedelta(minutes=1))
    assert "ConnectionRefusedError" in row.last_error
    # The in-app copy is recorded before the mail is attempted, once: retries reuse it.
    assert inbox_count(row) == 1

    login_as(Role.ADMIN)
    page = client.get("/admin/reminders").get_data(as_text=True)
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    assert planner.display_name in table and liaison.display_name in table
    assert table.count("ConnectionRefusedError") == 2

    # Backing off: not retried before next_attempt_at.
    assert cycle(T + timedelta(seconds=30)).retrying == 0
    assert db.session.get(Reminder, row.id).attempts == 1

    smtp_server.start()  # same port
    assert cycle(T + timedelta(minutes=2)).sent == 2
    assert len(to(smtp_server, planner)) == len(to(smtp_server, liaison)) == 1
    assert db.session.get(Reminder, row.id).state == SENT
    assert inbox_count(row) == 1
    assert cycle(T + timedelta(minutes=10)).sent == 0
    assert len(smtp_server.received()) == 2
    assert "All reminders are being delivered" in client.get("/admin/reminders").get_data(
        as_text=True)


def test_retries_back_off_then_give_up_as_failed(bare_event, planner, smtp_server):
    row = add_reminder(bare_event(), planner, NOW)
    smtp_server.stop()
    now, waits = NOW, []
    while (result := cycle(now)).retrying:
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (1, 5, 15, 30, 60, 60, 60, 60, 60)]
    assert (result.failed, row.state, row.attempts) == (1, "failed", dispatch.MAX_ATTEMPTS)
    assert cycle(now + timedelta(days=1)).failed == 0  # failed is final until an admin acts


def test_two_dispatchers_at_once_deliver_each_reminder_once(app, bare_event, make_user,
                                                            smtp_server):
    users = [make_user(Role.LIAISON) for _ in range(10)]
    made = [bare_event(f"Concurrency rally {n:02d}") for n in range(20)]
    rows = [add_reminder(e, u, NOW - timedelta(minutes=(i * 7) % 90), commit=False)
            for i, (e, u) in enumerate((e, u) for e in made for u in users)]
    db.session.commit()
    assert len(rows) == 200
    settings = mail.settings_from_config()
    start, errors, sent = threading.Barrier(2), [], Counter()

    def dispatcher(name):
        # Each thread is a separate dispatcher: its own app context, session, connection.
        # Small batches so the two interleave their claims over the same rows.
        try:
            with app.app_context():
                start.wait()
                while (result := dispatch.run_cycle(NOW, settings, limit=7)).sent:
                    sent[name] += result.sent
                    assert (result.retrying, result.failed) == (0, 0)
                db.session.remove()
        except BaseException as error:  # reported by the main thread below
            errors.append(error)

    threads = [threading.Thread(target=dispatcher, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(sent.values()) == 200

    received = Counter((m["To"], m["Subject"]) for m in smtp_server.messages())
    assert len(received) == 200 and set(received.values()) == {1}
    db.session.expire_all()
    assert {db.session.get(Reminder, r.id).state for r in rows} == {SENT}
    assert db.session.scalar(select(func.count(InboxMessage.id))) == 200


def test_scheduler_off_for_two_hours_catches_up_in_one_cycle(bare_event, planner,
                                                             smtp_server):
    late = [add_reminder(bare_event(f"Missed {n}"), planner, NOW - delay)
            for n, delay in enumerate((timedelta(hours=2), timedelta(minutes=90),
                                       timedelta(hours=1)))]
    assert cycle(NOW).sent == 3
    assert cycle(NOW + timedelta(minutes=1)).sent == 0
    subjects = Counter(m["Subject"] for m in smtp_server.messages())
    assert sorted(subjects) == [f"Coming up: Missed {n}, Fri 27 Nov 2026, 9:00 AM CST"
                                for n in range(3)]
    assert set(subjects.values()) == {1}
    assert {(r.state, r.sent_at) for r in late} == {(SENT, NOW)}


def test_a_stale_claim_is_taken_over_and_a_fresh_one_left_alone(bare_event, planner,
                                                               smtp_server):
    """A dispatcher that died after claiming leaves rows in "sending"."""
    crashed = add_reminder(bare_event("Crashed"), planner, NOW - timedelta(hours=1),
                           state="sending", claim_token="dead",
                           claimed_at=NOW - dispatch.LEASE - timedelta(seconds=1))
    busy = add_reminder(bare_event("Busy"), planner, NOW - timedelta(hours=1),
                        state="sending", claim_token="alive",
                        claimed_at=NOW - timedelta(seconds=10))
    assert cycle(NOW).sent == 1
    assert [m["Subject"].split(",")[0] for m in smtp_server.messages()] == [
        "Coming up: Crashed"]
    assert crashed.state == SENT
    assert (busy.state, busy.claim_token) == ("sending", "alive")
    # Once that claim too is older than the lease, it is taken over.
    assert cycle(busy.claimed_at + dispatch.LEASE + timedelta(seconds=1)).sent == 1
    assert len(smtp_server.received()) == 2 and busy.state == SENT


def test_a_cancelled_event_sends_nothing(event, planner, smtp_server):
    events.transition(planner, event, EventStatus.CANCELLED, NOW + timedelta(hours=1))
    db.session.commit()
    assert {r.state for r in upcoming(event)} == {CANCELLED}
    # Should a row still be pending, composing finds nothing to say and cancels it.
    leftover = due_at_t(event, planner)
    leftover.state = PENDING
    db.session.commit()
    result = cycle(START)
    # Only the news of the cancellation goes out (to the liaison: the planner did it).
    assert (result.sent, result.cancelled) == (1, 1)
    assert leftover.state == CANCELLED
    assert [m["Subject"] for m in smtp_server.messages()] == [
        f"Event cancelled: {event.title}"]
    assert db.session.scalar(select(AuditRecord.id).where(
        AuditRecord.action == "reminder.cancelled",
        AuditRecord.object_id == str(leftover.id))) is not None


def test_a_deactivated_recipient_gets_nothing(event, planner, liaison, make_user,
                                              smtp_server):
    admin = make_user(Role.ADMIN)
    accounts.update_user(admin, liaison, display_name=liaison.display_name,
                         roles=sorted(liaison.roles), active=False, now=NOW)
    db.session.commit()
    cycle(T)
    assert due_at_t(event, liaison).state == CANCELLED
    assert to(smtp_server, liaison) == [] and inbox_count(due_at_t(event, liaison)) == 0
    assert len(to(smtp_server, planner)) == 1


def test_without_a_mail_server_mail_is_written_to_the_instance_folder(app, event, planner):
    assert app.config["MAIL_SERVER"] is None  # the default
    assert cycle(T).sent == 2
    row = due_at_t(event, planner)
    path = Path(app.instance_path) / "mail" / f"reminder-{row.id}.eml"
    message = message_from_bytes(path.read_bytes(), policy=default_policy)
    assert message["To"] == planner.email
    assert message["Subject"].startswith(f"Coming up: {event.title}")
    assert [p.get_content_type() for p in message.iter_attachments()] == ["text/calendar"]


# ---- the scheduler process and the CLI -------------------------------------------------


def _registered(sched):
    return {job.id: (job.misfire_grace_time, job.coalesce, job.max_instances,
                     job.trigger.interval) for job in sched.get_jobs()}


EXPECTED_JOBS = {"scheduler-heartbeat": (3600, True, 1, timedelta(seconds=30)),
                 "reminders-dispatch": (3600, True, 1, timedelta(seconds=60)),
                 "retention-purge": (3600, True, 1, timedelta(minutes=60)),
                 "retention-scrub-retry": (3600, True, 1, timedelta(seconds=60)),
                 "inactive-accounts": (3600, True, 1, timedelta(minutes=60)),
                 "audit-seal": (3600, True, 1, timedelta(seconds=60)),
                 "records-due-reminder": (3600, True, 1, timedelta(minutes=60))}


def test_the_scheduler_process_runs_both_jobs_late_rather_than_never(app):
    """The `flask scheduler` scheduler: started paused in a thread (job defaults are only
    applied once a scheduler starts), inspected, shut down."""
    sched = scheduler.build(app)
    runner = threading.Thread(target=sched.start, kwargs={"paused": True}, daemon=True)
    runner.start()
    try:
        deadline = time.monotonic() + 5
        while sched.state != STATE_PAUSED and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _registered(sched) == EXPECTED_JOBS
    finally:
        sched.shutdown(wait=False)
        runner.join(timeout=5)


def test_build_gives_a_supplied_scheduler_the_same_job_settings(app):
    sched = scheduler.build(app, BackgroundScheduler(timezone="UTC"))
    sched.start(paused=True)
    try:
        assert _registered(sched) == EXPECTED_JOBS
    finally:
        sched.shutdown(wait=False)


def test_the_dispatch_job_delivers_a_due_reminder(app, bare_event, planner, smtp_server):
    row = add_reminder(bare_event("Job rally"), planner, utcnow() - timedelta(minutes=1))
    scheduler.run_job(app, "reminders-dispatch")  # its own app context and session
    db.session.expire_all()
    assert db.session.get(Reminder, row.id).state == SENT
    assert [m["Subject"].split(",")[0] for m in smtp_server.messages()] == [
        "Coming up: Job rally"]


def test_cli_dispatch_prints_how_many_were_sent(runner, bare_event, planner, smtp_server):
    add_reminder(bare_event("CLI rally"), planner, utcnow() - timedelta(minutes=1))
    result = runner.invoke(args=["reminders", "dispatch"])
    assert result.exit_code == 0, result.output
    # The summary is the command's output; the SMTP server's own log lines (its thread
    # may note the closed connection meanwhile) go to stderr.
    assert re.match(r"1 sent, 0 no longer needed, 0 to retry, 0 failed\.$", result.stdout)
    assert len(smtp_server.received()) == 1
    assert runner.invoke(args=["reminders", "dispatch"]).stdout.startswith("0 sent")
