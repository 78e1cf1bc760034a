"""Past-due register items: the weekly notice to privacy officers and the dashboard."""

from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import NOW, login
from tracker import scheduler
from tracker.accounts.roles import Role
from tracker.extensions import db
from tracker.records import due
from tracker.reminders.models import Notice, Reminder


def test_the_weekly_notice_goes_once_a_week_to_privacy_officers(add_item, officer):
    item = add_item()
    later = item.due_on + timedelta(days=1)
    assert due.weekly_notice(NOW, item.due_on) is None  # nothing past due yet
    notice = due.weekly_notice(NOW, later)
    db.session.commit()
    assert notice is not None and notice.subject == "Register items past due: 1"
    assert "march route" not in notice.body  # no descriptions in mail
    assert notice.link.startswith("/records/past-due?week=")
    recipients = db.session.scalars(select(Reminder.recipient_id).where(
        Reminder.object_id == notice.id, Reminder.kind == "notice")).all()
    assert recipients == [officer.id]
    same_week = later - timedelta(days=later.weekday()) + timedelta(days=6)
    assert due.weekly_notice(NOW, same_week) is None
    assert due.weekly_notice(NOW, same_week + timedelta(days=1)) is not None


def test_the_scheduler_job_sends_it(app, add_item, officer, monkeypatch):
    item = add_item()
    monkeypatch.setattr(scheduler, "utcnow", lambda: NOW + timedelta(days=200))
    scheduler.run_job(app, "records-due-reminder")
    scheduler.run_job(app, "records-due-reminder")
    assert db.session.scalar(select(func.count(Notice.id))) == 1
    assert item.due_on < (NOW + timedelta(days=200)).date()


def test_the_privacy_officers_dashboard_shows_past_due_items(client, add_item, officer,
                                                             make_user, monkeypatch):
    item = add_item()
    monkeypatch.setattr("tracker.dashboard.views.utcnow", lambda: NOW + timedelta(days=200))
    login(client, officer)
    page = client.get("/").get_data(as_text=True)
    assert "Register items past due without a disposition (1)" in page
    assert f'href="/records/items/{item.id}"' in page
    assert "march route" not in page  # the description stays on the item's page
    other = client.application.test_client()
    login(other, make_user(Role.PLANNER))
    assert "Register items past due" not in other.get("/").get_data(as_text=True)


def test_the_weekly_notice_reaches_the_inbox(add_item, officer):
    from tracker.reminders import dispatch, mail
    from tracker.reminders.models import InboxMessage

    item = add_item()
    later = item.due_on + timedelta(days=3)
    notice = due.weekly_notice(NOW, later)
    db.session.commit()
    dispatch.run_cycle(NOW + timedelta(minutes=1), mail.settings_from_config())
    message = db.session.scalars(select(InboxMessage).where(
        InboxMessage.recipient_id == officer.id)).one()
    assert message.subject == notice.subject
    assert message.link == notice.link
