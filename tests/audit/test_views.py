"""The audit trail: the page and its filters, reads being audited, append-only rows, and
"no audit record, no change" (SECURITY.md U-1, U-3, U-4)."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.audit.context import Origin, set_origin
from tracker.audit.models import AuditIsAppendOnly, AuditRecord
from tracker.events import services as events
from tracker.events.models import Event
from tracker.extensions import db


def rows(action: str | None = None) -> list[AuditRecord]:
    stmt = select(AuditRecord).order_by(AuditRecord.id)
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    return list(db.session.scalars(stmt))


def markers(response) -> list[str]:
    """Marker object ids in the table body, in page order (the filter drop-downs also
    list actions and types, so the whole page cannot be searched)."""
    body = re.search(r"<tbody>(.*?)</tbody>", response.get_data(as_text=True), re.S)
    # Each row names its object twice: in words and in its record details.
    return list(dict.fromkeys(re.findall(r"marker-\w+", body.group(1)))) if body else []


@pytest.fixture
def trail(make_user):
    """Three records in February 2026 told apart by their object ids."""
    planner, liaison = make_user(Role.PLANNER), make_user(Role.LIAISON)
    audit.record(planner, "event.create", "event", "marker-old",
                 now=datetime(2026, 2, 1, 12, 0, tzinfo=UTC))
    # 05:30 UTC on the 3rd is 23:30 on the 2nd in Chicago.
    audit.record(liaison, "auth.login", "user", "marker-mid", outcome=audit.FAILURE,
                 now=datetime(2026, 2, 3, 5, 30, tzinfo=UTC))
    audit.record(None, "access.denied", "route", "marker-new", outcome=audit.DENIED,
                 now=datetime(2026, 2, 5, 12, 0, tzinfo=UTC))
    db.session.commit()
    return {"planner": planner, "liaison": liaison}


def test_lists_newest_first(client, login_as, trail):
    login_as(Role.PRIVACY_OFFICER)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert markers(response) == ["marker-new", "marker-mid", "marker-old"]


@pytest.mark.parametrize(("query", "shown"), [
    ("actor={planner}", ["marker-old"]),
    ("action=auth.login", ["marker-mid"]),
    ("object_type=route", ["marker-new"]),
    ("outcome=failure", ["marker-mid"]),
    ("outcome=denied", ["marker-new"]),
    # Whole local days in America/Chicago, not UTC days.
    ("since=2026-02-02&until=2026-02-02", ["marker-mid"]),
    ("since=2026-02-03&until=2026-02-04", []),
    ("since=2026-02-01&until=2026-02-05", ["marker-new", "marker-mid", "marker-old"]),
])
def test_filters(client, login_as, trail, query, shown):
    login_as(Role.ADMIN)
    response = client.get("/audit/?" + query.format(planner=trail["planner"].id))
    assert response.status_code == 200
    assert markers(response) == shown


def test_backwards_date_range_shows_an_error(client, login_as, trail):
    login_as(Role.PRIVACY_OFFICER)
    response = client.get("/audit/?since=2026-02-05&until=2026-02-01")
    assert "The end of the range must not be before its start." in response.get_data(
        as_text=True)


def test_reading_the_trail_is_audited(client, login_as):
    officer = login_as(Role.PRIVACY_OFFICER)
    assert rows("audit.read") == []
    client.get("/audit/?outcome=denied")
    [row] = rows("audit.read")
    assert (row.actor_id, row.object_type, row.outcome) == (
        officer.id, "audit_trail", "success")
    assert row.source_address == "127.0.0.1" and row.request_id


# --- append-only ----------------------------------------------------------------------


def test_rows_cannot_be_changed_through_the_orm(trail):
    row = rows()[-1]
    row.outcome = "success"
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    assert rows()[-1].outcome == "denied"


def test_rows_cannot_be_deleted_through_the_orm(trail):
    before = len(rows())
    db.session.delete(rows()[0])
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert len(rows()) == before


# Bug: tracker/audit/models.py guards only the unit of work (before_flush). ORM-enabled
# UPDATE/DELETE statements never flush, so they rewrite audit rows unopposed. Fix: also
# refuse them in a Session "do_orm_execute" listener, and add BEFORE UPDATE/DELETE
# triggers on audit_record in a migration for writes that bypass the ORM.
@pytest.mark.parametrize("statement", [
    update(AuditRecord).values(outcome="success"),
    delete(AuditRecord),
], ids=["bulk-update", "bulk-delete"])
def test_bulk_statements_cannot_rewrite_rows(trail, statement):
    before = [(r.id, r.outcome) for r in rows()]
    try:
        db.session.execute(statement)
        db.session.commit()
    except AuditIsAppendOnly:
        db.session.rollback()
    db.session.expire_all()
    assert [(r.id, r.outcome) for r in rows()] == before


# --- no audit record, no change -------------------------------------------------------


def test_failed_audit_write_rolls_back_the_change(make_user, event_data):
    planner = make_user(Role.PLANNER)
    # source_address is NOT NULL: the audit row's flush fails after the event's.
    set_origin(Origin(source_address=None))
    try:
        with pytest.raises(IntegrityError):
            events.create_event(planner, event_data(title="Unaudited change"), NOW)
    finally:
        set_origin(Origin(source_address="local"))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Event.id))) == 0
    assert rows("event.create") == []


@pytest.fixture
def audit_down(login_as):
    """A signed-in planner, and an audit table that refuses "event.create" rows, as a
    full disk or a lock would."""
    login_as(Role.PLANNER)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_record "
            "WHEN NEW.action = 'event.create' BEGIN SELECT RAISE(ABORT, 'audit down'); END"))
    else:  # PostgreSQL: the same refusal, raised as an integrity violation (SQLSTATE 23000)
        db.session.execute(text(
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'audit down' USING ERRCODE = 'integrity_constraint_violation';"
            " END $$"))
        db.session.execute(text(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_record FOR EACH ROW "
            "WHEN (NEW.action = 'event.create') EXECUTE FUNCTION refuse_audit()"))
    db.session.commit()


NEW_EVENT = {"title": "Unaudited change", "kind": "rally", "starts_at": "2026-12-05T10:00",
             "ends_at": "2026-12-05T12:00", "venue": "Square", "permit_status": "applied",
             "information_source": "other", "planner_id": "", "liaison_id": ""}


def test_failed_audit_write_through_the_page_saves_nothing(client, audit_down):
    with pytest.raises(IntegrityError):  # TESTING propagates the error to us
        client.post("/events/new", data=NEW_EVENT)
    db.session.rollback()  # what the app context teardown does after a real request
    assert db.session.scalar(select(func.count(Event.id))) == 0


# Bug: tracker/errors.py register_error_handlers renders the 500 page with the request's
# session still failed (PendingRollbackError when base.html reads current_user), so the
# handler itself raises and the server answers with a bare error instead of the page.
# Fix: db.session.rollback() in the 500 handler before rendering.
def test_failed_audit_write_shows_the_error_page(app, client, audit_down):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    response = client.post("/events/new", data=NEW_EVENT)
    assert response.status_code == 500
    assert "Nothing you entered was saved." in response.get_data(as_text=True)
