"""A planner records, edits and corrects events in a real browser."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    PLANNER,
    axe_check,
    field_value,
    fill_event_form,
    local_start,
    record_event,
    sign_in,
    unique,
)

pytestmark = pytest.mark.browser


def _upcoming_section(page: Page):
    """The dashboard's "All events in the next 14 days" panel (not the planner's own
    lists)."""
    return page.locator("section", has=page.get_by_role(
        "heading", name="All events in the next 14 days", exact=True))


def test_planner_records_an_event_and_finds_it_everywhere(page: Page):
    sign_in(page, PLANNER)
    axe_check(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="New event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an event")
    axe_check(page)

    title = unique("Rally for the library budget")
    starts = local_start(days_ahead=3, hour=14)
    fill_event_form(page, title=title, starts=starts, venue="Public Square Park")
    page.get_by_role("button", name="Record event").click()

    # Detail page: the title, the flash, and both times in the agency's zone with its name.
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("status")).to_have_text("Event recorded as a draft.")
    zone = starts.tzname()  # "CST" in winter, "CDT" in summer
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(f"{starts:%a %-d %b %Y}, 2:00 PM {zone}")
    expect(facts).to_contain_text(f"{starts:%a %-d %b %Y}, 4:00 PM {zone}")
    expect(facts).to_contain_text("Lee Liaison")
    expect(page.locator(".status-large")).to_have_text("Draft")
    axe_check(page)

    page.goto("/events/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title))
    expect(row).to_contain_text(f"2:00 PM {zone}")
    expect(row).to_contain_text("Pat Planner")
    axe_check(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(_upcoming_section(page).get_by_role("link", name=title)).to_be_visible()
    axe_check(page)


def test_planner_edits_title_and_venue(page: Page):
    sign_in(page, PLANNER)
    title = unique("Vigil at the river")
    record_event(page, title, venue="Riverfront Park")

    page.get_by_role("link", name="Edit event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {title}")
    # The form comes back filled with what was saved, times as local wall-clock time.
    expect(page.locator("#venue")).to_have_value("Riverfront Park")
    axe_check(page)

    new_title = unique("Candlelight vigil at the river")
    page.locator("#title").fill(new_title)
    page.locator("#venue").fill("Cumberland Park, 592 S 1st St")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(new_title)
    expect(page.get_by_role("status")).to_have_text("Changes saved.")
    expect(page.locator("dl.facts")).to_contain_text("Cumberland Park, 592 S 1st St")
    axe_check(page)


def test_editing_keeps_the_local_times(page: Page):
    sign_in(page, PLANNER)
    starts = local_start(days_ahead=5, hour=14)
    record_event(page, unique("Rally at the courthouse"), starts=starts)

    page.get_by_role("link", name="Edit event").click()
    # The form must show the wall-clock time the planner typed, in the agency's zone...
    expect(page.locator("#starts_at")).to_have_value(field_value(starts), timeout=1000)
    page.get_by_role("button", name="Save changes").click()
    # ...and saving without touching the times must not move the event.
    expect(page.locator("dl.facts")).to_contain_text(f"2:00 PM {starts.tzname()}")


def test_form_errors_keep_what_was_typed_and_can_be_fixed(page: Page):
    sign_in(page, PLANNER)
    page.goto("/events/new")
    title = unique("March to the Capitol")
    starts = local_start(days_ahead=4, hour=10)
    fill_event_form(page, title=title, starts=starts, venue="Centennial Park")
    # End before start, and a low estimate above the high one.
    page.locator("#ends_at").fill(field_value(starts - timedelta(hours=1)))
    page.locator("#attendance_low").fill("500")
    page.locator("#attendance_high").fill("100")
    page.get_by_role("button", name="Record event").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please correct the following")
    expect(summary.get_by_role("link", name="Ends: The end must be after the start.")
           ).to_be_visible()
    expect(summary).to_contain_text("The high estimate must be at least the low estimate.")
    expect(page.locator("#ends_at-error")).to_contain_text("The end must be after the start.")
    expect(page.locator("#attendance_high-error")).to_contain_text(
        "The high estimate must be at least the low estimate.")
    # Errors are announced with their field: the input points at its message.
    expect(page.locator("#ends_at")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ends_at")).to_have_attribute(
        "aria-describedby", "ends_at-hint ends_at-error")
    # Nothing typed is lost.
    expect(page.locator("#title")).to_have_value(title)
    expect(page.locator("#venue")).to_have_value("Centennial Park")
    expect(page.locator("#attendance_low")).to_have_value("500")
    axe_check(page)

    page.locator("#ends_at").fill(field_value(starts + timedelta(hours=3)))
    page.locator("#attendance_high").fill("800")
    page.get_by_role("button", name="Record event").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("dl.facts")).to_contain_text("500 to 800")
    axe_check(page)


def _assert_no_injected_elements(page: Page) -> None:
    """Escaping, not only the Content-Security-Policy, must stop markup: no element made."""
    assert page.locator("main script").count() == 0
    assert page.locator("main img").count() == 0


def test_markup_in_event_text_is_shown_literally_never_run(page: Page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, PLANNER)

    title = "<script>alert(1)</script>"
    notes = "<img src=x onerror=alert(2)>"
    record_event(page, title, notes=notes)  # asserts the h1 reads the title literally

    expect(page.locator("dl.facts")).to_contain_text(notes)
    assert title in page.title()
    _assert_no_injected_elements(page)
    axe_check(page)

    page.goto("/events/")
    expect(page.get_by_role("link", name=title).first).to_be_visible()
    _assert_no_injected_elements(page)
    axe_check(page)

    page.goto("/")
    expect(page.get_by_role("link", name=title).first).to_be_visible()
    _assert_no_injected_elements(page)
    axe_check(page)

    assert dialogs == []
