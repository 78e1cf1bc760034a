"""Outreach contacts with organizers and community groups, and retention holds.

Only liaison work is recorded: when, how, why and what came of it. A contact person's
name, phone and email are kept only with recorded consent, and only until the retention
purge. There is no field for anyone's views, beliefs, affiliations or associations.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime, utcnow
from tracker.events.models import Event
from tracker.labels import Labelled, label, name
from tracker.versioning import version_column

PERSONAL_FIELDS = ("person_name", "person_phone", "person_email")


class ContactMethod(Labelled):
    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"
    VIDEO_CALL = "video_call"
    LETTER = "letter"
    OTHER = "other"


class ContactPurpose(Labelled):
    LOGISTICS = "logistics"
    PERMIT = "permit"
    ROUTE = "route"
    SAFETY_INFORMATION = "safety_information"
    ACCESSIBILITY = "accessibility"
    FOLLOW_UP = "follow_up"
    OTHER = "other"


name({ContactPurpose.ACCESSIBILITY: "Accessibility or accommodation",
      ContactPurpose.FOLLOW_UP: "Follow-up"})


class OutreachContact(Base):
    __tablename__ = "outreach_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"),
                                          index=True)
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(30))
    organization: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    follow_up_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Personal details: only with consent, purged after the retention period.
    person_name: Mapped[str | None] = mapped_column(String(120))
    person_phone: Mapped[str | None] = mapped_column(String(40))
    person_email: Mapped[str | None] = mapped_column(String(254))
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    consent_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    personal_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised by every UPDATE; an edit names the version it was made from.
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    event: Mapped[Event] = relationship()
    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    consent_recorded_by: Mapped[User | None] = relationship(
        foreign_keys=[consent_recorded_by_id])
    holds: Mapped[list["RetentionHold"]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="RetentionHold.id")

    @property
    def has_personal_details(self) -> bool:
        return any(getattr(self, name) for name in PERSONAL_FIELDS)

    @property
    def method_label(self) -> str:
        return label(ContactMethod(self.method))

    @property
    def purpose_label(self) -> str:
        return label(ContactPurpose(self.purpose))


class RetentionHold(Base):
    """A privacy officer's hold: the entry's personal details are not purged until the
    hold expires or is released."""

    __tablename__ = "retention_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_contact.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    expires_on: Mapped[date] = mapped_column(Date)
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contact: Mapped[OutreachContact] = relationship(back_populates="holds")
    placed_by: Mapped[User] = relationship(foreign_keys=[placed_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])

    def active_on(self, day: date) -> bool:
        return self.released_at is None and self.expires_on >= day


class StorageScrub(Base):
    """One row: whether values erased by a purge may still sit in the database files
    because the step that removes them there (SQLite's WAL checkpoint, PostgreSQL's
    table rewrite) could not run yet, since when, and why. The scheduler retries soon;
    the retention page shows it (SECURITY.md P-5)."""

    __tablename__ = "storage_scrub"

    id: Mapped[int] = mapped_column(primary_key=True)
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    problem: Mapped[str] = mapped_column(String(300), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
