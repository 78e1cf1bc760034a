"""Declarative base, the UTC datetime column type and per-connection database settings."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic can alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always gives back aware UTC datetimes.

    SQLite keeps no time zone, so a naive value read back is UTC by construction.
    Naive values are refused on the way in: they are a bug at the edge.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith(("sqlite3", "pysqlite"))


# SQLite settings for every new pooled connection (SECURITY.md D-1). A pragma set once at
# start-up would only reach the first connection: these are per connection.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers never block the writer, nor the writer them
    "PRAGMA busy_timeout=5000",  # a writer waits up to 5 s for the lock instead of failing
    "PRAGMA foreign_keys=ON",  # off by default in SQLite, per connection
    "PRAGMA secure_delete=ON",  # freed pages are zeroed (retention, SECURITY.md P-5)
)

# The driver opens a write transaction right before the first INSERT/UPDATE/DELETE; reads
# before it run outside any transaction, so they never hold a lock. IMMEDIATE makes that
# BEGIN take the write lock at once, waiting for it under busy_timeout. A deferred BEGIN
# would take it only at the first write, and if the transaction had read first and another
# connection had committed since, SQLite answers SQLITE_BUSY at once ("database is
# locked"), whatever the busy timeout.
SQLITE_BEGIN = "IMMEDIATE"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if not _is_sqlite(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    # The main database's file ("" for an in-memory one): private with its -wal and -shm
    # (SECURITY.md D-4), whoever created it.
    main_file = next((row[2] for row in cursor.execute("PRAGMA database_list")
                      if row[1] == "main"), "")
    cursor.close()
    from tracker.operations.private_files import tighten_sqlite_files

    tighten_sqlite_files(main_file)
    dbapi_connection.isolation_level = SQLITE_BEGIN


@event.listens_for(Engine, "checkout")
def _sqlite_begin_mode(dbapi_connection, connection_record, connection_proxy):
    """SQLAlchemy resets the driver's isolation_level to "" (deferred) after a block run
    with isolation_level="AUTOCOMMIT": put IMMEDIATE back before the connection is reused."""
    if _is_sqlite(dbapi_connection) and dbapi_connection.isolation_level == "":
        dbapi_connection.isolation_level = SQLITE_BEGIN


def lock_for_write(session: Session) -> None:
    """Take the database's write lock now, before reading a row this unit of work will
    change from what it read (the audit chain head). On SQLite reads run outside the
    write transaction, so two writers could otherwise both read the same value; other
    databases lock the row itself with SELECT ... FOR UPDATE."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if not driver.in_transaction:
        # Issued on the driver connection, as the driver issues its own implicit BEGIN.
        driver.execute("BEGIN IMMEDIATE")
