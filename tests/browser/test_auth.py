"""Signing in and out in a real browser: the system-use notice, password, authenticator
code, first-time set-up of the authenticator, lockout and an administrator's unlock."""

import re
import uuid

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ADMIN,
    PLANNER,
    _live,
    authenticator_code,
    axe_check,
    run_command,
    sign_in,
)

pytestmark = pytest.mark.browser


def password_step(page: Page, email: str, password: str, acknowledge: bool = True) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    if acknowledge:
        page.get_by_label("I have read the notice above").check()
    page.get_by_role("button", name="Sign in").click()


def test_wrong_password_shows_an_error_and_stays_on_login(page: Page, base_url):
    page.goto("/login")
    expect(page.get_by_role("heading", name="System-use notice")).to_be_visible()
    axe_check(page)
    password_step(page, PLANNER, "not the password")

    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")
    expect(page).to_have_url(f"{base_url}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("#email")).to_have_value(PLANNER)  # kept for retyping
    axe_check(page)


def test_notice_must_be_acknowledged(page: Page, base_url):
    password_step(page, PLANNER, "nashville-demo-2026", acknowledge=False)
    expect(page.get_by_role("alert")).to_contain_text(
        "Acknowledge the system-use notice to sign in.")
    expect(page).to_have_url(f"{base_url}/login")
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


def test_wrong_code_is_explained_on_the_code_page(page: Page):
    password_step(page, PLANNER, "nashville-demo-2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    axe_check(page)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    axe_check(page)
    # Recovering with the right code clears the failure count.
    page.get_by_label("Code").fill(authenticator_code(PLANNER))
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def new_account(name: str) -> tuple[str, str]:
    email = f"{name}.{uuid.uuid4().hex[:8]}@agency.example.com"
    password = "a long enough passphrase"
    run_command(_live["app"], "create-user", email, "--name", name.title(),
                "--role", "planner", "--password-stdin", input=password)
    return email, password


def test_first_sign_in_sets_up_the_authenticator(page: Page):
    email, password = new_account("robin")
    password_step(page, email, password)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    axe_check(page)

    secret = page.locator("#setup-key").inner_text().replace(" ", "")
    page.get_by_label("Code").fill("123456" if pyotp.TOTP(secret).now() != "123456"
                                   else "654321")
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That code does not match")

    code = pyotp.TOTP(secret).at(_live["clock"].advance())
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
           ).to_have_count(10)
    axe_check(page)
    page.get_by_role("link", name="I have stored them: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    page.get_by_role("link", name=re.compile("Robin")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text("10 unused recovery codes left.")).to_be_visible()
    axe_check(page)


def test_lockout_and_unlock_by_an_administrator(page: Page, signed_in):
    email, password = new_account("kim")
    for _ in range(5):
        password_step(page, email, "wrong password here")
        expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")
    # Locked: the right password gets the same answer.
    password_step(page, email, password)
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")

    admin = signed_in(ADMIN)
    admin.goto("/admin/users")
    row = admin.get_by_role("row").filter(has=admin.get_by_role("cell", name=email))
    expect(row).to_contain_text("Locked")
    row.get_by_role("link").click()
    expect(admin.get_by_text("Locked after repeated failed sign-ins")).to_be_visible()
    axe_check(admin)
    admin.get_by_role("button", name="Unlock account").click()
    expect(admin.get_by_role("status")).to_contain_text("can sign in again")

    password_step(page, email, password)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up your authenticator app")
