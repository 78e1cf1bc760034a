"""The privacy officer reads the audit trail of a planner's changes in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PLANNER, PRIVACY, axe_check, record_event, unique

pytestmark = pytest.mark.browser


def _rows_for(page: Page, event_id: str):
    """Audit rows about one event (the Object cell reads exactly "event <id>")."""
    return page.get_by_role("row").filter(
        has=page.get_by_role("cell", name=f"event {event_id}", exact=True))


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
    expect(rows.nth(0)).to_contain_text("event.update")
    expect(rows.nth(1)).to_contain_text("checklist.create")
    expect(rows.nth(2)).to_contain_text("event.create")
    expect(rows.nth(0)).to_contain_text("Pat Planner")
    # Free text is named as changed, never copied into the trail.
    expect(rows.nth(0)).to_contain_text("title changed")
    expect(page.locator("main")).not_to_contain_text(secret_title)

    page.get_by_label("Action", exact=True).select_option("event.update")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]action=event\.update(&|$)"))
    expect(page.get_by_label("Action", exact=True)).to_have_value("event.update")
    expect(_rows_for(page, event_id)).to_have_count(1)
    # Every listed row is an update: the action column holds nothing else.
    actions = page.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert actions and set(actions) == {"event.update"}, actions
    axe_check(page)
