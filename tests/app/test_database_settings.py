"""What each database promises on every connection: SQLite's pragmas (SECURITY.md D-1),
foreign keys enforced, and UTC instants that survive the server's time zone."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.events.models import Event
from tracker.extensions import db


@pytest.mark.sqlite_only("SQLite pragmas")
def test_every_sqlite_connection_has_wal_busy_timeout_foreign_keys_and_secure_delete(app):
    for _ in range(2):  # a new connection each time, not the pool's first one
        with db.engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("busy_timeout") >= 5000
            assert pragma("foreign_keys") == 1
            assert pragma("secure_delete") == 1
        db.engine.dispose()


def test_foreign_keys_are_enforced(app):
    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO inbox_message (recipient_id, reminder_id, "
                                "subject, body, link, created_at) VALUES "
                                "(999, 999, 's', 'b', '/', :at)"), {"at": NOW})
        db.session.flush()
    db.session.rollback()


@pytest.mark.postgresql_only("the session time zone of a PostgreSQL connection")
def test_instants_do_not_depend_on_the_connection_time_zone(app, make_event, make_user):
    starts = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 01:30 in Chicago, before DST
    event = make_event(make_user(Role.PLANNER), starts_at=starts)
    for zone in ("America/Chicago", "Pacific/Kiritimati", "UTC"):
        db.session.rollback()
        db.session.execute(text(f"SET TIME ZONE '{zone}'"))
        db.session.expire_all()
        found = db.session.scalar(select(Event).where(Event.id == event.id))
        assert found.starts_at == starts and found.starts_at.tzinfo is UTC
        assert found.ends_at - found.starts_at == timedelta(hours=2)
        # Comparisons in SQL are on the instant, whatever the session's zone.
        assert db.session.scalar(select(Event.id).where(
            Event.starts_at == starts.astimezone(UTC))) == event.id
