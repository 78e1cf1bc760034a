"""Calendar feeds in a real browser: leadership makes a feed link, a calendar program
(no cookies) reads it, the link is revoked; a planner downloads one event as .ics."""

import logging
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.browser.conftest import AGENCY_ZONE, LEADERSHIP, PLANNER, axe_check, unique
from tracker.demo import DEMO_EVENTS

pytestmark = pytest.mark.browser

MARCH = "March from Centennial Park to the State Capitol"
VIGIL = "Candlelight vigil at Public Square Park"


def _h1(page: Page):
    return page.get_by_role("heading", level=1)


def _demo_start(title: str) -> datetime:
    """When seed-demo put the event: days from today at an hour, in the agency's zone."""
    _title, _kind, days, hour, *_ = next(row for row in DEMO_EVENTS if row[0] == title)
    day = datetime.now(AGENCY_ZONE).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), AGENCY_ZONE)


def _open_feeds(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Calendar feeds").click()
    expect(_h1(page)).to_have_text("Calendar feeds")


def test_leadership_subscribes_and_revokes_a_feed_link(signed_in, new_context, live_server,
                                                       caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    page = signed_in(LEADERSHIP, permissions=["clipboard-read", "clipboard-write"])
    _open_feeds(page)
    axe_check(page)

    page.get_by_role("link", name="New feed link").click()
    expect(_h1(page)).to_have_text("New feed link")
    axe_check(page)
    name = unique("Approved events")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Status").select_option(label="Plan approved")
    expect(page.get_by_label("Include cancelled events")).to_be_checked()
    page.get_by_role("button", name="Create feed link").click()

    expect(_h1(page)).to_have_text(f"Your feed link: {name}")
    expect(page.get_by_role("status").first).to_contain_text("it is shown only once")
    https = page.get_by_label("For Google Calendar (https)").input_value()
    webcal = page.get_by_label("For Outlook, Apple Calendar and Thunderbird (webcal)"
                               ).input_value()
    host = live_server.split("://", 1)[1]
    match = re.fullmatch(rf"https://{re.escape(host)}(/calendar/feeds/[\w-]{{43,}}\.ics)",
                         https)
    assert match, https
    assert webcal == f"webcal://{host}{match.group(1)}"
    expect(page.get_by_role("button", name="Copy webcal link")).to_be_visible()
    page.get_by_role("button", name="Copy https link").click()
    expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == https
    axe_check(page)

    # A calendar program: its own context, no session cookie. The live server speaks
    # plain http, so the https link's path is fetched there.
    feed_url = live_server + match.group(1)
    calendar = new_context().new_page()
    response = calendar.request.get(feed_url)
    assert response.status == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    march = next(c for c in Calendar.from_ical(response.body()).walk("VEVENT")
                 if str(c["SUMMARY"]) == MARCH)
    # Feeds carry UTC instants; the demo march starts at 10:00 in Chicago.
    start = march["DTSTART"]
    assert start.to_ical().endswith(b"Z")
    assert start.dt == _demo_start(MARCH)
    assert str(march["STATUS"]) == "CONFIRMED"

    page.get_by_role("link", name="Back to calendar feeds").click()
    expect(_h1(page)).to_have_text("Calendar feeds")
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("All kinds, plan approved, cancelled included")
    expect(row).not_to_contain_text("Never")  # it has just been used
    assert match.group(1) not in page.content()
    axe_check(page)

    row.get_by_role("link", name=f"Revoke {name}").click()
    # Asked first, on a page of its own: the link still works until confirmed.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Revoke the feed \u201c{name}\u201d?")
    axe_check(page)
    assert calendar.request.get(feed_url).status == 200
    page.get_by_role("button", name="Revoke this feed").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text(
        f"Feed \u201c{name}\u201d revoked: its link no longer works.")
    expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("Revoked")
    axe_check(page)
    assert calendar.request.get(feed_url).status == 404
    # The live server's request log names the feed route but never the whole token.
    token = match.group(1).removeprefix("/calendar/feeds/").removesuffix(".ics")
    assert f"/calendar/feeds/{token[:4]}\u2026.ics" in caplog.text
    assert token not in caplog.text

    page.get_by_role("link", name="How to subscribe").click()
    expect(_h1(page)).to_have_text("Subscribing to a calendar feed")
    expect(page.get_by_role("heading", name="Google Calendar")).to_be_visible()
    axe_check(page)


def test_planner_downloads_an_event_as_ics(signed_in):
    page = signed_in(PLANNER)
    page.goto("/events/?kind=vigil")
    page.get_by_role("link", name=VIGIL, exact=True).click()
    expect(_h1(page)).to_have_text(VIGIL)
    axe_check(page)
    with page.expect_download() as info:
        page.get_by_role("link", name=f"Download .ics for {VIGIL}").click()
    download = info.value
    assert re.fullmatch(r"event-\d+\.ics", download.suggested_filename)
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"BEGIN:VCALENDAR")
    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{VIGIL} (tentative)"
    assert event["DTSTART"].to_ical().endswith(b"Z")  # a UTC instant
    expect(_h1(page)).to_have_text(VIGIL)  # the page stays where it was
