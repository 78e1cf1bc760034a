"""Server-side sessions: new id at sign-in, cookie flags, replay after sign-out refused,
sessions ended by deactivation and password or factor resets, idle and absolute limits
on a fixed clock. SECURITY.md S-1, S-2, S-3."""

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import PASSWORD, current_code, login
from tracker import create_app
from tracker.accounts.models import User, UserSession
from tracker.accounts.passwords import verify_password
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.extensions import db


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def cookie(client) -> str | None:
    found = client.get_cookie("session")
    return found.value if found else None


def replay(app, value: str):
    """A second browser holding a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def live_sessions(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))))


def at(monkeypatch, moment):
    monkeypatch.setattr("tracker.accounts.loader.utcnow", lambda: moment)


# --- S-1 ---------------------------------------------------------------------------------


def test_each_sign_in_gets_a_new_session(app, client, make_user, totp_clock):
    user = make_user(Role.PLANNER)
    client.post("/login", data={"email": user.email, "password": PASSWORD,
                                "acknowledge": "y"})
    before = cookie(client)
    client.post("/login/code", data={"code": current_code(user, totp_clock)})
    first = cookie(client)
    assert first != before
    client.post("/logout")
    login(client, user)
    second = cookie(client)
    assert second not in (before, first)
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                              ).all()
    assert len(rows) == 2 and rows[0].token_hash != rows[1].token_hash
    assert [r.end_reason for r in rows] == ["signed_out", None]


def test_cookie_flags(client, make_user):
    user = make_user(Role.PLANNER)
    response = login(client, user)
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    # A browser session cookie: no expiry date, so it does not outlive the browser, and
    # no remember-me cookie at all.
    assert "Expires=" not in header
    assert all("remember_token" not in h for h in response.headers.getlist("Set-Cookie"))


def test_cookie_is_secure_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"PRODUCTION": True, "SECRET_KEY": "configured-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")


# --- S-2 ---------------------------------------------------------------------------------


def test_copied_cookie_is_refused_after_sign_out(app, client, make_user):
    user = make_user(Role.PLANNER)
    login(client, user)
    copied = cookie(client)
    assert signed_in(replay(app, copied))  # the copy works while the session lives

    client.post("/logout")
    thief = replay(app, copied)
    response = thief.get("/events/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert live_sessions(user) == []


def test_deactivation_ends_sessions(app, client, make_user):
    user = make_user(Role.PLANNER)
    login(client, user)
    copied = cookie(client)
    admin_client = app.test_client()
    login(admin_client, make_user(Role.ADMIN))
    form = {"display_name": user.display_name, "roles": ["planner"]}
    asked = admin_client.post(f"/admin/users/{user.id}", data=form)
    assert asked.status_code == 200 and live_sessions(user) != []  # asked first
    response = admin_client.post(f"/admin/users/{user.id}",
                                 data={**form, "confirm_deactivate": "yes"})
    assert response.status_code == 302
    assert live_sessions(user) == []
    assert not signed_in(client)
    assert not signed_in(replay(app, copied))


def test_own_password_change_ends_other_sessions_only(app, client, make_user):
    user = make_user(Role.PLANNER)
    login(client, user)
    laptop = app.test_client()
    login(laptop, user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase here"})
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(laptop)
    assert len(live_sessions(user)) == 1
    row = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "user.password_change")).one()
    assert row.changes == {"password": "changed"}  # never the password itself


def test_password_change_needs_the_current_password_and_keeps_input(client, make_user):
    user = make_user(Role.PLANNER)
    login(client, user)
    response = client.post("/account/password", data={
        "current_password": "not it at all", "new_password": "a brand new passphrase"})
    assert response.status_code == 400
    assert "The current password is not correct." in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "password"})
    assert response.status_code == 400
    assert "too common" in response.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)


def test_admin_password_reset_ends_the_users_sessions(app, client, make_user):
    user = make_user(Role.PLANNER)
    login(client, user)
    admin_client = app.test_client()
    login(admin_client, make_user(Role.ADMIN))
    response = admin_client.post(f"/admin/users/{user.id}/password",
                                 data={"password": "temporary passphrase 42"})
    assert response.status_code == 302
    assert not signed_in(client)
    login(client, user, password="temporary passphrase 42")
    assert signed_in(client)


def test_admin_password_reset_refuses_a_banned_password(app, make_user, login_as, client):
    user = make_user(Role.PLANNER)
    login_as(Role.ADMIN)
    response = client.post(f"/admin/users/{user.id}/password", data={"password": "password1"})
    assert response.status_code == 400
    assert "too common" in response.get_data(as_text=True)


def test_factor_reset_ends_sessions_and_asks_to_enrol_again(app, client, make_user):
    user = make_user(Role.PLANNER)
    login(client, user)
    admin_client = app.test_client()
    admin = make_user(Role.ADMIN)
    login(admin_client, admin)
    assert admin_client.post(f"/admin/users/{user.id}/reset-factor").status_code == 302
    assert not signed_in(client)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "acknowledge": "y"})
    assert response.headers["Location"] == "/login/enrol"
    row = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "user.mfa_reset")).one()
    assert (row.actor_id, row.object_id) == (admin.id, str(user.id))


def test_admin_cannot_reset_own_factor(client, login_as):
    admin = login_as(Role.ADMIN)
    response = client.post(f"/admin/users/{admin.id}/reset-factor", follow_redirects=True)
    assert "Ask another administrator" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).totp_secret is not None


# --- S-3 on a fixed clock ------------------------------------------------------------------


def test_idle_timeout_boundary(client, make_user, monkeypatch):
    user = make_user(Role.PLANNER)
    login(client, user)
    [row] = live_sessions(user)
    start = row.last_seen_at
    at(monkeypatch, start + timedelta(minutes=29, seconds=59))
    assert signed_in(client)  # and this request counts as activity
    at(monkeypatch, start + timedelta(minutes=59, seconds=58))
    assert signed_in(client)
    at(monkeypatch, start + timedelta(minutes=89, seconds=59))
    assert not signed_in(client)
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).end_reason == "idle"
    ended = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "auth.session_end")).one()
    assert ended.changes == {"reason": "idle"}


def test_idle_timeout_just_after_thirty_minutes(client, make_user, monkeypatch):
    user = make_user(Role.PLANNER)
    login(client, user)
    [row] = live_sessions(user)
    at(monkeypatch, row.last_seen_at + timedelta(minutes=30, seconds=1))
    response = client.get("/events/")
    assert response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended" in page


def test_absolute_limit_ends_an_active_session_at_twelve_hours(client, make_user,
                                                               monkeypatch):
    user = make_user(Role.PLANNER)
    login(client, user)
    [row] = live_sessions(user)
    start = row.created_at
    moment = start
    while moment < start + timedelta(hours=11, minutes=50):
        moment += timedelta(minutes=20)
        at(monkeypatch, moment)
        assert signed_in(client), moment - start
    at(monkeypatch, start + timedelta(hours=12, seconds=1))
    assert not signed_in(client)
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).end_reason == "absolute"


def test_limits_are_configurable(app, client, make_user, monkeypatch):
    app.config["SESSION_IDLE_MINUTES"] = 5
    user = make_user(Role.PLANNER)
    login(client, user)
    [row] = live_sessions(user)
    at(monkeypatch, row.last_seen_at + timedelta(minutes=5, seconds=1))
    assert not signed_in(client)


def test_session_of_another_user_id_is_refused(app, client, make_user):
    """The cookie is signed, but even a forged user id cannot borrow another's session."""
    user = make_user(Role.PLANNER)
    other = make_user(Role.ADMIN)
    login(client, user)
    with client.session_transaction() as sess:
        sess["_user_id"] = str(other.id)
    assert not signed_in(client)
