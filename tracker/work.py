"""The one unit of work of views, CLI commands and jobs.

Services flush; the boundary (a view, a CLI command, a scheduler job) commits through
this module, and nowhere else:

    with work.unit():
        services.something(actor, ..., now)

commits when the block ends normally. When it raises, everything it did is rolled back
first, then the error goes on: a domain error (tracker/errors.py) as it was, a
StaleDataError (two saves of the same versioned record at the same moment) as a
tracker.errors.Race (a Conflict), any other error (a database error, a bug) as it was.

`run(action)` is the same for one call; `discard()` drops a failed or read-only unit of
work without committing (an error page, a health probe).

A few modules keep their own transactions for a documented reason and say so where they
do: the audit sealer (its own lock and retries), the reminder dispatcher and the
scheduler's leadership lease (fenced claims, committed before sending), the node and
health probes (their own short-lived sessions), and data migrations."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm.exc import StaleDataError

from tracker.errors import Race
from tracker.extensions import db

T = TypeVar("T")

RACE_MESSAGE = ("Someone else saved this record at the same moment. Nothing you entered "
                "was saved yet.")


@contextmanager
def unit() -> Iterator[None]:
    """Commit on success; on failure roll back and raise (a race as a Conflict)."""
    try:
        yield
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise Race(RACE_MESSAGE) from err
    except BaseException:
        db.session.rollback()
        raise


def run(action: Callable[[], T]) -> T:
    """Run `action()` (one service call) as one unit of work and return its result."""
    with unit():
        return action()


def discard() -> None:
    """Roll back whatever the current unit of work did (nothing is kept)."""
    db.session.rollback()
