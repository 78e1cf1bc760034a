"""SECURITY.md D-1: SQLite runs with WAL, a busy timeout and foreign keys on every
connection, and concurrent writers never show a user "database is locked"."""

import threading

import pyotp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests import conftest
from tests.conftest import NOW, PASSWORD
from tracker.accounts.roles import Role
from tracker.audit import keys, sealing, verification
from tracker.audit.models import AuditRecord
from tracker.db import utcnow
from tracker.events import services as events
from tracker.events.models import Event
from tracker.extensions import db

WRITERS = 8
ROUNDS = 6


def _settings(connection) -> dict:
    def pragma(name):
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

    return {"journal_mode": pragma("journal_mode"), "busy_timeout": pragma("busy_timeout"),
            "foreign_keys": pragma("foreign_keys"), "secure_delete": pragma("secure_delete"),
            "begin": connection.connection.driver_connection.isolation_level}


EXPECTED = {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1,
            "secure_delete": 1, "begin": "IMMEDIATE"}


@pytest.mark.sqlite_only("SQLite's connection settings")
def test_every_pooled_connection_gets_the_settings(app):
    db.engine.dispose()  # start from an empty pool: every connection below is new
    connections = [db.engine.connect() for _ in range(3)]  # held at once: three of them
    try:
        drivers = {id(c.connection.driver_connection) for c in connections}
        assert len(drivers) == 3
        assert [_settings(c) for c in connections] == [EXPECTED] * 3
        # Foreign keys are enforced, not just reported: a dangling reference is refused.
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            connections[0].execute(text(
                "INSERT INTO user_role (user_id, role) VALUES (9999, 'planner')"))
    finally:
        for connection in connections:
            connection.rollback()
            connection.close()


@pytest.mark.sqlite_only("SQLite's connection settings")
def test_a_connection_used_in_autocommit_mode_comes_back_immediate(app):
    db.engine.dispose()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("SELECT 1")
    with db.engine.connect() as connection:  # the same pooled connection, reset
        assert _settings(connection) == EXPECTED


def test_reading_before_another_commit_does_not_doom_the_write(app, make_user, event_data):
    """The pattern SQLite refuses at once, whatever the busy timeout, if a transaction
    reads, another connection commits, and the first then writes: reads outside the write
    transaction, which starts with BEGIN IMMEDIATE, keep it from happening."""
    planner, other = make_user(Role.PLANNER), make_user(Role.PLANNER)
    other_id = other.id
    assert db.session.scalars(select(Event)).all() == []  # this session reads first

    def commit_elsewhere():
        with app.app_context():
            actor = db.session.get(type(other), other_id)
            events.create_event(actor, event_data(title="Elsewhere"), NOW)
            db.session.commit()

    worker = threading.Thread(target=commit_elsewhere)
    worker.start()
    worker.join()
    events.create_event(planner, event_data(title="Here"), NOW)
    db.session.commit()
    assert sorted(db.session.scalars(select(Event.title))) == ["Elsewhere", "Here"]


def _event_form(planner_id: int, n: int) -> dict:
    return {"title": f"Vigil {planner_id}-{n}", "kind": "vigil",
            "starts_at": "2026-12-05T18:00", "ends_at": "2026-12-05T20:00",
            "venue": "Central park", "permit_status": "not_required",
            "information_source": "organizer_notice", "planner_id": str(planner_id),
            "liaison_id": ""}


def test_eight_users_writing_at_once_see_no_locked_database(app, make_user):
    """Eight planners, each in a thread with its own client and database connection,
    create events and are refused an admin page (a refusal writes only an audit record)
    at the same time, on the app's file database."""
    planners = [(u.id, u.email, u.totp_secret)
                for u in (make_user(Role.PLANNER) for _ in range(WRITERS))]
    start = threading.Barrier(WRITERS)
    failures: list[str] = []

    def planner_at_work(user_id: int, email: str, secret: str) -> None:
        client = app.test_client()
        try:
            assert client.post("/login", data={"email": email, "password": PASSWORD,
                                               "acknowledge": "y"}).status_code == 302
            # Each planner's first code, at the (fixed) time the server checks it.
            code = pyotp.TOTP(secret).at(conftest._clock.now)
            assert client.post("/login/code", data={"code": code}).status_code == 302
            start.wait()
            for n in range(ROUNDS):
                created = client.post("/events/new", data=_event_form(user_id, n))
                refused = client.get("/admin/users")
                if (created.status_code, refused.status_code) != (302, 403):
                    failures.append(f"{created.status_code} {refused.status_code}: "
                                    f"{created.get_data(as_text=True)[:200]}")
        except Exception as error:  # TESTING propagates errors: one here reached a user
            failures.append(repr(error))
            start.abort()  # let the others stop waiting for this one

    threads = [threading.Thread(target=planner_at_work, args=p) for p in planners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Event.id))) == WRITERS * ROUNDS
    denied = db.session.scalar(select(func.count(AuditRecord.id))
                               .where(AuditRecord.action == "access.denied"))
    assert denied == WRITERS * ROUNDS
    # Every record the writers committed is sealed once, and the trail verifies.
    settings = keys.AuditSettings.from_config(app.config, app.instance_path)
    sealing.seal(settings, utcnow())
    report = verification.verify(settings)
    assert report.ok and report.unsealed == 0, report
