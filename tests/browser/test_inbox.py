"""The in-app inbox and reminder settings in a real browser.

The demo events were recorded three days before the live server started, so some of
their reminders are due; one dispatch cycle (as the scheduler runs it) delivers them."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LIAISON, axe_check, run_command

pytestmark = pytest.mark.browser

# Due for the demo liaison: the vigil's 7-day reminder and the march's outreach follow-up.
FOLLOW_UP = "Outreach follow-up today: March from Centennial Park to the State Capitol"
VIGIL = "Coming up: Candlelight vigil at Public Square Park"


@pytest.fixture(scope="module")
def dispatched(live_app):
    output = run_command(live_app, "reminders", "dispatch")
    assert re.match(r"\d+ sent, ", output), output
    return output


def _badge(page: Page):
    return page.locator("header .inbox-link .count-badge")


def _unread(page: Page) -> int:
    text = _badge(page).text_content() or ""
    found = re.fullmatch(r"\s*(\d+)\s*unread\s*", text)
    assert found, f"no unread count in {text!r}"
    return int(found.group(1))


def mark_read(page: Page, subject: str):
    # The button says "Mark read" and names its message for screen readers.
    return page.get_by_role("button", name=re.compile(rf"^Mark read\s*: {re.escape(subject)}$"))


def test_the_liaison_reads_reminders_in_the_inbox(dispatched, signed_in):
    page = signed_in(LIAISON)
    inbox_link = page.get_by_role("link", name=re.compile(r"^Inbox \d+ unread$"))
    expect(inbox_link).to_be_visible()
    unread = _unread(page)
    assert unread >= 2, "the demo data makes at least two reminders due for the liaison"
    axe_check(page)

    inbox_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    messages = page.locator(".inbox .inbox-item")
    expect(messages.filter(has_text=FOLLOW_UP)).to_have_count(1)
    expect(messages.filter(has_text=VIGIL)).to_have_count(1)
    expect(page.locator(".inbox-unread")).to_have_count(unread)
    # The follow-up names the purpose and method, never the contact person (P-4).
    expect(page.locator("main")).not_to_contain_text("Jordan Example")
    expect(page.locator("main")).not_to_contain_text("615-555-0142")
    axe_check(page)

    mark_read(page, FOLLOW_UP).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(_badge(page)).to_have_text(re.compile(rf"^\s*{unread - 1}\s*unread"))
    expect(messages.filter(has_text=FOLLOW_UP)).not_to_have_class(re.compile("inbox-unread"))
    expect(mark_read(page, FOLLOW_UP)).to_have_count(0)
    axe_check(page)

    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("status")).to_have_text(f"{unread - 1} messages marked read."
                                                    if unread > 2 else "1 message marked read.")
    expect(_badge(page)).to_have_count(0)
    expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    expect(page.locator(".inbox-unread")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)
    axe_check(page)


def test_the_liaison_turns_off_follow_up_reminders(signed_in):
    page = signed_in(LIAISON)
    page.get_by_role("link", name=re.compile(r"^Inbox")).click()
    page.get_by_role("link", name="Reminder settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminder settings")
    axe_check(page)

    follow_ups = page.get_by_label("Outreach follow-ups")
    expect(follow_ups).to_have_value("both")
    follow_ups.select_option(label="Off")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Reminder settings saved.")
    expect(page.get_by_label("Outreach follow-ups")).to_have_value("off")
    # The other kinds keep their channel.
    expect(page.get_by_label("Upcoming events")).to_have_value("both")
    axe_check(page)

    # Put the shared demo account back as it was for any later test.
    page.get_by_label("Outreach follow-ups").select_option(label="Email and in the tracker")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Reminder settings saved.")


def test_an_inbox_message_links_to_its_event(dispatched, signed_in, base_url):
    page = signed_in(LIAISON)
    page.goto("/inbox")
    link = page.locator(".inbox-item").filter(has_text=VIGIL).get_by_role("link")
    expect(link).to_have_attribute("href", re.compile(rf"^({re.escape(base_url)})?/events/\d+$"),
                                   timeout=2000)
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Candlelight vigil at Public Square Park")
    axe_check(page)
