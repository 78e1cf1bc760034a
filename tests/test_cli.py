"""The operator commands: create-user and seed-demo."""

from sqlalchemy import func, select

from tests.conftest import PASSWORD
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
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert db.session.scalar(select(func.count(Event.id))) == len(DEMO_EVENTS)
    planner = accounts.find_by_email("planner@demo.example.com")
    assert verify_password(planner.password_hash, DEMO_PASSWORD)
    counter = db.session.scalar(select(Event).where(Event.kind == "counter_demonstration"))
    assert [e.kind for e in counter.related] == ["rally"]
    assert {e.status for e in db.session.scalars(select(Event))} >= {
        "draft", "planning", "plan_approved", "concluded"}
