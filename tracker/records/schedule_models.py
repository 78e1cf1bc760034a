"""The records schedule of an event's own free text (28 CFR 23.20(h)): reviewed at most
RECORDS_REVIEW_YEARS after the event; a privacy officer keeps it (with a reason and a
new review date) or purges it (the texts are erased; the structure and audit remain).

An event without a row follows the default schedule (its end + the configured years);
the row is written by the first decision."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime
from tracker.events.models import Event
from tracker.versioning import version_column


class RecordsSchedule(Base):
    __tablename__ = "records_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"),
                                          unique=True)
    review_on: Mapped[date] = mapped_column(Date, index=True)
    decision: Mapped[str | None] = mapped_column(String(10))  # keep or purge
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    texts_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    event: Mapped[Event] = relationship()
    decided_by: Mapped[User | None] = relationship()
