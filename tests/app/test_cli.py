"""The operator commands: create-user, unlock-user, reset-factor, seed-demo, demo-code."""

import pyotp
from sqlalchemy import func, select

from tests.conftest import NOW, PASSWORD
from tracker.accounts import services as accounts
from tracker.accounts.passwords import verify_password
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.demo import DEMO_EVENTS, DEMO_PASSWORD, DEMO_USERS
from tracker.events.models import Event
from tracker.extensions import db


def test_create_user_reads_password_from_stdin(runner):
    result = runner.invoke(args=[
        "create-user", "ops@agency.example.com", "--name", "Ops Person",
        "--role", "planner", "--role", "privacy_officer", "--password-stdin",
    ], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    user = accounts.find_by_email("ops@agency.example.com")
    assert user.roles == {Role.PLANNER, Role.PRIVACY_OFFICER}
    assert verify_password(user.password_hash, PASSWORD)
    row = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "user.create"))
    assert row.actor_label == "system" and row.source_address == "cli:create-user"


def test_create_user_reports_bad_input_and_writes_nothing(runner):
    result = runner.invoke(args=[
        "create-user", "ops@agency.example.com", "--name", "Ops", "--role", "planner",
        "--password-stdin"], input="short\n")
    assert result.exit_code != 0
    assert "password" in result.output and "8 characters" in result.output
    assert accounts.find_by_email("ops@agency.example.com") is None


def test_create_user_refuses_unknown_role(runner):
    result = runner.invoke(args=[
        "create-user", "ops@agency.example.com", "--name", "Ops", "--role", "king",
        "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 2
    assert accounts.find_by_email("ops@agency.example.com") is None


def test_seed_demo_is_idempotent_and_prints_sign_in(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for email, _name, _roles in DEMO_USERS:
        assert email in first.output
    assert DEMO_PASSWORD in first.output
    planner = accounts.find_by_email("planner@demo.example.com")
    # The authenticator key is printed, and stays the same on a second run.
    assert planner.has_factor and planner.totp_secret in first.output
    second = runner.invoke(args=["seed-demo"])
    assert planner.totp_secret in second.output
    assert second.exit_code == 0
    assert db.session.scalar(select(func.count(Event.id))) == len(DEMO_EVENTS)
    planner = accounts.find_by_email("planner@demo.example.com")
    assert verify_password(planner.password_hash, DEMO_PASSWORD)
    counter = db.session.scalar(select(Event).where(Event.kind == "counter_demonstration"))
    assert [e.kind for e in counter.related] == ["rally"]
    assert {e.status for e in db.session.scalars(select(Event))} >= {
        "draft", "planning", "plan_approved", "concluded"}


def test_demo_code_prints_the_current_code_of_a_demo_account(app, runner, totp_clock):
    runner.invoke(args=["seed-demo"])
    planner = accounts.find_by_email("planner@demo.example.com")
    result = runner.invoke(args=["demo-code", "planner@demo.example.com"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == pyotp.TOTP(planner.totp_secret).at(totp_clock.now)


def test_demo_code_refuses_real_accounts_and_production(app, runner, make_user):
    runner.invoke(args=["seed-demo"])
    user = make_user(Role.PLANNER)
    result = runner.invoke(args=["demo-code", user.email])
    assert result.exit_code != 0 and "not a demo account" in result.output
    app.config["PRODUCTION"] = True
    result = runner.invoke(args=["demo-code", "planner@demo.example.com"])
    assert result.exit_code != 0 and "refused with PRODUCTION on" in result.output


def test_unlock_user_and_reset_factor_commands(runner, make_user):
    user = make_user(Role.ADMIN)
    user.locked_at = NOW
    db.session.commit()
    result = runner.invoke(args=["unlock-user", user.email])
    assert result.exit_code == 0, result.output
    assert user.locked_at is None
    again = runner.invoke(args=["unlock-user", user.email])
    assert again.exit_code != 0 and "not locked" in again.output
    result = runner.invoke(args=["reset-factor", user.email])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert accounts.find_by_email(user.email).totp_secret is None
    actions = db.session.scalars(select(AuditRecord.action).where(
        AuditRecord.object_id == str(user.id))).all()
    assert {"user.unlock", "user.mfa_reset"} <= set(actions)
    missing = runner.invoke(args=["unlock-user", "nobody@agency.example.com"])
    assert missing.exit_code != 0 and "No account" in missing.output


def test_demo_data_seals_and_verifies(runner):
    """README's `make run`: the demo data, then `audit seal` and `audit verify` pass."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0 and "into block 1" in sealed.output, sealed.output
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "Audit trail intact: 1 block" in verified.output
    assert "0 records not yet sealed" in verified.output
