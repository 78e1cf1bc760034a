"""Two planners editing one event in real browsers (SECURITY.md R-3): the second save,
made from the older page, gets the conflict page with what changed, keeps what was
typed, and re-applies it knowingly. A form sent three times makes one event."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PLANNER, axe_check, fill_event_form, record_event, unique

pytestmark = pytest.mark.browser


def test_two_planners_edit_the_same_event(signed_in):
    a = signed_in(PLANNER)
    b = signed_in(PLANNER)
    title = unique("Vigil for the river")
    event_url = record_event(a, title)
    a.goto(event_url + "/edit")
    b.goto(event_url + "/edit")

    new_title = title + " (moved)"
    a.locator("#title").fill(new_title)
    a.get_by_role("button", name="Save changes").click()
    expect(a.get_by_role("heading", level=1)).to_have_text(new_title)

    b.locator("#venue").fill("Town square, 1 Main St")
    b.get_by_role("button", name="Save changes").click()
    panel = b.get_by_role("alert").filter(has_text="Changed by someone else")
    expect(panel).to_be_visible()
    row = panel.get_by_role("row", name="Title")
    expect(row).to_contain_text(title)
    expect(row).to_contain_text(new_title)
    # B's venue is kept; the title field now holds A's saved title.
    expect(b.locator("#venue")).to_have_value("Town square, 1 Main St")
    expect(b.locator("#title")).to_have_value(new_title)
    axe_check(b)

    b.get_by_role("button", name="Save changes").click()
    expect(b.get_by_role("heading", level=1)).to_have_text(new_title)
    expect(b.get_by_text("Town square, 1 Main St")).to_be_visible()


def test_a_resent_form_records_one_event(signed_in, base_url):
    """The form is sent once by its button and twice more, byte for byte, from the same
    browser session (what a double click or a resend after a timeout does)."""
    page = signed_in(PLANNER)
    title = unique("Rally at the library")
    page.goto("/events/new")
    fill_event_form(page, title=title)
    sent = page.evaluate(
        "() => [...new FormData(document.querySelector('form.event-form'))]")
    page.get_by_role("button", name="Record event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    event_path = page.url.removeprefix(base_url)

    for _ in range(2):
        again = page.request.post(base_url + "/events/new",
                                  form=dict(sent), max_redirects=0)
        assert (again.status, again.headers["location"]) == (302, event_path)
    page.goto("/events/")
    expect(page.get_by_role("link", name=title)).to_have_count(1)
