"""Account services called directly."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW, PASSWORD
from tracker.accounts import services
from tracker.accounts.passwords import verify_password
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.errors import ValidationError
from tracker.extensions import db


def _audit(action):
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_create_user_hashes_password_and_audits(make_user):
    admin = make_user(Role.ADMIN)
    user = services.create_user(admin, email="  New.Person@Agency.Example.com ",
                                display_name="New Person", roles=["planner", "liaison"],
                                password=PASSWORD, now=NOW)
    db.session.commit()
    assert user.email == "new.person@agency.example.com"
    assert user.roles == {Role.PLANNER, Role.LIAISON}
    assert user.password_hash != PASSWORD and user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, PASSWORD)
    row = _audit("user.create")[-1]
    assert row.actor_id == admin.id and row.object_id == str(user.id)
    assert row.changes == {"roles": {"from": [], "to": ["liaison", "planner"]}}
    assert PASSWORD not in str(row.changes)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"email": "not-an-email"}, "email"),
    ({"roles": []}, "roles"),
    ({"roles": ["superuser"]}, "roles"),
    ({"password": "short"}, "password"),
    ({"password": "x" * 257}, "password"),
    ({"display_name": "   "}, "display_name"),
])
def test_create_user_rejects_bad_input(app, kwargs, field):
    values = {"email": "a@agency.example.com", "display_name": "A", "roles": ["planner"],
              "password": PASSWORD, **kwargs}
    with pytest.raises(ValidationError) as err:
        services.create_user(None, now=NOW, **values)
    assert err.value.field == field


def test_long_passphrase_is_not_truncated(app):
    passphrase = "a long passphrase " * 10  # 180 characters
    user = services.create_user(None, email="p@agency.example.com", display_name="P",
                                roles=["planner"], password=passphrase, now=NOW)
    assert verify_password(user.password_hash, passphrase)
    assert not verify_password(user.password_hash, passphrase[:-1])


def test_duplicate_email_is_refused_case_insensitively(make_user):
    make_user(email="dup@agency.example.com")
    with pytest.raises(ValidationError, match="already exists"):
        services.create_user(None, email="DUP@agency.example.com", display_name="Again",
                             roles=["planner"], password=PASSWORD, now=NOW)


def test_role_change_is_audited_with_from_and_to(make_user):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.PLANNER)
    services.update_user(admin, user, display_name=user.display_name,
                         roles=["planner", "privacy_officer"], active=True, now=NOW)
    db.session.commit()
    row = _audit("user.role_change")[-1]
    assert row.changes["roles"] == {"from": ["planner"],
                                    "to": ["planner", "privacy_officer"]}
    assert user.roles == {Role.PLANNER, Role.PRIVACY_OFFICER}


def test_unchanged_user_writes_no_audit(make_user):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.PLANNER)
    services.update_user(admin, user, display_name=user.display_name, roles=["planner"],
                         active=True, now=NOW)
    assert _audit("user.update") == [] and _audit("user.role_change") == []


def test_admin_cannot_lock_themselves_out(make_user):
    admin = make_user(Role.ADMIN)
    with pytest.raises(ValidationError, match="own administrator role"):
        services.update_user(admin, admin, display_name="A", roles=["planner"], active=True,
                             now=NOW)
    with pytest.raises(ValidationError, match="deactivate your own"):
        services.update_user(admin, admin, display_name="A", roles=["admin"], active=False,
                             now=NOW)


def test_users_with_role_lists_only_active_holders(make_user):
    planner = make_user(Role.PLANNER)
    make_user(Role.LIAISON)
    gone = make_user(Role.PLANNER)
    gone.active = False
    assert services.users_with_role(Role.PLANNER) == [planner]


@pytest.mark.parametrize("password", ["password1", "iloveyou", "trustno1", "Baseball1",
                                      "qwertyuiop", "Police123"])
def test_common_passwords_are_refused(app, password):
    with pytest.raises(ValidationError, match="too common") as err:
        services.create_user(None, email="c@agency.example.com", display_name="C",
                             roles=["planner"], password=password, now=NOW)
    assert err.value.field == "password"


def test_no_composition_rules(app):
    """Lower-case words with spaces are fine; nothing demands digits or symbols."""
    user = services.create_user(None, email="d@agency.example.com", display_name="D",
                                roles=["planner"], password="river lantern copper",
                                now=NOW)
    assert verify_password(user.password_hash, "river lantern copper")


def test_accounts_unused_for_90_days_are_disabled(make_user):
    disable_inactive = services.disable_inactive
    used = make_user(Role.PLANNER)
    used.last_login_at = NOW - timedelta(days=89, hours=23)
    idle = make_user(Role.PLANNER)
    idle.last_login_at = NOW - timedelta(days=90)
    never = make_user(Role.LIAISON)  # created at NOW: counts from creation
    db.session.commit()
    assert disable_inactive(NOW, 90) == [idle]
    assert (used.active, idle.active, never.active) == (True, False, True)
    # Ninety days on, the recently used account and the never used one are due too.
    assert disable_inactive(NOW + timedelta(days=90), 90) == [used, never]
    row = _audit("user.disable_inactive")[0]
    assert row.object_id == str(idle.id) and row.actor_label == "system"
