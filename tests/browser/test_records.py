"""The information records in a real browser: a planner adds a register item and records
its destruction, proposes keeping another that a privacy officer approves, records a
release to another agency; the privacy officer sees the demo's past-due item. axe runs
on every records page."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PLANNER, PRIVACY, axe_check, record_event, unique

pytestmark = pytest.mark.browser
ITEM_LINK = re.compile(r"^Item \d+$")


def _h1(page: Page):
    return page.get_by_role("heading", level=1)


def _open_records(page: Page, event_url: str) -> None:
    page.goto(event_url)
    page.get_by_role("link", name="Information records", exact=True).click()
    expect(_h1(page)).to_have_text("Information records")


def _add_item(page: Page, description: str, category: str = "Open-source post") -> None:
    page.get_by_role("link", name="Add a register item").click()
    expect(_h1(page)).to_have_text("Add a register item")
    page.get_by_label("Category").select_option(label=category)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Source").fill("Public page of the organizers")
    page.get_by_label("Purpose").fill("Traffic planning for the route")
    page.get_by_role("button", name="Add to the register").click()
    expect(page.get_by_role("status")).to_have_text("Item added to the register.")


def test_register_item_destroyed_kept_and_a_release(signed_in):
    page = signed_in(PLANNER)
    title = unique("Records rally")
    event_url = record_event(page, title)
    _open_records(page, event_url)
    axe_check(page)

    # A bad item: errors on the fields, what was typed kept, axe on the error page.
    page.get_by_role("link", name="Add a register item").click()
    axe_check(page)
    page.get_by_label("Source").fill("Officer's notes")
    page.get_by_label("The item concerns or identifies individuals").check()
    page.get_by_role("button", name="Add to the register").click()
    expect(page.locator("#description-error")).to_contain_text("This field is required.")
    expect(page.get_by_label("Source")).to_have_value("Officer's notes")
    axe_check(page)
    page.get_by_role("link", name="Cancel").click()

    _add_item(page, "Public post announcing the assembly time")
    expect(page.get_by_text("Public post announcing the assembly time")).to_be_visible()
    page.get_by_role("link", name=ITEM_LINK).first.click()
    expect(_h1(page)).to_contain_text("Register item")
    axe_check(page)
    page.get_by_label("How it was destroyed").fill("Screenshot deleted from the drive")
    page.get_by_role("button", name="Record destruction").click()
    expect(page.get_by_role("status")).to_have_text("Destruction recorded.")
    expect(page.get_by_role("cell", name="Destroyed", exact=False)).to_be_visible()

    # A second item, proposed for keeping; a privacy officer approves it.
    _add_item(page, "Incident report of a damaged bench", category="Report")
    page.get_by_role("link", name=ITEM_LINK).last.click()
    item_url = page.url
    page.get_by_label("Records schedule").fill("Criminal case file CR-7")
    page.get_by_label("Justification").fill("Evidence in the property-damage case 26-1.")
    page.get_by_label("Kept until").fill("2030-01-01")
    page.get_by_role("button", name="Propose keeping it").click()
    expect(page.get_by_role("status")).to_contain_text("Proposal to keep the item")

    officer = signed_in(PRIVACY)
    officer.goto(item_url)
    expect(officer.get_by_role("heading", name="Decide on keeping it")).to_be_visible()
    axe_check(officer)
    officer.get_by_label("Approve keeping it").check()
    officer.get_by_role("button", name="Record the decision").click()
    expect(officer.get_by_role("status")).to_have_text("Decision recorded.")
    expect(officer.get_by_role("cell", name="Kept (approved)")).to_be_visible()

    # A release to another agency.
    _open_records(page, event_url)
    page.get_by_role("link", name="Record a release").click()
    expect(_h1(page)).to_have_text("Record a release outside the agency")
    axe_check(page)
    page.get_by_label("What was released").select_option(label="Register items")
    page.get_by_label("Which").fill("The incident report")
    page.get_by_label("Receiving agency").fill("Office of the District Attorney")
    page.get_by_label("Receiving role or office").fill("Property crimes unit")
    page.get_by_label("Need to know and right to know").fill(
        "Prosecution of the property-damage case.")
    page.get_by_label("Authority").fill("Criminal case referral policy 4.12")
    page.get_by_label("How it was sent").select_option(label="Secure portal")
    page.get_by_role("button", name="Record the release").click()
    expect(page.get_by_role("status")).to_have_text(
        "Release recorded in the dissemination log.")
    expect(page.get_by_text("Office of the District Attorney")).to_be_visible()
    axe_check(page)


def test_the_privacy_officer_sees_the_demo_item_past_due(signed_in):
    page = signed_in(PRIVACY)
    expect(page.get_by_role("heading", name="Register items past due", exact=False)
           ).to_be_visible()
    page.get_by_role("link", name="All items needing a decision", exact=False).click()
    expect(_h1(page)).to_have_text("Register items needing a decision")
    axe_check(page)
    expect(page.get_by_text("Broadway holiday parade").first).to_be_visible()
