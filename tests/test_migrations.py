"""Migrations (SECURITY.md D-3): one head, upgrade from empty, round trip, and models
match the schema, on the database the run selected (`--db`): the SQLite run and the
PostgreSQL run each check all four."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import g
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.conftest import fresh_database
from tracker import create_app
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
            "compare_type": True, "compare_server_default": server_defaults})
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
