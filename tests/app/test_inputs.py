"""The input limits of tracker/inputs.py, and the services' own guard against values
that do not come through a form (SECURITY.md R-4): NUL, which PostgreSQL cannot store,
and dates outside the window. Line breaks in single-line fields are the forms' to
refuse; text stored before that is stripped or folded where it is used."""

from datetime import UTC, date, datetime

import pytest

from tests.conftest import NOW
from tracker import inputs
from tracker.accounts.roles import Role
from tracker.calendar import feeds
from tracker.checklist import services as checklist
from tracker.errors import ValidationError
from tracker.events import services as events
from tracker.outreach import services as outreach


@pytest.mark.parametrize(("value", "single_line", "expected"), [
    ("Road closure", True, None),
    ("Caf\u00e9 \u2013 \u00e0 la carte", True, None),
    ("a\x00b", True, inputs.NUL_MESSAGE),
    ("a\x00b", False, inputs.NUL_MESSAGE),
    ("a\r\nb", True, inputs.CONTROL_MESSAGE),
    ("a\tb", True, inputs.CONTROL_MESSAGE),
    ("a\u2028b", True, inputs.CONTROL_MESSAGE),
    ("a\x85b", True, inputs.CONTROL_MESSAGE),  # NEL
    ("line\r\n\tindented", False, None),
    ("bell\x07", False, "Remove the control character (code 7): only line breaks and "
                        "tabs are allowed here."),
    ("", True, None),
    (None, True, None),
])
def test_text_problem(value, single_line, expected):
    assert inputs.text_problem(value, single_line) == expected


@pytest.mark.parametrize(("value", "ok"), [
    (date(1900, 1, 1), True), (date(2200, 12, 31), True), (date(1899, 12, 31), False),
    (date(2201, 1, 1), False), (datetime(9999, 12, 31, tzinfo=UTC), False),
    (datetime(1, 1, 1), False), (None, True),
])
def test_date_window(value, ok):
    assert inputs.in_window(value) is ok


@pytest.mark.parametrize(("raw", "page"), [
    (None, 1), ("", 1), ("3", 3), ("-4", 1), ("0", 1), ("x", 1), ("\x00", 1),
    (str(2**63), inputs.PAGE_MAX), ("1e9", 1),
])
def test_page_number(raw, page):
    assert inputs.page_number(raw) == page


def test_bounded_ids_match_no_route(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/events/{inputs.ID_MAX}")[1] == {"event_id": inputs.ID_MAX}
    with pytest.raises(Exception) as caught:
        adapter.match(f"/events/{inputs.ID_MAX + 1}")
    assert getattr(caught.value, "code", None) == 404


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "Road closure\x00"}, "title"),
    ({"venue": "Square\x00"}, "venue"),
    ({"logistics_notes": "Notes\x00"}, "logistics_notes"),
    ({"starts_at": datetime(2201, 1, 1, 12, tzinfo=UTC),
      "ends_at": datetime(2201, 1, 1, 14, tzinfo=UTC)}, "starts_at"),
])
def test_event_service_refuses_what_no_form_checked(make_user, event_data, overrides, field):
    with pytest.raises(ValidationError) as caught:
        events.create_event(make_user(Role.PLANNER), event_data(**overrides), NOW)
    assert caught.value.field == field


def test_event_service_keeps_line_breaks_in_long_text(make_user, event_data):
    event = events.create_event(make_user(Role.PLANNER), event_data(
        logistics_notes="Line one\r\n\tLine two"), NOW)
    assert event.logistics_notes == "Line one\r\n\tLine two"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"summary": "Route\x00"}, "summary"),
    ({"organization": "Marchers\x00"}, "organization"),
    ({"person_name": "Sam\x00", "consent": True}, "person_name"),
    ({"contacted_at": datetime(1800, 1, 1, tzinfo=UTC)}, "contacted_at"),
    ({"follow_up_on": date(9999, 12, 31)}, "follow_up_on"),
])
def test_outreach_service_refuses_what_no_form_checked(make_user, make_event, overrides,
                                                       field):
    data = outreach.ContactData(**{"contacted_at": NOW, "method": "phone",
                                   "purpose": "route", **overrides})
    with pytest.raises(ValidationError) as caught:
        outreach.create_contact(make_user(Role.LIAISON), make_event(), data, NOW, 30)
    assert caught.value.field == field


def test_feed_and_checklist_services_refuse_nul_and_far_dates(make_user, make_event):
    planner = make_user(Role.PLANNER)
    with pytest.raises(ValidationError):
        feeds.create_feed(planner, planner, "Mine\x00", feeds.FeedFilter(), NOW)
    entries = checklist.get_for_event(make_event(actor=planner).id).entries
    short = next(e for e in entries if e.item.response_type == "short_text"
                 and e.item.responsible_role == "planner")
    with pytest.raises(ValidationError):
        checklist.answer(planner, short, "In the plan\x00", "", NOW)
    dated = next(e for e in entries if e.item.response_type == "date"
                 and e.item.responsible_role == "planner")
    with pytest.raises(ValidationError):
        checklist.answer(planner, dated, "9999-12-31", "", NOW)
