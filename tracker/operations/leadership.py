"""One scheduler by election: every node may run `flask --app tracker scheduler`; the
processes elect one leader through the database, and the others wait as hot standbys.

- PostgreSQL: a session-level advisory lock held on a dedicated connection (outside the
  pool, autocommit, so it never holds a transaction open). The server releases it the
  moment that session ends: a killed leader's lock is free at once, and a standby trying
  every SCHEDULER_ELECTION_SECONDS takes over within that time.
- SQLite: the `scheduler_leader` row is a lease. The leader renews it every
  SCHEDULER_ELECTION_SECONDS; a standby takes it over once `lease_until` has passed, so a
  killed leader is replaced within SCHEDULER_LEASE_SECONDS plus one election interval.

On both, the row names the leader for /healthz and the logs. A leader that cannot renew
before its own lease runs out steps down by itself (it stops starting jobs), so two
leaders never run the jobs on purpose; the jobs themselves are idempotent and claim
their rows, which covers the seconds in between.

The election commits and rolls back the session it is given itself, not through
tracker/work.py: a lease taken or renewed must be committed at once, apart from any
job's unit of work."""

import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tracker.db import lock_for_write
from tracker.operations.models import SchedulerLeader

log = logging.getLogger(__name__)

LEADER_ID = 1
# "tracker-scheduler" as a number: the advisory lock's key, scoped to the database.
ADVISORY_KEY = 0x747261636B6572


@dataclass(frozen=True)
class Leader:
    node: str
    since: datetime
    renewed_at: datetime
    lease_until: datetime


def current(session: Session) -> Leader | None:
    row = session.get(SchedulerLeader, LEADER_ID)
    if row is None:
        return None
    return Leader(row.node, row.since, row.renewed_at, row.lease_until)


def _claim_row(session: Session, node: str, now: datetime, lease: timedelta,
               force: bool) -> tuple[bool, str | None]:
    """Take or renew the lease row for `node` (the caller commits). `force`: the node
    holds the PostgreSQL lock, so the row is its whatever it says. Returns (leads, the
    node that led before when the lead changed hands)."""
    lock_for_write(session)
    row = session.get(SchedulerLeader, LEADER_ID, with_for_update=True)
    if row is None:
        session.add(SchedulerLeader(id=LEADER_ID, node=node, since=now, renewed_at=now,
                                    lease_until=now + lease))
        session.flush()
        return True, None
    if row.node == node:
        row.renewed_at, row.lease_until = now, now + lease
        return True, None
    if force or row.lease_until < now:
        previous = row.node
        row.node, row.since, row.renewed_at, row.lease_until = node, now, now, now + lease
        return True, previous
    return False, None


class Election:
    """campaign() once every election interval: returns whether this node leads now.
    The caller provides the session (the app's, inside an app context) and commits."""

    def __init__(self, engine: Engine, node: str, lease: timedelta) -> None:
        self.node, self.lease = node, lease
        self.postgresql = engine.dialect.name == "postgresql"
        self._url = engine.url
        self._lock_engine: Engine | None = None
        self._lock: Connection | None = None
        self.leads = False
        self.previous: str | None = None  # who led before this node took over
        self._valid_until = 0.0  # monotonic: when this node's own lease runs out

    # ---- PostgreSQL: the advisory lock on its own connection -------------------------

    def _holds_lock(self) -> bool:
        if self._lock is not None:
            try:
                self._lock.execute(text("SELECT 1"))
                return True
            except SQLAlchemyError:  # the session ended, and the lock with it
                log.warning("scheduler %s: lost the database session holding the "
                            "leader lock", self.node)
                self._drop_lock()
        if self._lock_engine is None:
            self._lock_engine = create_engine(self._url, poolclass=NullPool)
        try:
            connection = self._lock_engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as error:
            log.warning("scheduler %s: database unreachable (%s)", self.node,
                        type(error).__name__)
            return False
        if connection.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                             {"key": ADVISORY_KEY}):
            self._lock = connection
            return True
        connection.close()
        return False

    def _drop_lock(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._lock.close()
            self._lock = None

    # ---- both -----------------------------------------------------------------------

    def campaign(self, session: Session, now: datetime) -> bool:
        """Try to lead, or stay leader. A database error keeps the current state until
        this node's own lease would have run out."""
        try:
            if self.postgresql and not self._holds_lock():
                session.rollback()
                leads, previous = False, None
            else:
                leads, previous = _claim_row(session, self.node, now, self.lease,
                                             force=self.postgresql)
                session.commit()
        except SQLAlchemyError as error:
            session.rollback()
            log.warning("scheduler %s: election failed (%s)", self.node,
                        type(error).__name__)
            if self.leads and time.monotonic() < self._valid_until:
                return True
            self.leads = False
            return False
        if leads:
            # Renewals are counted from before the write: never longer than granted.
            self._valid_until = time.monotonic() + self.lease.total_seconds() * 0.8
            if not self.leads:
                self.previous = previous
        self.leads = leads
        return leads

    def resign(self, session: Session) -> None:
        """Give the lead up at once (a clean stop): a standby need not wait for the lease."""
        try:
            if self.leads:
                row = session.get(SchedulerLeader, LEADER_ID)
                if row is not None and row.node == self.node:
                    lock_for_write(session)
                    session.refresh(row)
                    if row.node == self.node:
                        row.lease_until = row.renewed_at  # already past: free for anyone
                session.commit()
        except SQLAlchemyError:
            session.rollback()
        finally:
            self.leads = False
            self._drop_lock()
            if self._lock_engine is not None:
                self._lock_engine.dispose()


def leader_row(session: Session) -> Leader | None:
    """For /healthz: the row, or None when the table is missing (not migrated yet)."""
    try:
        return current(session)
    except SQLAlchemyError:
        session.rollback()
        return None

