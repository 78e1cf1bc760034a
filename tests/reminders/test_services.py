"""Which reminders exist and what they say: rows kept in step with events, checklists
and follow-ups (tracker/reminders/schedule.py) and the composed mail (compose.py).

Time only moves through the `now` each service is given, so every instant is exact."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from tests.conftest import NOW, login
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.checklist import services as checklist
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db
from tracker.outreach import services as outreach
from tracker.reminders import compose, dispatch, mail, schedule, services
from tracker.reminders.models import InboxMessage, Reminder, ReminderState
from tracker.reminders.schedule import ScheduleSettings

# The defaults of tracker/config.py, which the tests' app keeps.
SETTINGS = ScheduleSettings(zone=ZoneInfo("America/Chicago"), event_offsets_days=(7, 1))

CHICAGO = ZoneInfo("America/Chicago")
UPCOMING, CHECKLIST, FOLLOW_UP, DIGEST = ("event_upcoming", "checklist_due", "follow_up",
                                          "retention_digest")
PENDING, CANCELLED = ReminderState.PENDING.value, ReminderState.CANCELLED.value


@pytest.fixture
def people(make_user):
    """The planner and liaison of the events below, plus one of each other role that
    checklist items are assigned to as a role (not as the event's person)."""
    return {"planner": make_user(Role.PLANNER), "liaison": make_user(Role.LIAISON),
            "leader": make_user(Role.LEADERSHIP), "privacy": make_user(Role.PRIVACY_OFFICER)}


@pytest.fixture
def new_event(people, event_data):
    def make(starts=NOW + timedelta(days=20), now=NOW, **fields):
        data = event_data(starts_at=starts, planner_id=people["planner"].id,
                          liaison_id=people["liaison"].id, **fields)
        event = events.create_event(people["planner"], data, now)
        db.session.commit()
        return event
    return make


def rows(event_id=None, kind=None, state=None, recipient=None) -> list[Reminder]:
    stmt = select(Reminder).order_by(Reminder.due_at, Reminder.id)
    for column, value in ((Reminder.event_id, event_id), (Reminder.kind, kind),
                          (Reminder.state, state), (Reminder.recipient_id, recipient)):
        if value is not None:
            stmt = stmt.where(column == value)
    return list(db.session.scalars(stmt))


def instants(reminders, recipient=None) -> list[datetime]:
    return sorted(r.due_at for r in reminders
                  if recipient is None or r.recipient_id == recipient.id)


def edit(event, actor, now=NOW, **changes):
    """update_event with the event's own values except `changes`, as the edit form does."""
    values = {name: getattr(event, name) for name in events.EventData.__dataclass_fields__
              if name != "related_ids"}
    data = events.EventData(**values | changes, related_ids=[e.id for e in event.related])
    changed = events.update_event(actor, event, data, now)
    db.session.commit()
    return changed


def moved(event, actor, starts, now=NOW):
    return edit(event, actor, now, starts_at=starts, ends_at=starts + timedelta(hours=2))


def expected_checklist(event, people, now) -> set[tuple[int, int, datetime]]:
    """(entry, recipient, due) for every unanswered entry due after `now`: the event's
    planner or liaison, or everyone holding the responsible role."""
    owners = {"planner": [people["planner"]], "liaison": [people["liaison"]],
              "leadership": [people["leader"]], "privacy_officer": [people["privacy"]]}
    return {(e.id, u.id, e.due_at) for e in checklist.get_for_event(event.id).entries
            if e.due_at is not None and e.due_at > now and not e.answered
            for u in owners[e.item.responsible_role]}


def answer_value(entry) -> str:
    safe = [o for o in entry.item.answer_options if o not in entry.item.red_flag_answers]
    return safe[0] if safe else "In the plan"


# ---- creation and recomputation ---------------------------------------------------


def test_a_new_event_gets_upcoming_and_checklist_reminders(new_event, people):
    starts = NOW + timedelta(days=20)
    event = new_event(starts)

    upcoming = rows(event.id, UPCOMING, PENDING)
    for person in (people["planner"], people["liaison"]):
        # REMINDER_EVENT_OFFSETS_DAYS = (7, 1)
        assert instants(upcoming, person) == [starts - timedelta(days=7),
                                              starts - timedelta(days=1)]
    due = {(r.object_id, r.recipient_id, r.due_at) for r in rows(event.id, CHECKLIST)}
    assert due == expected_checklist(event, people, NOW)
    # The role-wide items reach the leadership and privacy officer too.
    assert {people["leader"].id, people["privacy"].id} <= {r[1] for r in due}
    assert all(r.state == PENDING and r.due_at > NOW for r in rows(event.id))


def test_nothing_is_created_already_past_due(new_event, people):
    starts = NOW + timedelta(days=3)
    event = new_event(starts)
    # start - 7 days is before `now`: only the 1-day reminder exists.
    assert instants(rows(event.id, UPCOMING), people["planner"]) == [
        starts - timedelta(days=1)]
    entries = checklist.get_for_event(event.id).entries
    past = {e.id for e in entries if e.due_at is not None and e.due_at <= NOW}
    assert past, "the template has items due 7 to 14 days before the start"
    assert not past & {r.object_id for r in rows(event.id, CHECKLIST)}
    assert all(r.due_at > NOW for r in rows(event.id))


def test_recomputing_never_duplicates(new_event, people):
    event = new_event()
    before = sorted(r.key for r in rows(event.id))
    assert edit(event, people["planner"]) == set()  # no change, no signal
    schedule.sync_event(event, NOW, SETTINGS)
    schedule.sync_event(event, NOW + timedelta(hours=1), SETTINGS)
    db.session.commit()
    after = rows(event.id)
    assert sorted(r.key for r in after) == before
    assert all(r.state == PENDING for r in after)


# ---- following changes --------------------------------------------------------------


def test_moving_an_event_retimes_its_reminders(new_event, people):
    starts = NOW + timedelta(days=20)
    event = new_event(starts)
    old = {r.id for r in rows(event.id, state=PENDING)}
    new_start = starts + timedelta(days=2, hours=3)
    assert "starts_at" in moved(event, people["planner"], new_start)

    assert {r.id for r in rows(event.id, state=CANCELLED)} == old
    pending = rows(event.id, state=PENDING)
    assert instants([r for r in pending if r.kind == UPCOMING], people["liaison"]) == [
        new_start - timedelta(days=7), new_start - timedelta(days=1)]
    # Checklist due dates follow the start, and their reminders follow the due dates.
    due = {(r.object_id, r.recipient_id, r.due_at) for r in pending if r.kind == CHECKLIST}
    assert due == expected_checklist(event, people, NOW)


def test_cancelling_an_event_cancels_all_its_pending_reminders(new_event, people):
    event = new_event()
    assert rows(event.id, state=PENDING)
    events.transition(people["planner"], event, EventStatus.CANCELLED, NOW)
    db.session.commit()
    # What stays pending is the news of the cancellation itself, due at once.
    pending = rows(event.id, state=PENDING)
    assert {r.kind for r in pending} == {"notice"}
    assert all(r.due_at == NOW for r in pending)
    assert rows(event.id, state=CANCELLED)


def test_a_new_liaison_takes_over_the_reminders(new_event, people, make_user):
    event = new_event()
    old, new = people["liaison"], make_user(Role.LIAISON)
    edit(event, people["planner"], liaison_id=new.id)

    assert rows(event.id, state=PENDING, recipient=old.id) == []
    mine = rows(event.id, state=PENDING, recipient=new.id)
    assert {r.kind for r in mine} == {UPCOMING, CHECKLIST}
    assert instants([r for r in mine if r.kind == UPCOMING]) == [
        event.starts_at - timedelta(days=7), event.starts_at - timedelta(days=1)]
    # The planner's own reminders are untouched.
    assert rows(event.id, UPCOMING, PENDING, people["planner"].id)


def test_a_new_liaison_takes_over_even_when_the_old_one_was_loaded(new_event, people,
                                                                  make_user):
    event = new_event()
    new = make_user(Role.LIAISON)
    assert event.liaison.id == people["liaison"].id  # e.g. shown on a page before the edit
    edit(event, people["planner"], liaison_id=new.id)
    assert rows(event.id, state=PENDING, recipient=people["liaison"].id) == []
    assert rows(event.id, UPCOMING, PENDING, new.id)


def test_answering_a_checklist_item_cancels_its_reminder(new_event, people):
    event = new_event()
    mine = {r.object_id: r for r in rows(event.id, CHECKLIST, PENDING, people["planner"].id)}
    entry = next(e for e in checklist.get_for_event(event.id).entries if e.id in mine)
    checklist.answer(people["planner"], entry, answer_value(entry), "", NOW)
    db.session.commit()

    assert db.session.get(Reminder, mine[entry.id].id).state == CANCELLED
    others = [r.id for oid, r in mine.items() if oid != entry.id]
    assert others and all(db.session.get(Reminder, i).state == PENDING for i in others)


def contact(event, liaison, follow_up_on, now=NOW, **personal):
    made = outreach.create_contact(liaison, event, outreach.ContactData(
        contacted_at=now - timedelta(hours=1), method="in_person", purpose="route",
        organization="Neighbours Coalition", summary="Walked the route.",
        follow_up_on=follow_up_on, consent=bool(personal), **personal), now, 30)
    db.session.commit()
    return made


def test_an_outreach_follow_up_reminds_the_officer_at_eight_local(new_event, people):
    event, liaison = new_event(), people["liaison"]
    entry = contact(event, liaison, date(2026, 12, 1))
    [row] = rows(event.id, FOLLOW_UP)
    # 08:00 Central Standard Time (UTC-6) on the follow-up date.
    assert (row.recipient_id, row.object_id, row.state) == (liaison.id, entry.id, PENDING)
    assert row.due_at == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)

    outreach.complete_follow_up(liaison, entry, NOW + timedelta(hours=2))
    db.session.commit()
    assert db.session.get(Reminder, row.id).state == CANCELLED


