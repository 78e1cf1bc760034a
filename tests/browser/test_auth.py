"""Signing in and out in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PLANNER, axe_check, sign_in

pytestmark = pytest.mark.browser


def test_wrong_password_shows_an_error_and_stays_on_login(page: Page, base_url):
    page.goto("/login")
    axe_check(page)
    page.locator("#email").fill(PLANNER)
    page.locator("#password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("The email or password is not correct")
    expect(page).to_have_url(f"{base_url}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe_check(page)


def test_sign_in_lands_on_dashboard_and_sign_out_returns_to_login(page: Page, base_url):
    sign_in(page, PLANNER)
    # The header names who is signed in, so a shared terminal shows whose session it is.
    expect(page.locator(".account-name")).to_contain_text("Pat Planner")
    axe_check(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/login")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    axe_check(page)

    # The session is really gone: the dashboard now sends us back to sign in.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe_check(page)
