"""Outreach contacts, retention and export, called directly."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.errors import Forbidden, ValidationError
from tracker.extensions import db
from tracker.outreach import export, retention, services
from tracker.outreach.models import OutreachContact

CANARY_NAME = "Zebulon Canarywright"
CANARY_PHONE = "615-555-0199"
CANARY_EMAIL = "zebulon.canary@example.org"
DAYS = 30


@pytest.fixture
def staff(make_user):
    return {role: make_user(role) for role in
            (Role.PLANNER, Role.LIAISON, Role.LEADERSHIP, Role.PRIVACY_OFFICER, Role.ADMIN)}


@pytest.fixture
def event(staff, make_event):
    # Ends two hours after NOW + 3 days.
    return make_event(staff[Role.PLANNER], planner_id=staff[Role.PLANNER].id,
                      liaison_id=staff[Role.LIAISON].id)


def contact_data(**overrides):
    values = {"contacted_at": NOW - timedelta(hours=2), "method": "phone",
              "purpose": "route", "organization": "Neighbors for Parks",
              "summary": "Route along 5th Ave agreed.", "person_name": CANARY_NAME,
              "person_phone": CANARY_PHONE, "person_email": CANARY_EMAIL, "consent": True}
    values.update(overrides)
    return services.ContactData(**values)


def log_contact(staff, event, **overrides):
    contact = services.create_contact(staff[Role.LIAISON], event, contact_data(**overrides),
                                      NOW, DAYS)
    db.session.commit()
    return contact


def audit_json() -> str:
    rows = db.session.scalars(select(AuditRecord)).all()
    return json.dumps([[r.action, r.object_type, r.object_id, r.changes, r.actor_label]
                       for r in rows])


def test_create_records_consent_and_audits_without_personal_values(staff, event):
    contact = log_contact(staff, event)
    assert contact.person_name == CANARY_NAME
    assert contact.consent_recorded_by_id == staff[Role.LIAISON].id
    assert contact.consent_recorded_at == NOW
    trail = audit_json()
    assert "outreach.create" in trail
    for canary in (CANARY_NAME, CANARY_PHONE, CANARY_EMAIL):
        assert canary not in trail


def test_personal_details_without_consent_are_refused(staff, event):
    for field in ("person_name", "person_phone", "person_email"):
        only_one = {"person_name": "", "person_phone": "", "person_email": "",
                    field: {"person_name": "A Person", "person_phone": "615 555 0100",
                            "person_email": "a@example.org"}[field]}
        with pytest.raises(ValidationError) as err:
            services.create_contact(staff[Role.LIAISON], event,
                                    contact_data(consent=False, **only_one), NOW, DAYS)
        assert err.value.field == "consent"
    db.session.rollback()
    assert db.session.scalars(select(OutreachContact)).all() == []


def test_entry_without_personal_details_needs_no_consent(staff, event):
    contact = log_contact(staff, event, person_name="", person_phone="", person_email="",
                          consent=False)
    assert not contact.has_personal_details and contact.consent_recorded_at is None


@pytest.mark.parametrize(("overrides", "field"), [
    ({"method": "carrier pigeon"}, "method"),
    ({"purpose": "surveillance"}, "purpose"),
    ({"person_email": "not an email"}, "person_email"),
    ({"person_phone": "call me maybe"}, "person_phone"),
    ({"summary": "x" * 2001}, "summary"),
    ({"contacted_at": NOW + timedelta(days=2)}, "contacted_at"),
])
def test_bad_input_is_refused(staff, event, overrides, field):
    with pytest.raises(ValidationError) as err:
        services.create_contact(staff[Role.LIAISON], event, contact_data(**overrides), NOW,
                                DAYS)
    assert err.value.field == field


def test_only_liaison_officers_log(staff, event):
    for role in (Role.PLANNER, Role.LEADERSHIP, Role.PRIVACY_OFFICER, Role.ADMIN):
        with pytest.raises(Forbidden):
            services.create_contact(staff[role], event, contact_data(), NOW, DAYS)


def test_who_sees_personal_details(staff, event, make_user):
    other_planner = make_user(Role.PLANNER)
    sees = {role: services.sees_personal_details(user, event) for role, user in staff.items()}
    assert sees == {Role.PLANNER: True, Role.LIAISON: True, Role.LEADERSHIP: False,
                    Role.PRIVACY_OFFICER: True, Role.ADMIN: False}
    assert not services.sees_personal_details(other_planner, event)


def test_update_keeps_consent_and_audits_field_names_only(staff, event):
    contact = log_contact(staff, event)
    changed = services.update_contact(staff[Role.LIAISON], contact, contact_data(
        person_phone="615-555-0100", consent=False, purpose="safety_information"), NOW, DAYS)
    db.session.commit()
    assert changed and contact.person_phone == "615-555-0100"
    row = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "outreach.update")).one()
    assert row.changes == {"person_phone": "changed",
                           "purpose": {"from": "route", "to": "safety_information"}}


def test_follow_ups_reach_the_liaison_and_can_be_done(staff, event):
    today = NOW.date()
    contact = log_contact(staff, event, follow_up_on=today + timedelta(days=2))
    assert services.open_follow_ups(staff[Role.LIAISON], today, 14) == [contact]
    assert services.open_follow_ups(staff[Role.LIAISON], today, 1) == []
    services.complete_follow_up(staff[Role.LIAISON], contact, NOW)
    assert services.open_follow_ups(staff[Role.LIAISON], today, 14) == []
    with pytest.raises(ValidationError):
        services.complete_follow_up(staff[Role.LIAISON], contact, NOW)


def test_purge_waits_for_the_retention_date_then_erases(staff, event):
    contact = log_contact(staff, event, follow_up_on=date(2026, 12, 1))
    purge_day = event.ends_at + timedelta(days=DAYS)
    assert retention.purge(purge_day - timedelta(minutes=1), DAYS) == []
    purged = retention.purge(purge_day, DAYS)
    db.session.commit()
    assert purged == [contact]
    db.session.expire_all()
    kept = db.session.get(OutreachContact, contact.id)
    assert (kept.person_name, kept.person_phone, kept.person_email) == (None, None, None)
    assert kept.personal_purged_at == purge_day
    assert (kept.method, kept.purpose, kept.summary) == ("phone", "route",
                                                         "Route along 5th Ave agreed.")
    row = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "outreach.purge")).one()
    assert row.changes == {"person_name": "purged", "person_phone": "purged",
                           "person_email": "purged"}
    assert CANARY_NAME not in audit_json()


def test_hold_stops_the_purge_until_released_or_expired(staff, event):
    contact = log_contact(staff, event)
    privacy = staff[Role.PRIVACY_OFFICER]
    after = event.ends_at + timedelta(days=DAYS + 1)
    hold = retention.place_hold(privacy, contact, "Records request 2026-114",
                                after.date() + timedelta(days=10), NOW)
    assert retention.purge(after, DAYS) == []
    assert retention.holds(after.date()) == [hold]
    # An expired hold no longer protects the entry.
    assert retention.purge(after + timedelta(days=11), DAYS) == [contact]


def test_released_hold_lets_the_purge_run(staff, event):
    contact = log_contact(staff, event)
    privacy = staff[Role.PRIVACY_OFFICER]
    hold = retention.place_hold(privacy, contact, "Litigation hold",
                                NOW.date() + timedelta(days=90), NOW)
    retention.release_hold(privacy, hold, NOW)
    assert retention.purge(event.ends_at + timedelta(days=DAYS), DAYS) == [contact]


@pytest.mark.parametrize(("reason", "expires", "field"), [
    ("", 10, "reason"), ("Request", 0, "expires_on"), ("Request", 2000, "expires_on")])
def test_hold_validation(staff, event, reason, expires, field):
    contact = log_contact(staff, event)
    with pytest.raises(ValidationError) as err:
        retention.place_hold(staff[Role.PRIVACY_OFFICER], contact, reason,
                             NOW.date() + timedelta(days=expires), NOW)
    assert err.value.field == field


def test_only_privacy_officers_hold(staff, event):
    contact = log_contact(staff, event)
    with pytest.raises(Forbidden):
        retention.place_hold(staff[Role.LIAISON], contact, "Mine",
                             NOW.date() + timedelta(days=5), NOW)


def test_personal_details_refused_once_retention_passed(staff, event):
    late = event.ends_at + timedelta(days=DAYS + 1)
    with pytest.raises(ValidationError, match="no longer kept"):
        services.create_contact(staff[Role.LIAISON], event,
                                contact_data(contacted_at=late - timedelta(hours=1)), late,
                                DAYS)


def test_schedule_lists_purge_dates_and_holds(staff, event):
    contact = log_contact(staff, event)
    [scheduled] = retention.schedule(NOW, DAYS)
    assert scheduled.contact == contact
    assert scheduled.purge_at == event.ends_at + timedelta(days=DAYS)
    assert scheduled.hold is None


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_neutralises_formula_cells(staff, event, payload):
    log_contact(staff, event, summary=payload, organization=payload)
    text = export.to_csv(services.for_event(event.id))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == export.HEADER
    organization, summary = rows[1][3], rows[1][7]
    for cell in (organization, summary):
        assert cell == "'" + payload
    for row in rows:
        for cell in row:
            assert not cell.startswith(export.FORMULA_START)


@pytest.mark.parametrize(("value", "expected"), [
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("=1", "'=1"), ("plain", "plain"),
    ("a=1", "a=1"), (None, "")])
def test_neutralise(value, expected):
    # Services strip surrounding whitespace, so tab and CR are checked here directly.
    assert export.neutralise(value) == expected


def test_no_search_by_person_exists():
    """P-2: contacts are reached through their event; no service looks up a person."""
    public = [name for name in dir(services) if not name.startswith("_")]
    assert not [n for n in public if any(w in n for w in ("search", "find_by", "lookup"))]


def test_hold_dates_are_agency_days_not_utc_days(staff, event):
    """At 01:00 UTC it is still the previous evening in Chicago: a hold expiring on the
    agency's tomorrow is accepted, and one expiring on the agency's today still holds."""
    contact = log_contact(staff, event)
    late_evening = NOW.replace(hour=1) + timedelta(days=1)  # 25 Nov 01:00 UTC = 24 Nov CST
    agency_today = date(2026, 11, 24)
    hold = retention.place_hold(staff[Role.PRIVACY_OFFICER], contact, "Records request",
                                agency_today + timedelta(days=1), late_evening)
    assert retention.holds(agency_today + timedelta(days=1)) == [hold]
    assert hold.active_on(agency_today + timedelta(days=1))
    assert retention.schedule(late_evening + timedelta(days=1), DAYS)[0].hold == hold