# ---- offsets ------------------------------------------------------------------------


def test_own_and_per_event_offsets_change_the_instants(new_event, people):
    event = new_event()
    start, planner, liaison = event.starts_at, people["planner"], people["liaison"]
    services.save_preferences(planner, {}, [3], NOW, SETTINGS)
    db.session.commit()
    assert instants(rows(event.id, UPCOMING, PENDING), planner) == [start - timedelta(days=3)]
    # The liaison keeps the defaults.
    assert instants(rows(event.id, UPCOMING, PENDING), liaison) == [
        start - timedelta(days=7), start - timedelta(days=1)]

    # An event's own offsets override both people's choices.
    services.set_event_offsets(planner, event, [10, 2], NOW, SETTINGS)
    db.session.commit()
    for person in (planner, liaison):
        assert instants(rows(event.id, UPCOMING, PENDING), person) == [
            start - timedelta(days=10), start - timedelta(days=2)]


def _offsets_back(event, people):
    services.set_event_offsets(people["planner"], event, [2], NOW, SETTINGS)
    services.set_event_offsets(people["planner"], event, None, NOW, SETTINGS)


def _moved_and_back(event, people):
    start = event.starts_at
    moved(event, people["planner"], start + timedelta(days=1))
    moved(event, people["planner"], start)


