"""Shared fixtures: an app on a fresh database per test, a client, and factories.

The database is SQLite (a new file per test) unless `--db=postgresql` (or
TRACKER_TEST_DB=postgresql) selects PostgreSQL: a throwaway cluster started for the
session (tests/support/postgres.py), or the server named by TRACKER_TEST_DATABASE_URL, with a
new database per test. `@pytest.mark.sqlite_only(reason)` and
`@pytest.mark.postgresql_only(reason)` mark the few tests that concern one of them."""

import itertools
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import g
from sqlalchemy.engine import make_url

from tracker import create_app
from tracker.accounts import mfa
from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.events import services as events
from tracker.extensions import db

PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
SQLITE, POSTGRESQL = "sqlite", "postgresql"


# ---- which database -----------------------------------------------------------------


def pytest_addoption(parser):
    default = os.environ.get("TRACKER_TEST_DB") or (
        POSTGRESQL if os.environ.get("TRACKER_TEST_DATABASE_URL") else SQLITE)
    parser.addoption("--db", choices=(SQLITE, POSTGRESQL), default=default,
                     help="database the tests run on (default from TRACKER_TEST_DB, else "
                          "sqlite): postgresql starts a throwaway cluster, or uses the "
                          "server in TRACKER_TEST_DATABASE_URL")


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


def pytest_collection_modifyitems(config, items):
    selected = config.getoption("--db")
    for item in items:
        for backend in (SQLITE, POSTGRESQL):
            marker = item.get_closest_marker(f"{backend}_only")
            if marker and selected != backend:
                reason = marker.args[0] if marker.args else "needs " + backend
                item.add_marker(pytest.mark.skip(reason=f"{backend} only: {reason}"))


@pytest.fixture(scope="session")
def database_kind(pytestconfig) -> str:
    return pytestconfig.getoption("--db")


@pytest.fixture(scope="session")
def postgres_server(database_kind):
    """The PostgreSQL server of the session. A cluster that cannot start is an error,
    never a skip: a run asked for PostgreSQL must run on it."""
    from tests.support.postgres import Server

    assert database_kind == POSTGRESQL, "a PostgreSQL-only fixture in a SQLite run"
    server = Server.from_environment()
    yield server
    server.close()


def build_schema(url: str) -> None:
    """Create every table in the template database at `url` (a PostgreSQL template or a
    SQLite file), then let go of it: a template must have no connections when copied."""
    with tempfile.TemporaryDirectory() as instance, pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRACKER_INSTANCE_PATH", instance)
        schema_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "schema"})
    with schema_app.app_context():
        db.create_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory) -> Path:
    """A SQLite file holding every table, built once per session: copying it costs a
    millisecond where creating the schema costs about a tenth of a second per test."""
    path = tmp_path_factory.mktemp("schema") / "tracker.db"
    build_schema(f"sqlite:///{path}")
    return path


def fresh_database(request, folder: Path, empty: bool = False) -> str:
    """The URL of a new database of the selected kind, dropped when `request`'s scope
    ends. SQLite: a copy of the schema file in `folder`, or with empty=True no file yet.
    PostgreSQL: a copy of the schema template, or with empty=True a database without
    tables (to run the migrations)."""
    if request.config.getoption("--db") == SQLITE:
        path = folder / "tracker.db"
        folder.mkdir(parents=True, exist_ok=True)
        if not empty:
            shutil.copyfile(request.getfixturevalue("sqlite_schema"), path)
            path.chmod(0o600)  # as the tracker creates its database (SECURITY.md D-4)
        return f"sqlite:///{path}"
    server = request.getfixturevalue("postgres_server")
    name = server.create_database(build_schema, empty=empty)
    request.addfinalizer(lambda: server.drop_database(name))
    return server.url(name)


@pytest.fixture
def database_url(request, tmp_path) -> str:
    return fresh_database(request, tmp_path)


@pytest.fixture
def database_files(request, database_kind, database_url):
    """database_files(shared_log=True) -> the files that hold the test's database now.
    SQLite: the file, its WAL and journal. PostgreSQL (the throwaway cluster, after a
    checkpoint): the database's folder and, with shared_log, the cluster's write-ahead
    log, which the tracker cannot erase. Skips on an external server, whose files are
    elsewhere."""
    database = make_url(database_url).database
    if database_kind == SQLITE:
        path = Path(database)
        return lambda shared_log=True: [p for p in path.parent.glob(path.name + "*")
                                        if p.is_file()]
    server = request.getfixturevalue("postgres_server")
    if server.cluster is None:
        pytest.skip("the files of an external PostgreSQL server are not readable here")
    return lambda shared_log=True: server.files_of(database, shared_log)


# ---- the app --------------------------------------------------------------------------


