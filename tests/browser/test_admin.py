"""An administrator adds a user in a real browser."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, axe_check, sign_in

pytestmark = pytest.mark.browser


def test_admin_adds_a_user_with_two_roles(page: Page):
    sign_in(page, ADMIN)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    axe_check(page)

    page.get_by_role("link", name="Add a user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a user")
    axe_check(page)

    email = f"dana.{uuid.uuid4().hex[:8]}@agency.example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Dana Dual-Role")
    roles = page.get_by_role("group", name="Roles")
    roles.get_by_label("Planner").check()
    roles.get_by_label("Liaison officer").check()
    page.get_by_label("Initial password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create user").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    expect(page.get_by_role("status")).to_have_text("User Dana Dual-Role created.")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=email, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Dana Dual-Role")
    expect(row).to_contain_text("Liaison officer, Planner")
    expect(row).to_contain_text("Active")
    axe_check(page)

    # Unticking "Account active" asks first, on a page that names the person.
    row.get_by_role("link", name="Dana Dual-Role").click()
    page.get_by_label("Account active").uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Dana Dual-Role?")
    expect(page.locator("main")).to_contain_text(email)
    expect(page.locator("main")).to_contain_text("signed out everywhere")
    axe_check(page)
    # With the keyboard: the confirming button is reached and pressed without a mouse.
    page.get_by_role("button", name="Deactivate and sign out").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    expect(row).to_contain_text("Deactivated")


def test_removing_a_template_item_asks_first(page: Page):
    sign_in(page, ADMIN)
    page.goto("/admin/checklist/")
    page.get_by_role("link", name="Remove").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remove the checklist item")
    expect(page.locator("main")).to_contain_text("publishes checklist version")
    axe_check(page)
    # Keeping it leaves the template as it was.
    page.get_by_role("link", name="Keep it").click()
    expect(page).to_have_url(re.compile(r"/admin/checklist/$"))
