"""Optimistic concurrency for edited records (SECURITY.md R-3, ARCHITECTURE style 11).

An edited record has a `version` column that SQLAlchemy raises on every UPDATE and puts
in the UPDATE's WHERE clause (`version_id_col`). An edit names the version it was made
from (the edit form's hidden field; later the API's If-Match): a different current
version is a Conflict before anything is applied, and a save that races another between
that check and its UPDATE matches no row, which SQLAlchemy reports as StaleDataError
and the unit of work turns into the same Conflict. Nothing is ever overwritten silently.
"""

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from tracker.errors import Conflict


def version_column() -> Mapped[int]:
    """The column of an edited record; the class names it in
    `__mapper_args__ = {"version_id_col": version}`.
    Existing rows start at 1 (server default) when a migration adds it."""
    return mapped_column(Integer, nullable=False, server_default="1")


def check(record, expected: int | None, what: str = "record") -> None:
    """Refuse an edit made from another version of `record`. `expected` None means the
    caller named no version (a client that does not send one), and is not checked."""
    if expected is None:
        return
    if expected != record.version:
        raise Conflict(
            f"Someone else saved this {what} since you opened it (now version "
            f"{record.version}, you had version {expected}). Nothing you entered was "
            "saved yet.", current_version=record.version)
