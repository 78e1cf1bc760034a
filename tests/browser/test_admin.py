"""An administrator adds a user in a real browser."""

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
