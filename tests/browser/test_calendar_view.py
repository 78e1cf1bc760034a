"""The calendar page in a real browser: FullCalendar from the tracker's static files
under the CSP, events on the right days around the daylight-saving changes (the March
and November change days, in the agency's zone), clicking opens the event, the list view,
no console errors, and axe."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import AGENCY_ZONE, PLANNER, _live, axe_check, sign_in, unique
from tracker.accounts.models import User
from tracker.events import services as events
from tracker.extensions import db

pytestmark = pytest.mark.browser


def record(title: str, local: datetime, hours: int = 2, **fields) -> int:
    """An event straight through the service (the form is tested elsewhere)."""
    app = _live["app"]
    with app.app_context():
        planner = db.session.scalar(select(User).where(User.email == PLANNER))
        starts = local.replace(tzinfo=AGENCY_ZONE)
        event = events.create_event(planner, events.EventData(
            title=title, kind=fields.pop("kind", "rally"), starts_at=starts,
            ends_at=starts + timedelta(hours=hours), venue="Riverfront Park",
            information_source="permit_application", permit_status="applied", **fields),
            datetime.now(AGENCY_ZONE))
        db.session.commit()
        event_id = event.id
        db.session.remove()
    return event_id


def next_change_days() -> tuple[datetime, datetime]:
    """The next March and November days the clocks change in the agency's zone."""
    found = {}
    day = datetime.now(AGENCY_ZONE).replace(hour=12, minute=0, second=0, microsecond=0)
    for _ in range(800):
        day += timedelta(days=1)
        after = day.replace(hour=23).utcoffset()
        before = day.replace(hour=0).utcoffset()
        if before != after:
            found.setdefault(day.month, day.replace(tzinfo=None, hour=0))
        if 3 in found and 11 in found:
            break
    return found[3], found[11]


def day_cell(page, day: datetime):
    return page.locator(f'[data-date="{day.date().isoformat()}"]').first


def test_month_view_puts_events_on_their_days_across_the_clock_changes(signed_in):
    page = signed_in(PLANNER)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    march, november = next_change_days()
    cases = []
    for change in (march, november):
        # Just after midnight and late in the evening: a UTC date or a wrong offset
        # would put these on the neighbouring day.
        for hour, label in ((0, "early"), (22, "late")):
            title = unique(f"DST {label} {change:%b}")
            cases.append((change, title, record(title, change.replace(hour=hour, minute=30),
                                                hours=1)))
        before = change - timedelta(days=1)
        title = unique(f"Eve of change {change:%b}")
        cases.append((before, title, record(title, before.replace(hour=23), hours=1)))
    for month in (march, november):
        page.goto(f"/calendar/?month={month:%Y-%m}")
        expect(page.locator("#calendar [role=grid]").first).to_be_visible()
        expect(page.locator("#calendar-fallback")).to_be_hidden()
        for day, title, _event_id in cases:
            if day.month != month.month:
                continue
            expect(day_cell(page, day).get_by_text(title)).to_be_visible()
    assert errors == []


def test_clicking_an_event_opens_it(signed_in):
    page = signed_in(PLANNER)
    start = (datetime.now(AGENCY_ZONE) + timedelta(days=2)).replace(
        hour=15, minute=0, second=0, microsecond=0, tzinfo=None)
    title = unique("Calendar click")
    event_id = record(title, start)
    page.goto(f"/calendar/?month={start:%Y-%m}")
    base = page.url.split("/calendar")[0]
    entry = page.locator("#calendar").get_by_text(title).first
    # Dark text on the light status colour (the theme's white would be unreadable).
    expect(entry).to_have_css("color", "rgb(27, 27, 27)")
    entry.click()
    expect(page).to_have_url(f"{base}/events/{event_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def test_list_view_keyboard_and_axe(signed_in):
    page = signed_in(PLANNER)
    start = (datetime.now(AGENCY_ZONE) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0, tzinfo=None)
    title = unique("Calendar list")
    record(title, start)
    page.goto(f"/calendar/?month={start:%Y-%m}")
    axe_check(page)
    page.get_by_role("tab", name="List view").click()
    # Each entry of the list view is a link (role listitem) to the event.
    entry = page.locator("#calendar a[role=listitem]").filter(has_text=title).first
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("Draft")  # the status in words, not colour alone
    assert "view=list" in page.url
    axe_check(page)
    # Keyboard: the entry is a link that Enter follows.
    entry.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def test_without_script_the_month_list_shows(new_context):
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, PLANNER)
    start = (datetime.now(AGENCY_ZONE) + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0, tzinfo=None)
    title = unique("No script")
    record(title, start, kind="vigil")
    page.goto(f"/calendar/?month={start:%Y-%m}")
    expect(page.locator("#calendar-fallback").get_by_role("link", name=title)).to_be_visible()
