"""Signing in (system-use notice, password, second factor), lockout and sign-out, through
the test client. SECURITY.md S-4, S-5, S-7; sessions are in test_auth_sessions.py."""

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, current_code, login
from tests.support.accounts import as_json, audit_rows, fresh_user, signed_in
from tracker.accounts.models import RecoveryCode, SignInFailure
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.extensions import db


def password_step(client, email, password=PASSWORD, acknowledge=True, **kwargs):
    data = {"email": email, "password": password}
    if acknowledge:
        data["acknowledge"] = "y"
    return client.post("/login", data=data, **kwargs)


def code_step(client, code):
    return client.post("/login/code", data={"code": code})


# --- the system-use notice (S-7) ---------------------------------------------------------


def test_sign_in_page_shows_the_configured_notice(app, client):
    app.config["SYSTEM_USE_NOTICE"] = "Authorized use only: Metro Nashville PD notice."
    page = client.get("/login").get_data(as_text=True)
    assert "Authorized use only: Metro Nashville PD notice." in page
    assert 'name="acknowledge"' in page


def test_sign_in_refused_without_acknowledging_the_notice(client, make_user):
    user = make_user(Role.PLANNER)
    response = password_step(client, user.email, acknowledge=False)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Acknowledge the system-use notice to sign in." in page
    assert user.email in page  # what was typed is kept
    # Not even the second step is reachable.
    assert client.get("/login/code").headers["Location"] == "/login"
    assert not signed_in(client)
    assert audit_rows("auth.login") == []


# --- password then code (S-5) --------------------------------------------------------------


def test_sign_in_takes_password_then_code_and_is_audited(client, make_user, totp_clock):
    user = make_user(Role.LIAISON)
    response = password_step(client, user.email)
    assert (response.status_code, response.headers["Location"]) == (302, "/login/code")
    assert not signed_in(client)  # the password alone signs no one in
    page = client.get("/login/code").get_data(as_text=True)
    assert 'name="code"' in page

    response = code_step(client, current_code(user, totp_clock))
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert signed_in(client)
    [row] = audit_rows("auth.login")
    assert (row.actor_id, row.outcome, row.object_id) == (user.id, "success", str(user.id))
    assert fresh_user(user.id).last_login_at is not None


def test_wrong_code_is_refused_keeps_the_step_and_is_audited(client, make_user):
    user = make_user(Role.PLANNER)
    password_step(client, user.email)
    response = code_step(client, "000000")
    assert response.status_code == 400
    assert "That code is not right" in response.get_data(as_text=True)
    assert not signed_in(client)
    [row] = audit_rows("auth.login")
    assert (row.outcome, json.loads(json.dumps(row.changes))) == (
        "failure", {"step": "code"})


def test_a_code_works_once(client, app, make_user, totp_clock):
    user = make_user(Role.PLANNER)
    password_step(client, user.email)
    code = current_code(user, totp_clock)
    assert code_step(client, code).status_code == 302
    client.post("/logout")

    # The same code, still inside its 30 seconds, from another browser: refused.
    other = app.test_client()
    password_step(other, user.email)
    assert code_step(other, code).status_code == 400
    assert not signed_in(other)
    # An earlier code (replayed from a recording) is refused too.
    earlier = pyotp.TOTP(user.totp_secret).at(totp_clock.now - 30)
    assert code_step(other, earlier).status_code == 400


@pytest.mark.parametrize(("phone_offset", "status"), [
    (-30, 302), (30, 302),   # one step of drift either side is forgiven
    (-60, 400), (60, 400),   # two are not
])
def test_clock_drift_of_one_step_only(client, make_user, totp_clock, phone_offset, status):
    user = make_user(Role.PLANNER)
    password_step(client, user.email)
    totp_clock.advance(300)
    code = pyotp.TOTP(user.totp_secret).at(totp_clock.now + phone_offset)
    assert code_step(client, code).status_code == status


def test_code_page_without_the_password_step_sends_to_sign_in(client, make_user):
    make_user(Role.PLANNER)
    for method in (client.get, client.post):
        response = method("/login/code")
        assert (response.status_code, response.headers["Location"]) == (302, "/login")
    response = client.post("/login/code", data={"code": "123456"})
    assert response.headers["Location"] == "/login"


