"""The scheduler heartbeat, the audit sealing backlog, and what /healthz reports.

Neither the heartbeat nor a probe writes an audit record: they are liveness signals that
repeat every few seconds, not actions by anyone, and would bury the trail's real records.
The scheduler's start is audited instead (tracker/scheduler.py)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from tracker import work
from tracker.audit.sealing import backlog_after_last_block
from tracker.extensions import db
from tracker.operations import leadership
from tracker.operations.models import SchedulerHeartbeat

log = logging.getLogger(__name__)
HEARTBEAT_ID = 1


def beat(now: datetime) -> None:
    """Record that the scheduler process is alive (the caller commits)."""
    row = db.session.get(SchedulerHeartbeat, HEARTBEAT_ID)
    if row is None:
        db.session.add(SchedulerHeartbeat(id=HEARTBEAT_ID, beat_at=now))
    else:
        row.beat_at = now
    db.session.flush()


@dataclass(frozen=True)
class Health:
    now: datetime
    max_age: timedelta
    database_ok: bool
    last_heartbeat: datetime | None = None
    # The instance folder and what lies directly in it, the database files: none
    # readable by others (SECURITY.md D-4).
    files_private: bool = True
    # The scheduler process that leads the election (tracker/operations/leadership.py).
    leader: str | None = None
    leader_since: datetime | None = None
    # Audit records waiting to be sealed (SECURITY.md U-3): their count and the oldest.
    unsealed: int = 0
    oldest_unsealed: datetime | None = None
    max_unsealed_age: timedelta = timedelta(minutes=5)

    @property
    def unsealed_age(self) -> timedelta | None:
        return None if self.oldest_unsealed is None else self.now - self.oldest_unsealed

    @property
    def sealing_ok(self) -> bool:
        age = self.unsealed_age
        return age is None or age <= self.max_unsealed_age

    @property
    def heartbeat_age(self) -> timedelta | None:
        return None if self.last_heartbeat is None else self.now - self.last_heartbeat

    @property
    def scheduler_ok(self) -> bool:
        age = self.heartbeat_age
        return age is not None and age <= self.max_age

    @property
    def ok(self) -> bool:
        return (self.database_ok and self.scheduler_ok and self.sealing_ok
                and self.files_private)

    def as_dict(self) -> dict:
        """Only states and times: no versions, hosts, paths or error texts."""
        age = self.heartbeat_age
        return {
            "status": "ok" if self.ok else "degraded",
            "database": "ok" if self.database_ok else "unreachable",
            "files": "private" if self.files_private else "readable by others",
            "scheduler": {
                "last_heartbeat": (None if self.last_heartbeat is None
                                   else self.last_heartbeat.isoformat(timespec="seconds")),
                "age_seconds": None if age is None else int(age.total_seconds()),
                "max_age_seconds": int(self.max_age.total_seconds()),
                "leader": self.leader,
                "leader_since": (None if self.leader_since is None
                                 else self.leader_since.isoformat(timespec="seconds")),
            },
            "audit_sealing": {
                "unsealed": self.unsealed,
                "oldest_age_seconds": (None if self.unsealed_age is None
                                       else int(self.unsealed_age.total_seconds())),
                "max_age_seconds": int(self.max_unsealed_age.total_seconds()),
            },
        }


def check(now: datetime, max_age: timedelta,
          max_unsealed_age: timedelta = timedelta(minutes=5),
          files_private: bool = True) -> Health:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        work.discard()
        # The error text can name hosts and users: the class is enough to start from.
        log.warning("health check: database unreachable (%s)", type(error).__name__)
        return Health(now, max_age, database_ok=False, files_private=files_private,
                      max_unsealed_age=max_unsealed_age)
    try:
        last = db.session.scalar(select(SchedulerHeartbeat.beat_at)
                                 .where(SchedulerHeartbeat.id == HEARTBEAT_ID))
        backlog = backlog_after_last_block()
    except SQLAlchemyError as error:  # e.g. migrations not applied yet
        work.discard()
        log.warning("health check: heartbeat unreadable (%s)", type(error).__name__)
        return Health(now, max_age, database_ok=True, max_unsealed_age=max_unsealed_age,
                      files_private=files_private)
    leader = leadership.leader_row(db.session)
    return Health(now, max_age, database_ok=True, last_heartbeat=last,
                  unsealed=backlog.count, oldest_unsealed=backlog.oldest,
                  max_unsealed_age=max_unsealed_age, files_private=files_private,
                  leader=leader and leader.node, leader_since=leader and leader.since)


def max_unsealed_age(config) -> timedelta:
    return timedelta(seconds=config["AUDIT_SEAL_MAX_AGE_SECONDS"])


def max_heartbeat_age(config) -> timedelta:
    configured = config.get("HEALTHZ_HEARTBEAT_MAX_AGE_SECONDS")
    if configured is None:
        configured = 3 * config["SCHEDULER_HEARTBEAT_SECONDS"]
    return timedelta(seconds=configured)
