"""The scheduler's heartbeat: the only operational state kept in the database."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Base, UTCDateTime


class SchedulerHeartbeat(Base):
    """One row, rewritten by the scheduler process at every heartbeat. The web workers
    cannot see that process, so /healthz reads its liveness from here."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerLeader(Base):
    """One row naming the scheduler process that runs the jobs (tracker/operations/
    leadership.py). On SQLite the row is the lock itself: a lease the leader renews; on
    PostgreSQL an advisory lock decides and the row only tells /healthz who holds it."""

    __tablename__ = "scheduler_leader"

    id: Mapped[int] = mapped_column(primary_key=True)
    node: Mapped[str] = mapped_column(String(200))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime)
