"""Migrations (SECURITY.md D-3): one head, upgrade from empty, round trip, and models
match the schema, on the database the run selected (`--db`): the SQLite run and the
PostgreSQL run each check all four."""

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import g
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tests.conftest import NOW, fresh_database
from tracker import create_app
from tracker.accounts import services as accounts
from tracker.events import search
from tracker.events import services as events
from tracker.extensions import db, migrate


@pytest.fixture
def empty_app(request, tmp_path, monkeypatch, app_config):
    """The app on a database without tables (PostgreSQL: a new empty database, not a copy
    of the schema template): migrations only, no create_all."""
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "instance"))
    # Its own folder: app_config's database (a copy of the schema) is in tmp_path.
    url = fresh_database(request, tmp_path / "empty", empty=True)
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    app.teardown_request(lambda _exc: g.pop("_login_user", None))
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        yield app
        db.session.remove()
        db.engine.dispose()


def _script(app) -> ScriptDirectory:
    config = migrate.get_config(directory=app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(config)


def test_runs_on_the_selected_database(empty_app, database_kind):
    assert db.engine.dialect.name == database_kind


def test_single_head(empty_app):
    assert len(_script(empty_app).get_heads()) == 1


def test_upgrade_from_empty_matches_models(empty_app):
    upgrade()
    # Server defaults too, where Alembic reads them back reliably: its SQLite comparison
    # takes the reflected '' for a different default than the model's "".
    server_defaults = db.engine.dialect.name == "postgresql"
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "compare_server_default": server_defaults,
            # The full-text index (FTS5 table and its shadow tables, the tsvector column
            # and its GIN index) is made by its revision, not the models: SQLAlchemy has
            # no type for it, so it is left out of the comparison.
            "include_object": search.include_object})
        assert context.get_current_heads() == tuple(_script(empty_app).get_heads())
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_and_upgrade_again(empty_app):
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"user", "event", "audit_record"} <= tables
    downgrade(revision="base")
    inspector = inspect(db.engine)
    assert set(inspector.get_table_names()) <= {"alembic_version"}
    if db.engine.dialect.name == "postgresql":
        # Nothing left behind that a second upgrade would trip over.
        assert inspector.get_sequence_names() == []
        assert inspector.get_enums() == []
    upgrade()
    assert set(inspect(db.engine).get_table_names()) == tables


# --- the audit hash chain becomes sealed blocks (a7c3d9e5f1b2) ------------------------

BEFORE_BLOCKS = "a4d9e6c1f207"


def _legacy_trail(count: int) -> list[int]:
    """Records chained as the previous release did (its chain.py, frozen here)."""
    import hashlib
    import json
    from datetime import UTC, datetime, timedelta

    prev, ids = "0" * 64, []
    start = datetime(2026, 11, 1, 12, tzinfo=UTC)
    with db.engine.begin() as connection:
        for n in range(count):
            at = start + timedelta(minutes=n)
            values = {"at": at if connection.dialect.name == "postgresql"
                      else at.replace(tzinfo=None), "actor_id": None, "actor_label": "system",
                      "action": "event.update", "object_type": "event",
                      "object_id": str(n), "outcome": "success", "source_address": "local",
                      "request_id": f"r{n}", "changes": json.dumps({"status": n})}
            content = json.dumps([
                at.isoformat(timespec="microseconds"), None, "system", "event.update",
                "event", str(n), "success", "local", f"r{n}", {"status": n}],
                sort_keys=True, separators=(",", ":"), default=str)
            digest = hashlib.sha256((prev + content).encode()).hexdigest()
            ids.append(connection.execute(text(
                "INSERT INTO audit_record (at, actor_id, actor_label, action, object_type, "
                "object_id, outcome, source_address, request_id, changes, prev_hash, hash) "
                "VALUES (:at, :actor_id, :actor_label, :action, :object_type, :object_id, "
                ":outcome, :source_address, :request_id, :changes, :p, :h) RETURNING id"),
                {**values, "p": prev, "h": digest}).scalar_one())
            prev = digest
        connection.execute(text("UPDATE audit_chain_head SET last_hash = :h"), {"h": prev})
    return ids


def test_an_existing_chain_is_verified_then_sealed_into_block_one(empty_app):
    runner = empty_app.test_cli_runner()
    upgrade(revision=BEFORE_BLOCKS)
    ids = _legacy_trail(12)
    upgrade()
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0 and "Sealed 12 records into block 1" in sealed.output
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "1 block, 12 sealed records verified; 0 records not yet sealed" in verified.output
    with db.engine.connect() as connection:
        members = connection.execute(text("SELECT record_id FROM audit_block_record "
                                          "ORDER BY record_id")).scalars().all()
    assert members == ids


def test_a_broken_existing_chain_stops_the_upgrade(empty_app, capfd):
    upgrade(revision=BEFORE_BLOCKS)
    ids = _legacy_trail(6)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_record SET outcome = 'denied' WHERE id = :i"),
                           {"i": ids[3]})
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits 1
        upgrade()
    assert f"hash chain is broken at record {ids[3]}" in capfd.readouterr().err
    db.session.remove()
    assert "audit_block" not in inspect(db.engine).get_table_names()


# --- the full-text search index (d4e7a1c9b3f2) -----------------------------------------

def test_search_index_works_after_every_revision(empty_app):
    """The index lives outside the models: on SQLite, a later revision that recreates the
    `event` table (a batch migration) drops its triggers unless it makes them again. This
    fails then: an event saved on the fully migrated schema must be found."""
    upgrade()
    planner = accounts.create_user(None, email="p@agency.example.com", display_name="P",
                                   roles=["planner"], password="a long test passphrase",
                                   now=NOW)
    starts = NOW + timedelta(days=3)
    event = events.create_event(planner, events.EventData(
        title="Vigil at Quillfeather Park", kind="vigil", starts_at=starts,
        ends_at=starts + timedelta(hours=2), venue="Park",
        information_source="permit_application", permit_status="applied"), NOW)
    db.session.commit()
    assert [h.event.id for h in search.search("Quillfeather")] == [event.id]
    events.delete_event(planner, event, NOW)
    db.session.commit()
    assert search.search("Quillfeather") == []
