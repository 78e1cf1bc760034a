"""The privacy officer reads the audit trail of a planner's changes in a real browser."""

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PLANNER, PRIVACY, axe_check, record_event, unique

pytestmark = pytest.mark.browser


def _rows_for(page: Page, event_id: str):
    """Audit rows about one event (the About cell links to the event's page)."""
    return page.locator("tbody tr").filter(
        has=page.locator(f'td:nth-child(4) a[href="/events/{event_id}"]'))


def test_privacy_officer_sees_create_and_update_and_filters_by_action(signed_in):
    # The planner records an event, then renames it.
    planner = signed_in(PLANNER)
    url = record_event(planner, unique("Rally at Legislative Plaza steps"))
    event_id = url.rstrip("/").rsplit("/", 1)[-1]
    secret_title = unique("Renamed rally")
    planner.get_by_role("link", name="Edit event").click()
    planner.locator("#title").fill(secret_title)
    planner.get_by_role("button", name="Save changes").click()
    expect(planner.get_by_role("heading", level=1)).to_have_text(secret_title)

    page = signed_in(PRIVACY)
    axe_check(page)  # the privacy officer's dashboard, with its oversight panel
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    axe_check(page)

    rows = _rows_for(page, event_id)
    # Newest first: the update, then the checklist created with the event, then the create.
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td").nth(2)).to_have_text("Edited an event")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("Created the event's checklist")
    expect(rows.nth(2).locator("td").nth(2)).to_have_text("Recorded an event")
    expect(rows.nth(0)).to_contain_text("Pat Planner")
    expect(rows.nth(0).locator("td").first).to_contain_text(re.compile(r"\d:\d\d:\d\d C[SD]T"))
    # Free text is named as changed, never copied into the trail's changes.
    changes = rows.nth(0).locator("td").nth(5)
    expect(changes).to_contain_text("Title: changed")
    expect(changes).not_to_contain_text(secret_title)
    # The stored values are a click (or Enter) away.
    details = rows.nth(0).get_by_text("Record details")
    details.focus()
    page.keyboard.press("Enter")
    expect(rows.nth(0).locator("details dl")).to_be_visible()
    expect(rows.nth(0).locator("details")).to_contain_text("event.update")
    axe_check(page)

    # Filtered to the event by its number, and exported.
    page.get_by_label("Event number").fill(event_id)
    page.get_by_role("button", name="Filter").click()
    expect(_rows_for(page, event_id)).to_have_count(3)
    # Beside the event's own rows, only its checklist answers (taken from the record).
    others = set(page.locator("tbody tr td:nth-child(3)").all_inner_texts()) - {
        "Edited an event", "Created the event's checklist", "Recorded an event"}
    assert others <= {"Answered a checklist item"}, others
    with page.expect_download() as download:
        page.get_by_role("link", name="Export these records as CSV").click()
    with open(download.value.path(), encoding="utf-8") as file:
        exported = file.read()
    [header, *lines] = list(csv.reader(io.StringIO(exported)))
    update = next(line for line in lines if line[header.index("Action code")] == "event.update")
    assert update[header.index("Action")] == "Edited an event"
    # The object is named by the event's current title; the change itself copies no text.
    assert secret_title not in update[header.index("Changes")]
    assert secret_title not in update[header.index("Changes (raw)")]
    page.goto(page.url.split("?")[0])

    page.get_by_label("Action", exact=True).select_option("event.update")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]action=event\.update(&|$)"))
    expect(page.get_by_label("Action", exact=True)).to_have_value("event.update")
    expect(_rows_for(page, event_id)).to_have_count(1)
    # Every listed row is an update: the action column holds nothing else.
    actions = page.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert actions and set(actions) == {"Edited an event"}, actions
    axe_check(page)
