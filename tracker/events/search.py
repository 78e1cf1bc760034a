"""Full-text search over events, with the database's own index: SQLite FTS5 (an
external-content table `event_search` kept in step with `event` by triggers) or a
PostgreSQL generated `tsvector` column `event.search_vector` with a GIN index.

Only the event's own planning words are indexed: title, venue, route, organizing group
and logistics notes. Nothing about people is: no outreach contact, no planner or liaison
name, no permit conditions (SECURITY.md P-2, no person-centred search).

The index is created by the Alembic revision d4e7a1c9b3f2 and, for the schema that
`db.create_all()` builds (tests), by the DDL hooks below. Note for later migrations: a
SQLite batch migration that recreates the `event` table drops its triggers; such a
revision must create them again (`SQLITE_TRIGGERS`) and rebuild the index.
"""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import DDL, event, select, text

from tracker.events.models import Event
from tracker.extensions import db

COLUMNS = ("title", "venue", "route_description", "organizing_group", "logistics_notes")
# bm25 weights, in COLUMNS order (a word in the title counts most).
WEIGHTS = (10.0, 5.0, 2.0, 4.0, 1.0)
MAX_WORDS = 12
MAX_QUERY = 200
# Private-use characters mark the highlighted terms in the database's output; the text
# is escaped first and only these markers become <mark> elements.
OPEN, CLOSE = "\ue000", "\ue001"
SEARCH_TABLE = "event_search"
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_event_search_vector"

_cols = ", ".join(COLUMNS)
_new = ", ".join(f"new.{c}" for c in COLUMNS)
_old = ", ".join(f"old.{c}" for c in COLUMNS)
SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5({_cols}, content='event', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')")
# The interpolated names below are this module's constants, never input.
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER event_search_insert AFTER INSERT ON event BEGIN "  # noqa: S608  # nosec B608
    f"INSERT INTO {SEARCH_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
    f"CREATE TRIGGER event_search_delete AFTER DELETE ON event BEGIN "  # noqa: S608  # nosec B608
    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, {_cols}) "
    f"VALUES ('delete', old.id, {_old}); END",
    f"CREATE TRIGGER event_search_update AFTER UPDATE OF {_cols} ON event BEGIN "  # noqa: S608  # nosec B608
    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, {_cols}) "
    f"VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO {SEARCH_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
)
_PG_PARTS = (("title", "A"), ("venue", "B"), ("organizing_group", "B"),
             ("route_description", "C"), ("logistics_notes", "D"))
POSTGRES_DDL = (
    f"ALTER TABLE event ADD COLUMN {SEARCH_COLUMN} tsvector GENERATED ALWAYS AS ("
    + " || ".join(f"setweight(to_tsvector('english'::regconfig, coalesce({c}, '')), '{w}')"
                  for c, w in _PG_PARTS)
    + ") STORED",
    f"CREATE INDEX {SEARCH_INDEX} ON event USING gin ({SEARCH_COLUMN})",
)


def _install_ddl() -> None:
    """The same index for a schema built with create_all (the tests' databases)."""
    table = Event.__table__
    for statement in (SQLITE_TABLE, *SQLITE_TRIGGERS):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRES_DDL:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    event.listen(table, "before_drop", DDL(
        f"DROP TABLE IF EXISTS {SEARCH_TABLE}").execute_if(dialect="sqlite"))


_install_ddl()


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the search index is not in the models (SQLAlchemy has no type
    for an FTS5 table, and the tsvector column exists on PostgreSQL only), so the
    schema comparison and autogenerate leave it alone."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table" and name and name.startswith(SEARCH_TABLE):
        return False  # event_search and its shadow tables (_data, _idx, _docsize, _config)
    if type_ == "column" and name == SEARCH_COLUMN:
        return False
    return not (type_ == "index" and name == SEARCH_INDEX)


@dataclass(frozen=True)
class Hit:
    event: Event
    title: Markup
    excerpt: Markup
    rank: float


def words(query: str) -> list[str]:
    """The words of a search box's text; operators and punctuation are dropped, so no
    input can change the query's shape."""
    return re.findall(r"\w+", (query or "")[:MAX_QUERY])[:MAX_WORDS]


def highlighted(raw: str | None) -> Markup:
    """The database's marked-up text, escaped, with its markers as <mark> elements."""
    safe = str(escape(raw or ""))
    safe = re.sub(f"{OPEN}(.*?){CLOSE}", r"<mark>\1</mark>", safe, flags=re.S)
    return Markup(safe.replace(OPEN, "").replace(CLOSE, ""))  # noqa: S704 (escaped above)  # nosec B704


def search(query: str, limit: int = 50) -> list[Hit]:
    """Events matching every word of `query`, best first, with the words highlighted."""
    found = words(query)
    if not found:
        return []
    run = _postgres if db.engine.dialect.name == "postgresql" else _sqlite
    rows = run(found, limit)
    events = {e.id: e for e in db.session.scalars(
        select(Event).where(Event.id.in_([r[0] for r in rows])))}
    return [Hit(events[r[0]], highlighted(r[2]), highlighted(r[3]), float(r[1]))
            for r in rows if r[0] in events]


def _sqlite(found: list[str], limit: int) -> list:
    match = " ".join(f'"{w}"' for w in found)  # each word a literal token, all required
    weights = ", ".join(str(w) for w in WEIGHTS)
    return list(db.session.execute(text(
        f"SELECT rowid, bm25({SEARCH_TABLE}, {weights}) AS rank, "  # noqa: S608  # nosec B608  # nosec B608 (constants)
        f"highlight({SEARCH_TABLE}, 0, :open, :close), "
        f"snippet({SEARCH_TABLE}, -1, :open, :close, '…', 16) "
        f"FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match "
        "ORDER BY rank, rowid LIMIT :limit"),
        {"open": OPEN, "close": CLOSE, "match": match, "limit": limit}))


def _postgres(found: list[str], limit: int) -> list:
    options = f"StartSel={OPEN}, StopSel={CLOSE}, MaxWords=30, MinWords=10"
    return list(db.session.execute(text(
        "SELECT id, ts_rank(search_vector, q) AS rank, "
        "ts_headline('english', title, q, :all), "
        "ts_headline('english', concat_ws(' · ', venue, organizing_group, "
        "route_description, logistics_notes), q, :options) "
        "FROM event, plainto_tsquery('english', :match) AS q "
        "WHERE search_vector @@ q ORDER BY rank DESC, id LIMIT :limit"),
        {"match": " ".join(found), "all": options + ", HighlightAll=true",
         "options": options, "limit": limit}))
