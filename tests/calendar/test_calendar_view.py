"""The calendar page and its JSON feed (tracker/calendar/page_views.py, month.py):
ranges bounded, times with the agency's offset across daylight-saving changes, filters,
no personal details, every role and bad input."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.calendar import month
from tracker.errors import ValidationError
from tracker.events import services as events
from tracker.extensions import db

CHICAGO = ZoneInfo("America/Chicago")


def feed(client, start="2027-03-01", end="2027-04-01", **params):
    return client.get("/calendar/events.json", query_string={"start": start, "end": end,
                                                             **params})


@pytest.mark.parametrize("role", list(Role))
def test_every_signed_in_role_sees_the_page_and_feed(client, login_as, make_event, role):
    make_event(title="Rally on the green", starts_at=NOW + timedelta(days=1))
    login_as(role)
    page = client.get(f"/calendar/?month={(NOW + timedelta(days=1)):%Y-%m}")
    assert page.status_code == 200
    assert b"Rally on the green" in page.data  # the server-rendered month list
    assert b"vendor/fullcalendar/fullcalendar.global.js" in page.data
    start = NOW.date().isoformat()
    end = (NOW + timedelta(days=30)).date().isoformat()
    entries = feed(client, start, end).json
    assert [e["title"] for e in entries] == ["Rally on the green · Draft"]
    # The entry's colours, whose contrast the test below checks.
    assert (entries[0]["color"], entries[0]["textColor"]) == ("#e6e6e6", "#1b1b1b")


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/calendar/").status_code == 302
    assert feed(client).status_code == 302


def test_times_carry_the_agency_offset_across_the_clock_changes(client, login_as, make_event):
    # 2027-03-14 and 2027-11-07 are the change days in America/Chicago.
    spring = datetime(2027, 3, 14, 10, 0, tzinfo=CHICAGO)
    autumn = datetime(2027, 11, 7, 10, 0, tzinfo=CHICAGO)
    before = datetime(2027, 3, 13, 23, 30, tzinfo=CHICAGO)
    for title, moment in (("Spring", spring), ("Autumn", autumn), ("Eve", before)):
        make_event(title=title, starts_at=moment.astimezone(UTC))
    login_as(Role.PLANNER)
    march = {e["title"].split(" ·")[0]: e for e in feed(client).json}
    assert march["Spring"]["start"] == "2027-03-14T10:00:00-05:00"
    assert march["Eve"]["start"] == "2027-03-13T23:30:00-06:00"
    november = feed(client, "2027-11-01", "2027-12-01").json
    assert [e["start"] for e in november] == ["2027-11-07T10:00:00-06:00"]


def test_the_range_is_half_open_in_the_agency_zone(client, login_as, make_event):
    make_event(title="Late", starts_at=datetime(2027, 3, 31, 21, 30, tzinfo=CHICAGO))
    login_as(Role.LIAISON)
    assert len(feed(client, "2027-03-01", "2027-04-01").json) == 1
    assert feed(client, "2027-04-01", "2027-05-01").json == []


def test_filters_apply_to_the_feed(client, login_as, make_event):
    me = login_as(Role.PLANNER)
    when = datetime(2027, 3, 10, 12, tzinfo=CHICAGO)
    make_event(title="A vigil", kind="vigil", starts_at=when)
    make_event(me, title="A rally", kind="rally", starts_at=when, planner_id=me.id)
    assert [e["title"] for e in feed(client, kind="vigil").json] == ["A vigil · Draft"]
    assert feed(client, status="planning").json == []
    assert [e["title"] for e in feed(client, mine="1").json] == ["A rally · Draft"]


def test_the_feed_has_no_personal_details(client, login_as, make_user, make_event):
    planner = make_user(Role.PLANNER, name="Perpetua Planner")
    make_event(planner, title="Rally", planner_id=planner.id, organizing_group="Group X",
               logistics_notes="Notes Y", starts_at=datetime(2027, 3, 10, 12, tzinfo=CHICAGO))
    login_as(Role.LEADERSHIP)
    body = feed(client).get_data(as_text=True)
    for secret in ("Perpetua", "Group X", "Notes Y", "@"):
        assert secret not in body


def test_cancelled_and_related_events_are_marked(client, login_as, make_user, make_event):
    planner = make_user(Role.PLANNER)
    when = datetime(2027, 3, 10, 12, tzinfo=CHICAGO)
    rally = make_event(planner, title="Rally", starts_at=when)
    counter = make_event(planner, title="Counter", kind="counter_demonstration",
                         starts_at=when, related_ids=[rally.id])
    events.cancel_event(planner, rally, "Called off by the organizers.", NOW)
    db.session.commit()
    login_as(Role.PLANNER)
    found = {e["title"].split(" ·")[0]: e for e in feed(client).json}
    assert "ev-cancelled" in found["Rally"]["classNames"]
    assert found["Rally"]["title"].endswith("Cancelled")
    assert "ev-counter" in found["Counter"]["classNames"]
    assert found["Counter"]["extendedProps"]["group"] == found["Rally"]["extendedProps"][
        "group"] == rally.id
    assert found["Counter"]["extendedProps"]["related"] == [rally.id]
    assert found["Rally"]["url"] == f"/events/{rally.id}"
    assert counter.id


@pytest.mark.parametrize("params", [
    {"start": "", "end": ""},
    {"start": "yesterday", "end": "2027-04-01"},
    {"start": "2027-04-01", "end": "2027-03-01"},
    {"start": "2027-01-01", "end": "2027-06-01"},  # more than 62 days
    {"start": "0001-01-01", "end": "0001-02-01"},
    {"start": "9999-12-01", "end": "9999-12-30"},
    {"start": "2027-03-01\x00", "end": "2027-04-01"},
    {"start": "2027-03-01", "end": "2027-04-01", "kind": "bogus"},
    {"start": "2027-03-01", "end": "2027-04-01", "status": "nope"},
])
def test_bad_ranges_and_filters_get_a_400(client, login_as, params):
    login_as(Role.PLANNER)
    response = client.get("/calendar/events.json", query_string=params)
    assert response.status_code == 400
    assert "error" in response.json


def test_iso_times_with_offsets_are_accepted(client, login_as):
    login_as(Role.PLANNER)
    response = client.get("/calendar/events.json?start=2027-02-28T00:00:00-06:00"
                          "&end=2027-04-11T00:00:00%2B01:00")
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["month=2027-13", "month=abc", "month=0000-01",
                                   "view=../../etc", "kind=bogus", "month=99999-01",
                                   "mine=%00"])
def test_the_page_never_fails_on_bad_input(client, login_as, query):
    login_as(Role.LIAISON)
    assert client.get(f"/calendar/?{query}").status_code == 200


def test_the_page_keeps_filters_in_its_links(client, login_as):
    login_as(Role.PLANNER)
    page = client.get("/calendar/?month=2027-03&kind=vigil&view=list").get_data(as_text=True)
    assert "month=2027-04" in page and "kind=vigil" in page and "view=list" in page
    assert 'data-feed="/calendar/events.json?kind=vigil"' in page
    assert 'data-view="listMonth"' in page


def test_the_navigation_links_to_the_calendar(client, login_as):
    login_as(Role.LIAISON)
    assert b'href="/calendar/"' in client.get("/").data


def test_parse_range_reads_naive_times_in_the_agency_zone(app):
    span = month.parse_range("2027-03-14", "2027-03-15")
    assert span.since == datetime(2027, 3, 14, tzinfo=CHICAGO)
    # The spring-forward day is 23 hours long.
    assert span.until.astimezone(UTC) - span.since.astimezone(UTC) == timedelta(hours=23)
    with pytest.raises(ValidationError):
        month.parse_range("2027-03-14", "2027-03-14")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_status_colour_keeps_its_text_readable():
    """WCAG AA (4.5:1) between each entry's text and its status colour: the calendar
    theme's own text colour is white, unreadable on these light colours."""
    from tracker.calendar.month import ENTRY_TEXT, STATUS_COLOURS

    for status, background in STATUS_COLOURS.items():
        light, dark = sorted((_luminance(background), _luminance(ENTRY_TEXT)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, status