def test_password_step_expires_after_five_minutes(client, make_user, monkeypatch,
                                                  totp_clock):
    user = make_user(Role.PLANNER)
    password_step(client, user.email)
    later = utcnow() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr("tracker.accounts.views.utcnow", lambda: later)
    response = code_step(client, current_code(user, totp_clock))
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


@pytest.mark.parametrize(("target", "expected"), [
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("/\\evil.example/", None),  # kept as a path, but it must not read as "//evil..."
    ("/events/?kind=march", "/events/?kind=march"),
])
def test_next_parameter_stays_on_site(client, make_user, totp_clock, target, expected):
    user = make_user(Role.PLANNER)
    password_step(client, user.email, query_string={"next": target})
    response = code_step(client, current_code(user, totp_clock))
    location = response.headers["Location"]
    assert response.status_code == 302
    parts = urlsplit(location.replace("\\", "/"))  # as a browser reads it
    assert not parts.scheme and not parts.netloc and location.startswith("/"), location
    if expected is not None:
        assert location == expected


# --- recovery codes ------------------------------------------------------------------------


def enrol(client, user, totp_clock) -> list[str]:
    """First sign-in of a user without a factor; returns the recovery codes shown."""
    response = password_step(client, user.email)
    assert response.headers["Location"] == "/login/enrol"
    user = fresh_user(user.id)
    response = client.post("/login/enrol", data={"code": current_code(user, totp_clock)})
    assert response.status_code == 200
    return re.findall(r"<code>([a-z0-9-]{14})</code>", response.get_data(as_text=True))


def test_first_sign_in_enrols_with_qr_code_and_manual_key(client, make_user, totp_clock):
    user = make_user(Role.PLANNER, enrolled=False)
    response = password_step(client, user.email)
    assert response.headers["Location"] == "/login/enrol"
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = fresh_user(user.id).totp_secret
    assert "<svg" in page and "<script" not in page
    assert secret[:4] in page.replace(" ", "")  # the key, for typing by hand
    assert not signed_in(client)

    assert client.post("/login/enrol", data={"code": "000000"}).status_code == 400
    assert fresh_user(user.id).totp_enrolled_at is None

    response = client.post("/login/enrol",
                           data={"code": current_code(fresh_user(user.id), totp_clock)})
    codes = re.findall(r"<code>([a-z0-9-]{14})</code>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert signed_in(client)
    assert fresh_user(user.id).totp_enrolled_at is not None
    assert [r.outcome for r in audit_rows("user.mfa_enrol")] == ["success"]
    # Only hashes are kept.
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)


def test_recovery_code_signs_in_once(app, client, make_user, totp_clock):
    user = make_user(Role.PLANNER, enrolled=False)
    codes = enrol(client, user, totp_clock)
    client.post("/logout")

    password_step(client, user.email)
    assert code_step(client, codes[0].upper()).status_code == 302  # case and dashes forgiven
    assert signed_in(client)
    client.post("/logout")

    password_step(client, user.email)
    assert code_step(client, codes[0]).status_code == 400
    [row] = audit_rows("auth.recovery_code_used")
    assert row.changes == {"recovery_codes_left": 9}


