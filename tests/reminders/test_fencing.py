"""Fencing of reminder claims, and reminders whose text is hostile (SECURITY.md R-1).

A dispatcher's claim token fences every change it makes: once another dispatcher has
taken a reminder over, the first one sends nothing more and never undoes what the second
recorded. The lease is renewed while a slow cycle runs, so a second dispatcher does not
take over the work of a live one. A real SMTP server (tests/support/smtp.py), slowed down."""

import asyncio
import re
import threading
import time
from collections import Counter
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.events import services as events
from tracker.extensions import db
from tracker.reminders import compose, dispatch, mail
from tracker.reminders.models import InboxMessage, Reminder, ReminderKind, ReminderState

SENT, SENDING, FAILED = (ReminderState.SENT.value, ReminderState.SENDING.value,
                         ReminderState.FAILED.value)


@pytest.fixture
def planner(make_user):
    return make_user(Role.PLANNER)


@pytest.fixture
def due_reminders(planner, make_user, event_data):
    """due_reminders(n, title) -> n reminders due at NOW, each for its own recipient, of
    one event nobody is assigned to (so every row is the test's)."""
    def make(n, title="Vigil at the park"):
        event = events.create_event(
            planner, event_data(title=title, starts_at=NOW + timedelta(days=3)), NOW)
        db.session.commit()
        rows = []
        for _ in range(n):
            user = make_user(Role.LIAISON)
            rows.append(Reminder(
                key=f"test:{event.id}:{user.id}", kind=ReminderKind.EVENT_UPCOMING.value,
                object_id=event.id, event_id=event.id, recipient_id=user.id, due_at=NOW,
                created_at=NOW))
        db.session.add_all(rows)
        db.session.commit()
        return event, rows
    return make


def inbox_rows() -> int:
    return db.session.scalar(select(func.count(InboxMessage.id)))


def states(rows) -> Counter:
    db.session.expire_all()
    return Counter(db.session.get(Reminder, r.id).state for r in rows)


def test_a_dispatcher_whose_claim_was_taken_over_sends_nothing_and_undoes_nothing(
        due_reminders, smtp_server):
    _, rows = due_reminders(5)
    settings = mail.settings_from_config()
    # Dispatcher A claims every row, then stalls (a pause longer than the lease).
    lease_a, claimed = dispatch.claim(NOW, 500)
    assert len(claimed) == 5
    ids = [r.id for r in claimed]
    db.session.expunge_all()
    # B runs after A's lease has lapsed: it takes the rows over and delivers them.
    later = NOW + dispatch.LEASE + timedelta(seconds=1)
    assert dispatch.run_cycle(later, settings).sent == 5
    assert len(smtp_server.received()) == 5 and inbox_rows() == 5

    # A wakes up and carries on with its batch: each claim is found lost, nothing sent.
    snapshot = dispatch.CycleSnapshot([db.session.get(Reminder, i) for i in ids])
    with mail.Outbox(settings) as outbox:
        for reminder_id in ids:
            reminder = db.session.get(Reminder, reminder_id)
            assert dispatch.deliver(reminder, lease_a, outbox, snapshot) is None
    # Its error handler, had a send failed, would not move a sent row back either.
    assert dispatch._retry_later(ids[0], lease_a, OSError("timed out"),
                                 permanent=False) is None
    assert dispatch._retry_later(ids[1], lease_a, ValueError("bad"), permanent=True) is None
    assert dispatch.renew(lease_a) == 0 and dispatch.release(lease_a) == 0

    assert len(smtp_server.received()) == 5 and inbox_rows() == 5
    assert states(rows) == Counter({SENT: 5})
    assert {db.session.get(Reminder, i).attempts for i in ids} == {0}


def test_a_dispatcher_that_lost_its_claims_mid_cycle_stops(app, due_reminders,
                                                           smtp_server):
    """The same through run_cycle: while the server holds A's first DATA, B (another
    thread, its own session) runs a cycle after A's lease and takes every row over."""
    _, rows = due_reminders(4)
    settings = mail.settings_from_config()
    handler = smtp_server.handler
    original, first = handler.handle_DATA, [True]

    def take_over():
        with app.app_context():
            result = dispatch.run_cycle(NOW + dispatch.LEASE + timedelta(seconds=1),
                                        settings)
            db.session.remove()
        return result

    async def first_waits_for_takeover(server, session, envelope):
        if first.pop() if first else False:
            taken = await asyncio.get_running_loop().run_in_executor(None, take_over)
            assert taken.sent == 4
        return await original(server, session, envelope)

    handler.handle_DATA = first_waits_for_takeover
    result = dispatch.run_cycle(NOW, settings)
    # A's first mail was in flight when its claim lapsed: that one arrives twice (the
    # documented window); A then finds its claims gone and stops without sending more.
    assert (result.sent, result.lost) == (0, 1)
    received = Counter(r.rcpt_tos for r in smtp_server.received())
    assert len(received) == 4 and sum(received.values()) == 5
    assert states(rows) == Counter({SENT: 4})
    assert inbox_rows() == 4


