"""Signing in and out, and user administration, through the test client."""

import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, login
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.extensions import db


def audit_rows(action: str) -> list[AuditRecord]:
    return list(db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def as_json(row: AuditRecord) -> str:
    return json.dumps({c.name: getattr(row, c.name) for c in AuditRecord.__table__.columns},
                      default=str)


def fresh_user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


# --- signing in -----------------------------------------------------------------------


def test_login_success_is_audited(client, make_user):
    user = make_user(Role.LIAISON)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert signed_in(client)
    [row] = audit_rows("auth.login")[-1:]
    assert (row.actor_id, row.outcome, row.object_id) == (user.id, "success", str(user.id))


def test_wrong_password_and_unknown_email_look_the_same(client, make_user):
    user = make_user(Role.PLANNER)
    unknown = "nobody.here@agency.example.com"
    wrong = client.post("/login", data={"email": user.email, "password": "wrong password"})
    missing = client.post("/login", data={"email": unknown, "password": "wrong password"})

    # The pages differ only by the echoed email, which the form keeps for retyping.
    assert wrong.status_code == missing.status_code == 400
    assert (wrong.get_data(as_text=True).replace(user.email, "EMAIL")
            == missing.get_data(as_text=True).replace(unknown, "EMAIL"))
    assert "The email or password is not correct" in wrong.get_data(as_text=True)
    assert not signed_in(client)

    known_row, unknown_row = audit_rows("auth.login")
    assert (known_row.outcome, known_row.actor_id) == ("failure", user.id)
    assert (unknown_row.outcome, unknown_row.actor_id) == ("failure", None)
    # It may be someone's mistyped personal address: it must not be kept.
    assert unknown not in as_json(unknown_row)
    assert "nobody.here" not in as_json(unknown_row)


def test_deactivated_user_cannot_log_in(client, make_user):
    user = make_user(Role.PLANNER)
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)
    assert audit_rows("auth.login")[-1].outcome == "failure"


def stays_on_site(location: str) -> bool:
    """As a browser reads it: backslashes count as slashes in http(s) URLs."""
    parts = urlsplit(location.replace("\\", "/"))
    return not parts.scheme and not parts.netloc and location.startswith("/")


@pytest.mark.parametrize(("target", "expected"), [
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("/\\evil.example/", None),  # kept as a path, but it must not read as "//evil..."
    ("/events/?kind=march", "/events/?kind=march"),
])
def test_next_parameter_stays_on_site(client, make_user, target, expected):
    user = make_user(Role.PLANNER)
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    location = response.headers["Location"]
    assert response.status_code == 302
    assert stays_on_site(location), location
    if expected is not None:
        assert location == expected


def test_logout_is_audited_and_ends_session(client, make_user):
    user = make_user(Role.PLANNER)
    login(client, user)
    assert client.get("/logout").status_code == 405  # GET changes nothing
    response = client.post("/logout")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    [row] = audit_rows("auth.logout")
    assert (row.actor_id, row.outcome) == (user.id, "success")
    assert client.get("/").headers["Location"].startswith("/login")


def test_deactivated_users_session_is_no_longer_accepted(app, client, make_user):
    user = make_user(Role.PLANNER)
    login(client, user)
    assert signed_in(client)
    admin_client = app.test_client()
    login(admin_client, make_user(Role.ADMIN))
    response = admin_client.post(f"/admin/users/{user.id}",
                                 data={"display_name": user.display_name, "roles": ["planner"]})
    assert response.status_code == 302
    assert fresh_user(user.id).active is False

    response = client.get("/events/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- user administration --------------------------------------------------------------


def new_user_form(**overrides) -> dict:
    values = {"email": "casey.jones@agency.example.com", "display_name": "Casey Jones",
              "roles": ["liaison"], "password": "a long enough passphrase"}
    values.update(overrides)
    return values


def test_admin_creates_user(client, login_as):
    admin = login_as(Role.ADMIN)
    response = client.post("/admin/users/new",
                           data=new_user_form(roles=["liaison", "leadership"]))
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/users")
    user = db.session.scalars(select(User).where(User.email == "casey.jones@agency.example.com")
                              ).one()
    assert user.roles == {Role.LIAISON, Role.LEADERSHIP}
    [row] = audit_rows("user.create")[-1:]
    assert (row.actor_id, row.object_id) == (admin.id, str(user.id))
    assert row.changes == {"roles": {"from": [], "to": ["leadership", "liaison"]}}
    login(client.application.test_client(), user, "a long enough passphrase")


@pytest.mark.parametrize(("overrides", "message"), [
    pytest.param({"email": "not-an-email"}, "Enter a valid email address.", id="bad-email"),
    pytest.param({"email": "TAKEN@agency.example.com"}, "A user with this email already exists.",
                 id="duplicate-email"),
    pytest.param({"password": "short"}, "between 8 and 256 characters", id="short-password"),
    pytest.param({"roles": []}, "Choose at least one role.", id="no-role"),
])
def test_admin_create_user_rejects_bad_input(client, login_as, make_user, overrides, message):
    login_as(Role.ADMIN)
    make_user(Role.PLANNER, email="taken@agency.example.com")
    users_before = db.session.scalar(select(func.count(User.id)))
    data = new_user_form(**overrides)

    response = client.post("/admin/users/new", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'value="Casey Jones"' in page
    assert f'value="{data["email"]}"' in page
    assert data["password"] not in page  # a password is never echoed
    assert db.session.scalar(select(func.count(User.id))) == users_before


def test_admin_changes_roles_and_it_is_audited(client, login_as, make_user):
    admin = login_as(Role.ADMIN)
    user = make_user(Role.PLANNER)
    response = client.post(f"/admin/users/{user.id}", data={
        "display_name": user.display_name, "roles": ["liaison", "leadership"], "active": "y"})
    assert response.status_code == 302
    assert fresh_user(user.id).roles == {Role.LIAISON, Role.LEADERSHIP}
    [row] = audit_rows("user.role_change")
    assert (row.actor_id, row.object_id) == (admin.id, str(user.id))
    assert row.changes == {"roles": {"from": ["planner"], "to": ["leadership", "liaison"]}}


def test_admin_edit_ignores_privileged_fields(client, login_as, make_user):
    login_as(Role.ADMIN)
    user = make_user(Role.PLANNER, email="kept@agency.example.com")
    response = client.post(f"/admin/users/{user.id}", data={
        "display_name": "Renamed", "roles": ["planner"], "active": "y",
        "email": "changed@agency.example.com", "password_hash": "x", "id": "77"})
    assert response.status_code == 302
    saved = fresh_user(user.id)
    assert (saved.display_name, saved.email) == ("Renamed", "kept@agency.example.com")
    assert saved.password_hash != "x"


@pytest.mark.parametrize(("data", "message"), [
    ({"roles": ["planner"], "active": "y"}, "You cannot remove your own administrator role."),
    ({"roles": ["admin"]}, "You cannot deactivate your own account."),
])
def test_admin_cannot_lock_themself_out(client, login_as, data, message):
    admin = login_as(Role.ADMIN)
    response = client.post(f"/admin/users/{admin.id}",
                           data={"display_name": admin.display_name, **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    saved = fresh_user(admin.id)
    assert (saved.roles, saved.active) == ({Role.ADMIN}, True)
    assert audit_rows("user.role_change") == audit_rows("user.update") == []
