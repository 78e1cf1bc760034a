"""Counting 304 answers on the feed route: per feed and hour, one row, written at most
once a minute by each web worker.

A calendar client asks every few minutes; writing (and locking) for each 304 would cost
more than answering it. Each worker keeps its counts in memory and adds them to the rows
on the first 304 after a minute has passed. A worker that stops loses at most its last
minute of counts, never an audit record: a fetch that returns the calendar is audited
on its own (tracker/calendar/views.py)."""

import threading
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from tracker.calendar.models import FeedFetchCount
from tracker.extensions import db

FLUSH_EVERY = timedelta(minutes=1)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class NotModifiedCounter:
    """One per web worker (kept in app.extensions)."""

    def __init__(self):
        self._counts: Counter = Counter()
        self._lock = threading.Lock()
        self._flushed_at: datetime | None = None

    def count(self, feed_id: int, now: datetime) -> dict | None:
        """Add one 304; returns the counts to write when a minute has passed since the
        last write (the first one is written at once), else None."""
        with self._lock:
            self._counts[(feed_id, hour_of(now))] += 1
            if self._flushed_at is not None and now - self._flushed_at < FLUSH_EVERY:
                return None
            due, self._counts = dict(self._counts), Counter()
            self._flushed_at = now
            return due

    def put_back(self, counts: dict) -> None:
        """Counts whose write failed wait for the next one."""
        with self._lock:
            self._counts.update(counts)


def add(counts: dict) -> None:
    """Add the counts to their rows in the caller's unit of work, one upsert each."""
    session = db.session
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    for (feed_id, hour), number in sorted(counts.items()):
        statement = insert(FeedFetchCount).values(feed_id=feed_id, hour=hour,
                                                  not_modified=number)
        session.execute(statement.on_conflict_do_update(
            index_elements=["feed_id", "hour"],
            set_={"not_modified": FeedFetchCount.not_modified
                  + statement.excluded.not_modified}))


def counts_of(feed_id: int) -> dict[datetime, int]:
    """hour -> 304 answers, for reports and tests."""
    rows = db.session.execute(select(FeedFetchCount.hour, FeedFetchCount.not_modified)
                              .where(FeedFetchCount.feed_id == feed_id)
                              .order_by(FeedFetchCount.hour))
    return dict(rows.all())
