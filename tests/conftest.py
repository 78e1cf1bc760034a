"""Shared fixtures: an app on a fresh SQLite file per test, a client, and factories."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from flask import g

from tracker import create_app
from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.events import services as events
from tracker.extensions import db

PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


@pytest.fixture
def app_config(tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tracker.db'}",
        "WTF_CSRF_ENABLED": False,
        # Many tests sign in from one address; tests/test_rate_limits.py turns it on.
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture
def app(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(app_config)
    # The test keeps one app context open, so flask.g (where Flask-Login caches the
    # user) would outlive each request: drop it as a real request would.
    app.teardown_request(lambda _exc: g.pop("_login_user", None))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch):
    """Real Argon2id with small parameters, so the many sign-ins in tests stay quick."""
    monkeypatch.setattr("tracker.accounts.passwords._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_sequence = itertools.count(1)


@pytest.fixture
def make_user(app):
    """make_user(Role.PLANNER, ...) -> a committed, active user with PASSWORD."""

    def make(*roles: Role, email: str | None = None, name: str | None = None):
        n = next(_sequence)
        user = accounts.create_user(
            None,
            email=email or f"user{n}@agency.example.com",
            display_name=name or f"User {n}",
            roles=[r.value for r in roles] or [Role.PLANNER.value],
            password=PASSWORD,
            now=NOW,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def event_data():
    """event_data(**overrides) -> EventData for a valid two-hour rally."""

    def build(**overrides):
        starts = overrides.pop("starts_at", NOW + timedelta(days=3))
        values = {
            "title": "Rally at the courthouse",
            "kind": "rally",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "venue": "Courthouse steps",
            "information_source": "permit_application",
            "permit_status": "applied",
        }
        values.update(overrides)
        return events.EventData(**values)

    return build


@pytest.fixture
def make_event(make_user, event_data):
    """make_event(actor=None, **fields) -> a committed draft event."""

    def make(actor=None, **overrides):
        actor = actor or make_user(Role.PLANNER)
        event = events.create_event(actor, event_data(**overrides), NOW)
        db.session.commit()
        return event

    return make


def login(client, user, password=PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login_as(client, make_user):
    """login_as(Role.X, ...) -> the signed-in user (client keeps the session)."""

    def sign_in(*roles: Role):
        user = make_user(*roles)
        login(client, user)
        return user

    return sign_in


@pytest.fixture
def complete_stage():
    """complete_stage(event, actor, stage="pre_event"): answer every required item of a
    checklist stage with an answer that raises no red flag (as a careful planner would)."""
    from tracker.checklist import services as checklist

    def complete(event, actor, stage="pre_event"):
        entries = checklist.entries_by_stage(checklist.get_for_event(event.id))
        for entry in next(v for k, v in entries.items() if k.value == stage):
            if not entry.item.required or entry.answered:
                continue
            safe = [o for o in entry.item.answer_options
                    if o not in entry.item.red_flag_answers]
            value = safe[0] if safe else (
                "2026-12-20" if entry.item.response_type == "date" else "In the plan")
            checklist.answer(actor, entry, value, "", NOW)
        db.session.commit()

    return complete


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd, tests/smtp.py) the app's mail goes to."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    server.configure(app)
    yield server
    server.stop()