def test_new_recovery_codes_replace_the_old(client, make_user, totp_clock):
    user = make_user(Role.PLANNER, enrolled=False)
    old = enrol(client, user, totp_clock)
    page = client.post("/account/recovery-codes").get_data(as_text=True)
    new = re.findall(r"<code>([a-z0-9-]{14})</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    password_step(client, user.email)
    assert code_step(client, old[1]).status_code == 400
    assert code_step(client, new[1]).status_code == 302


# --- unknown, wrong, disabled, locked: one answer (S-4) ------------------------------------


def refusal_page(response, email):
    return response.get_data(as_text=True).replace(email, "EMAIL")


def test_wrong_password_unknown_email_disabled_and_locked_look_the_same(client, make_user):
    user = make_user(Role.PLANNER)
    disabled = make_user(Role.PLANNER)
    disabled.active = False
    locked = make_user(Role.PLANNER)
    locked.locked_at = utcnow()
    db.session.commit()
    unknown = "nobody.here@agency.example.com"

    answers = [
        password_step(client, user.email, "wrong password"),
        password_step(client, unknown, "wrong password"),
        password_step(client, disabled.email),          # right password
        password_step(client, locked.email),            # right password
    ]
    emails = [user.email, unknown, disabled.email, locked.email]
    assert {r.status_code for r in answers} == {400}
    pages = {refusal_page(r, e) for r, e in zip(answers, emails, strict=True)}
    assert len(pages) == 1
    assert "Sign-in failed" in pages.pop()
    assert not signed_in(client)

    rows = audit_rows("auth.login")
    assert [(r.outcome, r.actor_id) for r in rows] == [
        ("failure", user.id), ("failure", None), ("failure", disabled.id),
        ("failure", locked.id)]
    # It may be someone's mistyped personal address: it must not be kept.
    assert unknown not in as_json(rows[1]) and "nobody.here" not in as_json(rows[1])


def test_account_locks_at_exactly_five_failures(client, make_user, totp_clock):
    user = make_user(Role.PLANNER)
    for _ in range(4):
        assert password_step(client, user.email, "wrong password").status_code == 400
    assert fresh_user(user.id).locked_at is None
    # The fifth failure may be a wrong code: both count.
    password_step(client, user.email)
    assert code_step(client, "000000").status_code == 302  # back to the start, locked
    assert fresh_user(user.id).locked_at is not None
    [lock] = audit_rows("user.lock")
    assert (lock.object_id, lock.changes["failures"]) == (str(user.id), 5)

    # The right password and a right code no longer help.
    assert password_step(client, user.email).status_code == 400
    assert client.get("/login/code").headers["Location"] == "/login"
    assert not signed_in(client)


def test_four_failures_then_success_clears_the_count(client, make_user):
    user = make_user(Role.PLANNER)
    for _ in range(4):
        password_step(client, user.email, "wrong password")
    login(client, user)
    assert signed_in(client)
    assert db.session.scalar(select(func.count(SignInFailure.id))) == 0


def test_failures_older_than_the_window_do_not_count(client, make_user, monkeypatch):
    user = make_user(Role.PLANNER)
    start = utcnow()
    monkeypatch.setattr("tracker.accounts.views.utcnow", lambda: start)
    for _ in range(4):
        password_step(client, user.email, "wrong password")
    monkeypatch.setattr("tracker.accounts.views.utcnow",
                        lambda: start + timedelta(minutes=15, seconds=1))
    password_step(client, user.email, "wrong password")
    assert fresh_user(user.id).locked_at is None


def test_unknown_email_never_locks_anything(client, make_user):
    user = make_user(Role.PLANNER)
    for _ in range(6):
        password_step(client, "nobody@agency.example.com", "wrong password")
    login(client, user)
    assert signed_in(client)


def test_admin_unlocks_and_it_is_audited(app, client, make_user, login_as):
    user = make_user(Role.PLANNER)
    for _ in range(5):
        password_step(client, user.email, "wrong password")
    assert fresh_user(user.id).locked_at is not None

    admin_client = app.test_client()
    admin = make_user(Role.ADMIN)
    login(admin_client, admin)
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Locked" in page
    response = admin_client.post(f"/admin/users/{user.id}/unlock")
    assert response.status_code == 302
    assert fresh_user(user.id).locked_at is None
    [row] = audit_rows("user.unlock")
    assert (row.actor_id, row.object_id) == (admin.id, str(user.id))

    login(client, user)
    assert signed_in(client)
    # Unlocking an account that is not locked says so and changes nothing.
    response = admin_client.post(f"/admin/users/{user.id}/unlock", follow_redirects=True)
    assert "This account is not locked." in response.get_data(as_text=True)
    assert len(audit_rows("user.unlock")) == 1


# --- sign-out ------------------------------------------------------------------------------


def test_logout_is_audited_and_ends_the_session(client, make_user):
    user = make_user(Role.PLANNER)
    login(client, user)
    assert client.get("/logout").status_code == 405  # GET changes nothing
    response = client.post("/logout")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    [row] = audit_rows("auth.logout")
    assert (row.actor_id, row.outcome) == (user.id, "success")
    assert client.get("/").headers["Location"].startswith("/login")