def _postponed_and_resumed(event, people):
    events.transition(people["planner"], event, EventStatus.POSTPONED, NOW)
    events.transition(people["planner"], event, EventStatus.PLANNING, NOW)


@pytest.mark.parametrize("change", [_offsets_back, _moved_and_back, _postponed_and_resumed],
                         ids=["offsets-reset", "moved-and-back", "postponed-and-resumed"])
def test_undoing_a_change_brings_the_reminders_back(new_event, people, change):
    event = new_event()
    before = instants(rows(event.id, UPCOMING, PENDING))
    assert len(before) == 4
    change(event, people)
    db.session.commit()
    assert instants(rows(event.id, UPCOMING, PENDING)) == before


# ---- daylight-saving changes ---------------------------------------------------------
# Semantics tested: an offset of N days means exactly N x 24 hours before the start
# instant (not "the same wall-clock time N calendar days earlier"). Across a change the
# reminder's local clock time therefore differs from the event's by an hour. Starts are
# given as UTC instants, as the event form gives them (timezones.from_local).


def utc(*wall_clock) -> datetime:
    return datetime(*wall_clock, tzinfo=CHICAGO).astimezone(UTC)


def test_spring_forward_offsets_are_exact_24_hours(new_event, people):
    now = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    event = new_event(utc(2026, 3, 9, 10, 0), now=now)  # CDT, the day after the change
    for person in (people["planner"], people["liaison"]):
        assert instants(rows(event.id, UPCOMING, PENDING), person) == [
            datetime(2026, 3, 2, 15, 0, tzinfo=UTC),  # 09:00 CST
            datetime(2026, 3, 8, 15, 0, tzinfo=UTC)]  # 1 day: 10:00 CDT on the change day


