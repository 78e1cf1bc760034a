"""SECURITY.md P-5: after the retention date the canary is gone from the tables and from
the database files (SQLite: secure_delete and a WAL checkpoint; PostgreSQL: VACUUM FULL
rewrites the table; its shared write-ahead log is out of the tracker's reach)."""

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.extensions import db
from tracker.outreach import services
from tracker.outreach.cli import run_purge
from tracker.outreach.models import OutreachContact

CANARY = "Quillon Canarystone"


def _database_bytes(database_files) -> bytes:
    files = database_files(shared_log=False)
    assert files
    return b"".join(p.read_bytes() for p in files)


def _log_contact(make_user, make_event):
    liaison = make_user(Role.LIAISON)
    event = make_event(starts_at=NOW - timedelta(days=40))
    for n in range(3):  # several rows and an edit, so old page images pile up in the WAL
        contact = services.create_contact(liaison, event, services.ContactData(
            contacted_at=NOW - timedelta(days=45), method="phone", purpose="route",
            person_name=f"{CANARY} {n}", person_phone="615-555-0123", consent=True),
            NOW - timedelta(days=45), retention_days=30)
        db.session.commit()
    contact.summary = "Route agreed."
    db.session.commit()
    return event


def test_purge_erases_canary_from_tables_and_files(app, make_user, make_event, runner,
                                                   database_files):
    _log_contact(make_user, make_event)
    # the check can see it when present
    assert CANARY.encode() in _database_bytes(database_files)

    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "3 entries purged." in result.output
    assert CANARY not in result.output

    db.session.expire_all()
    rows = db.session.scalars(select(OutreachContact)).all()
    assert len(rows) == 3 and all(r.person_name is None for r in rows)
    assert CANARY.encode() not in _database_bytes(database_files)


def test_second_purge_finds_nothing(app, make_user, make_event):
    _log_contact(make_user, make_event)
    with app.test_request_context():
        assert len(run_purge()) == 3
        assert run_purge() == []
