"""People hear what concerns them: one notice per person, delivered like reminders."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tests.support.plans import write_plan_records
from tracker.accounts.roles import Role
from tracker.checklist import reviews
from tracker.checklist import services as checklist
from tracker.checklist.models import Stage
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db
from tracker.reminders import dispatch, mail
from tracker.reminders import services as reminders
from tracker.reminders.models import Channel, InboxMessage, Notice, Reminder
from tracker.reminders.schedule import ScheduleSettings

# The defaults of tracker/config.py, which the tests' app keeps.
SETTINGS = ScheduleSettings(zone=ZoneInfo("America/Chicago"), event_offsets_days=(7, 1))

S = EventStatus
JUSTIFICATION = "A partner agency reported a specific threat; Lt. Example authorised it."


@pytest.fixture
def people(make_user):
    return {"planner": make_user(Role.PLANNER), "liaison": make_user(Role.LIAISON),
            "leader": make_user(Role.LEADERSHIP), "leader2": make_user(Role.LEADERSHIP),
            "privacy": make_user(Role.PRIVACY_OFFICER),
            # Planner and privacy officer at once: told once even when both apply.
            "both": make_user(Role.PLANNER, Role.PRIVACY_OFFICER),
            "bystander": make_user(Role.LIAISON)}


@pytest.fixture
def event(people, make_event):
    return make_event(people["planner"], planner_id=people["planner"].id,
                      liaison_id=people["liaison"].id)


def told(subject_start: str) -> dict[str, int]:
    """Recipient id -> how many notices starting with `subject_start` they get."""
    counts: dict = {}
    for notice, recipient in db.session.execute(
            select(Notice, Reminder.recipient_id)
            .join(Reminder, Reminder.object_id == Notice.id)
            .where(Reminder.kind == "notice")):
        if notice.subject.startswith(subject_start):
            counts[recipient] = counts.get(recipient, 0) + 1
    return counts


def ids(people, *names):
    return {people[n].id: 1 for n in names}


def test_red_flag_opened_tells_privacy_officers_once(people, event):
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "pre.info_gathering_scope")
    checklist.answer(people["planner"], entry, "yes", JUSTIFICATION, NOW)
    db.session.commit()
    assert told("Red flag to review") == ids(people, "privacy", "both")


def test_review_decided_tells_the_answerer_and_the_planner(people, event):
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "pre.undercover")
    checklist.answer(people["leader"], entry, "yes", JUSTIFICATION, NOW)
    reviews.decide(people["privacy"], checklist.current_review(entry), "rejected",
                   "Needs written approval.", NOW)
    db.session.commit()
    assert told("Red-flag review rejected") == ids(people, "leader", "planner")


def answer_pre_event(event, people):
    by_role = {"planner": people["planner"], "liaison": people["liaison"],
               "leadership": people["leader"], "privacy_officer": people["privacy"]}
    write_plan_records(event, people["planner"], "pre_event", NOW)
    for entry in checklist.entries_by_stage(
            checklist.get_for_event(event.id))[Stage.PRE_EVENT]:
        if entry.item.required and not entry.answered:
            safe = [o for o in entry.item.answer_options
                    if o not in entry.item.red_flag_answers]
            checklist.answer(by_role[entry.item.responsible_role], entry,
                             safe[0] if safe else "In the plan", "", NOW)


def test_approval_send_back_and_cancel_are_announced(people, event):
    answer_pre_event(event, people)
    events.transition(people["planner"], event, S.PLANNING, NOW)
    events.transition(people["leader"], event, S.PLAN_APPROVED, NOW)
    db.session.commit()
    # The approver is not told of their own approval.
    assert told("Plan approved") == ids(people, "planner", "liaison", "leader2")
    events.transition(people["leader2"], event, S.PLANNING, NOW, note="Route unclear.")
    db.session.commit()
    assert told("Plan sent back") == ids(people, "planner", "liaison", "leader")
    events.transition(people["planner"], event, S.POSTPONED, NOW)
    events.transition(people["planner"], event, S.PLANNING, NOW)
    events.transition(people["planner"], event, S.CANCELLED, NOW)
    db.session.commit()
    for word in ("postponed", "cancelled"):
        assert told(f"Event {word}") == ids(people, "liaison", "leader", "leader2")


def test_notices_follow_each_users_channel(people, event, smtp_server):
    for who, channel in (("liaison", Channel.IN_APP), ("leader", Channel.EMAIL),
                         ("leader2", Channel.OFF)):
        reminders.save_preferences(people[who], {"notice": channel.value}, None, NOW,
                                   SETTINGS)
    events.transition(people["planner"], event, S.CANCELLED, NOW)
    db.session.commit()
    dispatch.run_cycle(NOW + timedelta(minutes=1), mail.settings_from_config())
    mailed = [m["To"] for m in smtp_server.messages()]
    inboxed = set(db.session.scalars(select(InboxMessage.recipient_id)))
    assert mailed == [people["leader"].email]
    assert inboxed == {people["liaison"].id}
    # Sent once: a second cycle finds nothing more to send.
    again = dispatch.run_cycle(NOW + timedelta(minutes=2), mail.settings_from_config())
    assert again.sent == 0 and len(smtp_server.messages()) == 1
