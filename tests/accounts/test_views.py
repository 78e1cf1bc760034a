"""User administration through the test client (signing in: tests/security/)."""

import pytest
from sqlalchemy import func, select

from tests.support.accounts import audit_rows, fresh_user
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.extensions import db

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
    # The new user's first sign-in: password, then setting up the authenticator.
    response = client.application.test_client().post("/login", data={
        "email": user.email, "password": "a long enough passphrase", "acknowledge": "y"})
    assert response.headers["Location"] == "/login/enrol"


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
