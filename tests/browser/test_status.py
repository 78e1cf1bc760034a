"""Moving events through their lifecycle in a real browser, including a blocked approval."""


import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LEADERSHIP, PLANNER, axe_check, record_event, unique

pytestmark = pytest.mark.browser


def _open_event(page: Page, title: str) -> None:
    page.goto("/events/")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_leadership_approves_a_plan_that_has_planner_and_liaison(signed_in):
    # A seeded demo event, in Planning with a planner and a liaison; no other test moves it.
    page = signed_in(LEADERSHIP)
    _open_event(page, "Metro Council public meeting")
    expect(page.locator(".status-large")).to_have_text("Planning")
    axe_check(page)

    page.get_by_role("button", name="Approve plan").click()
    expect(page.locator(".status-large")).to_have_text("Plan approved")
    expect(page.get_by_role("status")).to_have_text("Status changed to plan approved.")
    expect(page.locator(".history")).to_contain_text("planning → plan approved by Lou Leadership")
    # Approving again is no longer offered.
    expect(page.get_by_role("button", name="Approve plan")).to_have_count(0)
    axe_check(page)


def test_approval_is_blocked_until_a_liaison_is_named(signed_in):
    planner = signed_in(PLANNER)
    title = unique("Rally without a liaison")
    record_event(planner, title, liaison=None)
    expect(planner.locator("dl.facts")).to_contain_text("Unassigned")
    planner.get_by_role("button", name="Start planning").click()
    expect(planner.locator(".status-large")).to_have_text("Planning")
    # Planners cannot approve their own plans.
    expect(planner.get_by_role("button", name="Approve plan")).to_have_count(0)
    axe_check(planner)

    page = signed_in(LEADERSHIP)
    _open_event(page, title)
    page.get_by_role("button", name="Approve plan").click()

    blocked = page.get_by_role("alert")
    expect(blocked).to_contain_text("The status was not changed")
    expect(blocked).to_contain_text(
        "Name a liaison officer as the organizers' point of contact.")
    # Leadership cannot open the edit page, so that reason is not offered as a link.
    expect(blocked.get_by_role(
        "link", name="Name a liaison officer as the organizers' point of contact.")
    ).to_have_count(0)
    expect(blocked.locator("a[href$='/edit']")).to_have_count(0)
    expect(page.locator(".status-large")).to_have_text("Planning")
    axe_check(page)
