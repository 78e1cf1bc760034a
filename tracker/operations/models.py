"""The scheduler's heartbeat: the only operational state kept in the database."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Base, UTCDateTime


class SchedulerHeartbeat(Base):
    """One row, rewritten by the scheduler process at every heartbeat. The web workers
    cannot see that process, so /healthz reads its liveness from here."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