def test_moving_across_fall_back_retimes_reminders(new_event, people):
    now = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    event = new_event(utc(2026, 10, 30, 10, 0), now=now)  # CDT
    before = rows(event.id, UPCOMING, PENDING)
    assert instants(before, people["planner"]) == [
        datetime(2026, 10, 23, 15, 0, tzinfo=UTC), datetime(2026, 10, 29, 15, 0, tzinfo=UTC)]

    moved(event, people["planner"], utc(2026, 11, 2, 10, 0), now)  # CST
    assert all(db.session.get(Reminder, r.id).state == CANCELLED for r in before)
    assert instants(rows(event.id, UPCOMING, PENDING), people["planner"]) == [
        datetime(2026, 10, 26, 16, 0, tzinfo=UTC),  # 11:00 CDT: 7 x 24 h before 10:00 CST
        datetime(2026, 11, 1, 16, 0, tzinfo=UTC)]  # 10:00 CST, after the 2 am change


def test_a_start_given_in_local_time_makes_the_same_reminders(new_event, people):
    now = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    local = datetime(2026, 11, 2, 10, 0, tzinfo=CHICAGO)  # as tracker/demo.py passes it
    event = new_event(local, now=now)
    created = rows(event.id, UPCOMING, PENDING)
    assert instants(created, people["planner"]) == [
        datetime(2026, 10, 26, 16, 0, tzinfo=UTC), datetime(2026, 11, 1, 16, 0, tzinfo=UTC)]
    db.session.expire_all()  # a later request reads the start back from the database
    schedule.sync_event(event, now, SETTINGS)
    db.session.commit()
    assert {r.id for r in rows(event.id, state=PENDING)} >= {r.id for r in created}


# ---- content --------------------------------------------------------------------------


@pytest.mark.parametrize(("starts", "local"), [
    (datetime(2026, 12, 14, 15, 0, tzinfo=UTC), "Mon 14 Dec 2026, 9:00 AM CST"),
    (datetime(2027, 6, 14, 15, 0, tzinfo=UTC), "Mon 14 Jun 2027, 10:00 AM CDT")])
def test_upcoming_mail_is_local_with_zone_ics_and_link(app, client, new_event, people,
                                                      starts, local):
    app.config["PUBLIC_BASE_URL"] = "https://tracker.agency.example/"
    event = new_event(starts, title="Rally at the Capitol")
    reminder = rows(event.id, UPCOMING, recipient=people["planner"].id)[0]
    content = mail.settings_from_config().content
    composed = compose.compose(reminder, content)

    assert composed.subject == f"Coming up: Rally at the Capitol, {local}"
    assert composed.lines[0] == f"Rally at the Capitol starts {local} at Courthouse steps."
    # The inbox keeps a path in the tracker; mail makes it absolute with PUBLIC_BASE_URL.
    assert composed.link == f"/events/{event.id}"
    text, html = compose.render_bodies(composed, "Pat Planner", content)
    for body in (text, html):
        assert local in body and "America/Chicago" in body
        assert f"https://tracker.agency.example/events/{event.id}" in body

    name, data = composed.attachment
    assert name == f"event-{event.id}.ics"
    [vevent] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert vevent.decoded("DTSTART").astimezone(UTC) == starts
    assert vevent.decoded("DTEND").astimezone(UTC) == starts + timedelta(hours=2)
    assert str(vevent["SUMMARY"]).startswith("Rally at the Capitol")  # "(tentative)"

    # The link leads back to the event.
    login(client, people["planner"])
    page = client.get(composed.link.removeprefix("https://tracker.agency.example"))
    assert page.status_code == 200 and "Rally at the Capitol" in page.get_data(as_text=True)