@pytest.fixture
def app_config(database_url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
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
    # So would Flask-WTF's per-request CSRF token cache.
    app.teardown_request(lambda _exc: [g.pop(k, None) for k in ("_login_user", "csrf_token")])
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _keep_umask():
    """An app created with PRODUCTION on sets the process umask to 077: give the next
    test the umask it started with."""
    umask = os.umask(0o022)
    os.umask(umask)
    yield
    os.umask(umask)


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
    """make_user(Role.PLANNER, ...) -> a committed, active user with PASSWORD and an
    authenticator already set up (enrolled=False: one who has never signed in)."""

    def make(*roles: Role, email: str | None = None, name: str | None = None,
             enrolled: bool = True):
        n = next(_sequence)
        user = accounts.create_user(
            None,
            email=email or f"user{n}@agency.example.com",
            display_name=name or f"User {n}",
            roles=[r.value for r in roles] or [Role.PLANNER.value],
            password=PASSWORD,
            now=NOW,
        )
        if enrolled:
            mfa.begin_enrolment(user)
            user.totp_enrolled_at = NOW
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


class TotpClock:
    """The time the sign-in steps run at (the `now` the sign-in views pass to the account
    services, which check codes at it), moved on by a step per code, so a test can sign
    the same user in again at once (a real code works once per 30-second step)."""

    def __init__(self, start: float = NOW.timestamp()):
        self.now = start

    def advance(self, seconds: float = 30) -> float:
        self.now += seconds
        return self.now

    def moment(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


# The sign-in views' clock (and seed-demo's, which prints a demo account's current code).
SIGN_IN_CLOCKS = ("tracker.accounts.views.utcnow", "tracker.demo.utcnow")
_clock = TotpClock()


@pytest.fixture(autouse=True)
def totp_clock(monkeypatch):
    """From the real time (sessions started at it are checked against the real time),
    standing still but for each code's step."""
    global _clock
    _clock = TotpClock(datetime.now(UTC).timestamp())
    for clock in SIGN_IN_CLOCKS:
        monkeypatch.setattr(clock, _clock.moment)
    return _clock


def current_code(user, clock: TotpClock) -> str:
    """The next code the user's authenticator would show."""
    return pyotp.TOTP(user.totp_secret).at(clock.advance())


def login(client, user, password=PASSWORD):
    """Both sign-in steps, as a browser would: password (with the system-use notice
    acknowledged), then a fresh authenticator code."""
    response = client.post("/login", data={"email": user.email, "password": password,
                                           "acknowledge": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/login/code", response.headers["Location"]
    response = client.post("/login/code", data={"code": current_code(user, _clock)})
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


def _plan_records(event, actor, stage, when, helpers):
    from tests.support.plans import write_plan_records
    from tracker.plans import services

    if services.may_write(actor, event):
        writer = actor
    elif event.planner_id is not None:
        writer = accounts.get_user(event.planner_id)
    else:
        writer = helpers.setdefault("plans-writer", accounts.create_user(
            None, email=f"writer{next(_sequence)}@agency.example.com",
            display_name="Plan Writer", roles=[Role.PLANNER.value], password=PASSWORD,
            now=NOW))
    write_plan_records(event, writer, stage, when)


@pytest.fixture
def complete_stage(make_user):
    """complete_stage(event, actor, stage="pre_event"): answer every required item of a
    checklist stage with an answer that raises no red flag (as careful staff would).
    Items of another role than the actor's are answered by a holder of that role; a
    later stage's items are answered when the stage opens (at the event's start or end)."""
    from tracker.checklist import record_sources, stages
    from tracker.checklist import services as checklist

    def complete(event, actor, stage="pre_event"):
        entries = checklist.entries_by_stage(checklist.get_for_event(event.id))
        stage_key, stage_entries = next((k, v) for k, v in entries.items()
                                        if k.value == stage)
        opening = stages.opens_at(event, stage_key)
        when = NOW if opening is None else max(NOW, opening)
        helpers = {}
        # The records other items are answered from: the submitted operations plan before
        # approval, the after-action report after the event.
        _plan_records(event, actor, stage, when, helpers)
        for entry in stage_entries:
            if not entry.item.required or entry.answered or stages.record_item(entry):
                continue
            if record_sources.source_for(entry.item.key):
                continue  # answered from the records (e.g. the register) when they change
            role = Role(entry.item.responsible_role)
            if actor.has_role(role):
                responder = actor
            else:
                responder = helpers.get(role) or helpers.setdefault(role, make_user(role))
            safe = [o for o in entry.item.answer_options
                    if o not in entry.item.red_flag_answers]
            value = safe[0] if safe else (
                "2026-12-20" if entry.item.response_type == "date" else "In the plan")
            checklist.answer(responder, entry, value, "", when)
        checklist.sync_from_sources(event, actor, when)
        db.session.commit()

    return complete


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd, tests/support/smtp.py) the app's mail goes to."""
    from tests.support.smtp import SmtpServer

    server = SmtpServer().start()
    server.configure(app)
    yield server
    server.stop()