def test_a_slow_cycle_renews_its_lease_so_a_second_dispatcher_sends_no_duplicate(
        app, due_reminders, smtp_server, monkeypatch):
    """The case of issue 14: a cycle that outlives its lease while a second dispatcher
    runs. Here the lease is 1.5 s, the cycle about 4 s (16 mails at 0.25 s)."""
    monkeypatch.setattr(dispatch, "LEASE", timedelta(seconds=1.5))
    monkeypatch.setattr(dispatch, "RENEW_EVERY", timedelta(seconds=0.5))
    _, rows = due_reminders(16)
    smtp_server.handler.delay = 0.25
    settings = mail.settings_from_config()
    started = time.monotonic()

    def clock():
        return NOW + timedelta(seconds=time.monotonic() - started)

    results, errors = {}, []

    def dispatcher(name, cycles):
        try:
            with app.app_context():
                for _ in range(cycles):
                    result = dispatch.run_cycle(clock(), settings)
                    results[name] = results.get(name, 0) + result.sent
                    time.sleep(0.2)
                db.session.remove()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    first = threading.Thread(target=dispatcher, args=("a", 1))
    first.start()
    time.sleep(0.3)  # A has claimed everything
    second = threading.Thread(target=dispatcher, args=("b", 25))  # 5 s of cycles
    second.start()
    for thread in (first, second):
        thread.join(timeout=60)
    assert not errors, errors
    assert time.monotonic() - started > 2 * 1.5  # the cycle really outlived the lease

    received = Counter(r.rcpt_tos for r in smtp_server.received())
    assert len(received) == 16 and set(received.values()) == {1}
    assert results == {"a": 16, "b": 0}
    assert states(rows) == Counter({SENT: 16}) and inbox_rows() == 16


def test_a_stopping_dispatcher_releases_what_it_has_not_sent(due_reminders, smtp_server):
    _, rows = due_reminders(6)
    settings = mail.settings_from_config()
    handler = smtp_server.handler
    original = handler.handle_DATA

    async def stop_after_two(server, session, envelope):
        reply = await original(server, session, envelope)
        if len(handler.received()) == 2:
            dispatch.stop_requested.set()  # what the scheduler's SIGTERM handler does
        return reply

    handler.handle_DATA = stop_after_two
    try:
        result = dispatch.run_cycle(NOW, settings)
    finally:
        dispatch.stop_requested.clear()
    assert (result.sent, result.released) == (2, 4)
    assert states(rows) == Counter({SENT: 2, ReminderState.PENDING.value: 4})
    # Released rows are due again at once, not after a lease.
    handler.handle_DATA = original
    assert dispatch.run_cycle(NOW + timedelta(seconds=1), settings).sent == 4
    assert len(smtp_server.received()) == 6


# ---- hostile text -----------------------------------------------------------------------

HEADER_LINE = re.compile(rb"^(?:[!-9;-~]+:[ \t]?.*|[ \t]+\S.*)$")


@pytest.mark.parametrize("title", ["Road closure\r\nBcc: attacker@evil.example",
                                   "Road closure\nX-Injected: yes", "Road\rclosure\x0b\x85"
                                   "\u2028Bcc: attacker@evil.example"])
def test_a_title_with_line_breaks_is_delivered_without_a_header_injected(
        due_reminders, smtp_server, title):
    event, rows = due_reminders(1)
    event.title = title  # stored before input was checked: the output must hold anyway
    db.session.commit()
    result = dispatch.run_cycle(NOW, mail.settings_from_config())
    assert result.sent == 1
    [received] = smtp_server.received()
    recipient = db.session.get(Reminder, rows[0].id).recipient
    assert received.rcpt_tos == (recipient.email,)  # no Bcc recipient added
    head = received.content.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    assert all(HEADER_LINE.match(line) for line in lines), lines
    assert not any(re.match(rb"(?i)(bcc|x-injected):", line) for line in lines)
    message = received.message
    assert message["Bcc"] is None and message["X-Injected"] is None
    subject = str(message["Subject"])
    assert subject.startswith("Coming up: Road") and "\n" not in subject
    assert "\r" not in subject
    [calendar] = message.iter_attachments()
    [vevent] = icalendar.Calendar.from_ical(calendar.get_content()).walk("VEVENT")
    assert str(vevent["SUMMARY"]).startswith("Road")
    [inbox] = db.session.scalars(select(InboxMessage))
    assert "\n" not in inbox.subject and "\r" not in inbox.subject


def test_a_reminder_that_cannot_be_composed_fails_once_and_shows_to_admins(
        client, login_as, due_reminders, smtp_server, monkeypatch):
    event, [broken] = due_reminders(1, "Rally that cannot be composed")
    _, [fine] = due_reminders(1, "Rally that can")
    real = compose.COMPOSERS[ReminderKind.EVENT_UPCOMING]

    def fails_for_one(reminder, settings):
        if reminder.object_id == event.id:
            raise ValueError("the event's text cannot be encoded")
        return real(reminder, settings)

    monkeypatch.setitem(compose.COMPOSERS, ReminderKind.EVENT_UPCOMING, fails_for_one)
    result = dispatch.run_cycle(NOW, mail.settings_from_config())
    assert (result.sent, result.failed, result.retrying) == (1, 1, 0)
    row = db.session.get(Reminder, broken.id)
    assert (row.state, row.attempts) == (FAILED, 1)
    assert db.session.get(Reminder, fine.id).state == SENT
    assert row.last_error.startswith("cannot be composed: ValueError")
    assert db.session.scalar(select(AuditRecord.id).where(
        AuditRecord.action == "reminder.failed",
        AuditRecord.object_id == str(broken.id))) is not None
    # Not retried by later cycles: it waits for an administrator.
    assert dispatch.run_cycle(NOW + timedelta(hours=2), mail.settings_from_config()
                              ).failed == 0
    assert db.session.get(Reminder, broken.id).attempts == 1
    assert len(smtp_server.received()) == 1

    login_as(Role.ADMIN)
    page = client.get("/admin/reminders").get_data(as_text=True)
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "cannot be composed: ValueError" in table and table.count("<tr>") == 1