CANARY = {"person_name": "Quillon Canarywood", "person_phone": "615-555-0199",
          "person_email": "quillon.canary@example.org"}


def _as_read(message) -> str:
    """Every header and every part decoded, as the recipient's mail program shows them
    (a body in base64 would hide a leak from a search of the raw bytes)."""
    headers = [f"{name}: {value}" for part in message.walk() for name, value in part.items()]
    return "\n".join([*headers, *(part.get_content() for part in message.walk()
                                   if not part.is_multipart())])


def test_no_personal_details_in_mails_rows_inbox_audit_or_logs(app, new_event, people,
                                                               smtp_server, caplog):
    event = new_event(organizing_group="Canarywood Family Association")
    contact(event, people["liaison"], date(2026, 12, 1), **CANARY)
    caplog.set_level("DEBUG")
    result = dispatch.run_cycle(event.starts_at, mail.settings_from_config())
    assert result.sent >= 3 and result.retrying == 0

    kinds = {r.kind for r in rows(event.id, state=ReminderState.SENT.value)}
    assert {UPCOMING, CHECKLIST, FOLLOW_UP} <= kinds
    [follow_up] = [m for m in smtp_server.messages()
                   if m["Subject"] == f"Outreach follow-up today: {event.title}"]
    assert follow_up["To"] == people["liaison"].email

    secrets = [*CANARY.values(), "Canarywood"]
    haystacks = {
        "mail": "".join(_as_read(m) for m in smtp_server.messages()),
        "reminder rows": repr([vars(r) for r in rows()]),
        "inbox": repr([(m.subject, m.body, m.link) for m in db.session.scalars(
            select(InboxMessage))]),
        "audit": repr([(a.action, a.object_type, a.changes) for a in db.session.scalars(
            select(AuditRecord))]),
        "logs": caplog.text,
    }
    assert len(smtp_server.received()) == result.sent
    assert f"{event.title} starts" in haystacks["mail"]  # the bodies were read, decoded
    for where, text in haystacks.items():
        leaked = [s for s in secrets if s.lower() in text.lower()]
        assert not leaked, f"{leaked} found in {where}"


# ---- weekly retention digest ------------------------------------------------------------

MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 08:00 CST after NOW (a Tuesday)


def test_digests_one_per_privacy_officer_for_the_coming_monday(people, make_user):
    second = make_user(Role.PRIVACY_OFFICER)
    assert schedule.ensure_digests(NOW, SETTINGS) == 2
    assert schedule.ensure_digests(NOW + timedelta(days=1), SETTINGS) == 0  # same Monday
    db.session.commit()
    digests = rows(kind=DIGEST)
    assert {r.recipient_id for r in digests} == {people["privacy"].id, second.id}
    assert {r.due_at for r in digests} == {MONDAY}
    assert all(r.state == PENDING for r in digests)


@pytest.mark.parametrize("ends_in_days", [-27, None])
def test_the_digest_is_sent_only_when_a_purge_is_coming(new_event, people, smtp_server,
                                                       ends_in_days):
    """An event that ended 27 days before Monday is purged (30 days) within the week;
    with nothing to purge the digest is cancelled."""
    if ends_in_days is not None:
        created = MONDAY + timedelta(days=ends_in_days - 2)
        event = new_event(MONDAY + timedelta(days=ends_in_days, hours=-2), now=created)
        contact(event, people["liaison"], None, now=created, **CANARY)
    schedule.ensure_digests(NOW, SETTINGS)
    db.session.commit()
    dispatch.run_cycle(MONDAY, mail.settings_from_config())

    [digest] = rows(kind=DIGEST)
    if ends_in_days is None:
        assert digest.state == CANCELLED and smtp_server.received() == []
        return
    assert digest.state == ReminderState.SENT.value
    # The event's own reminders went out in the same cycle: pick the digest.
    [message] = [m for m in smtp_server.messages()
                 if m["Subject"] == "Retention: personal details to be purged this week"]
    assert message["To"] == people["privacy"].email
    body = message.get_body(("plain",)).get_content()
    assert "1 outreach entry will have personal details purged" in body
    assert CANARY["person_name"] not in body
