"""full-text search over events: SQLite FTS5 table with triggers, PostgreSQL tsvector

Revision ID: d4e7a1c9b3f2
Revises: 5b1e0c4a9d21
Create Date: 2026-12-02 14:00:00

Indexed: title, venue, route description, organizing group, logistics notes (never a
person's details). The SQL is written out here, not imported, so this revision stays as
it was when later code changes.
"""
from alembic import op

revision = 'd4e7a1c9b3f2'
down_revision = '5b1e0c4a9d21'
branch_labels = None
depends_on = None

COLUMNS = "title, venue, route_description, organizing_group, logistics_notes"
NEW = ", ".join(f"new.{c.strip()}" for c in COLUMNS.split(","))
OLD = ", ".join(f"old.{c.strip()}" for c in COLUMNS.split(","))

SQLITE_UP = (
    f"CREATE VIRTUAL TABLE event_search USING fts5({COLUMNS}, content='event', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER event_search_insert AFTER INSERT ON event BEGIN "
    f"INSERT INTO event_search(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
    "CREATE TRIGGER event_search_delete AFTER DELETE ON event BEGIN "
    f"INSERT INTO event_search(event_search, rowid, {COLUMNS}) "
    f"VALUES ('delete', old.id, {OLD}); END",
    f"CREATE TRIGGER event_search_update AFTER UPDATE OF {COLUMNS} ON event BEGIN "
    f"INSERT INTO event_search(event_search, rowid, {COLUMNS}) "
    f"VALUES ('delete', old.id, {OLD}); "
    f"INSERT INTO event_search(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
    # Events recorded before this revision.
    "INSERT INTO event_search(event_search) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS event_search_update",
    "DROP TRIGGER IF EXISTS event_search_delete",
    "DROP TRIGGER IF EXISTS event_search_insert",
    "DROP TABLE IF EXISTS event_search",
)
PG_PARTS = (("title", "A"), ("venue", "B"), ("organizing_group", "B"),
            ("route_description", "C"), ("logistics_notes", "D"))
POSTGRES_UP = (
    "ALTER TABLE event ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    + " || ".join(f"setweight(to_tsvector('english'::regconfig, coalesce({c}, '')), '{w}')"
                  for c, w in PG_PARTS)
    + ") STORED",
    "CREATE INDEX ix_event_search_vector ON event USING gin (search_vector)",
)
POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS ix_event_search_vector",
    "ALTER TABLE event DROP COLUMN IF EXISTS search_vector",
)


def _run(sqlite, postgres):
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": sqlite, "postgresql": postgres}.get(dialect, ()):
        op.execute(statement)


def upgrade():
    _run(SQLITE_UP, POSTGRES_UP)


def downgrade():
    _run(SQLITE_DOWN, POSTGRES_DOWN)
