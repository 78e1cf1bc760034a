"""Information records of an event: the collected-information register and the
dissemination log (28 CFR 23.20 (d), (e), (h); the post-event stage of the guidance).

The register describes each item the agency gathered; it never holds the item itself.
A description names no person unless a criminal predicate is recorded with it. The
dissemination log records each release outside the agency, to an agency and a role
(never a personal address book).
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.checklist.models import RedFlagReview
from tracker.db import Base, UTCDateTime
from tracker.events.models import Event
from tracker.versioning import version_column


class ItemCategory(StrEnum):
    OPEN_SOURCE_POST = "open_source_post"
    PHOTO_OR_VIDEO = "photo_or_video"
    REPORT = "report"
    NOTE = "note"
    OTHER = "other"


class Disposition(StrEnum):
    DESTROYED = "destroyed"
    KEPT = "kept"


class KeepStatus(StrEnum):
    PENDING = "pending"  # waiting for a privacy officer
    APPROVED = "approved"
    REJECTED = "rejected"


class ReleaseKind(StrEnum):
    REGISTER_ITEMS = "register_items"
    PRODUCT = "product"
    PLAN = "plan"
    SUMMARY = "summary"
    OTHER = "other"


class ReleaseMethod(StrEnum):
    SECURE_EMAIL = "secure_email"
    EMAIL = "email"
    SECURE_PORTAL = "secure_portal"
    IN_PERSON = "in_person"
    PHONE = "phone"
    PAPER = "paper"
    OTHER = "other"


LABELS = {
    "open_source_post": "Open-source post", "photo_or_video": "Photo or video",
    "register_items": "Register items", "secure_email": "Secure email",
    "secure_portal": "Secure portal", "in_person": "In person",
    "pending": "Waiting for a privacy officer",
}


def label(value: str | None) -> str:
    if not value:
        return ""
    return LABELS.get(value, value.replace("_", " ").capitalize())


class RegisterItem(Base):
    """One item of information gathered about an event, described, not stored."""

    __tablename__ = "register_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"),
                                          index=True)
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    # An item that concerns individuals needs a criminal predicate: a reference (case or
    # report number) and the checklist red-flag review that judged it.
    concerns_individuals: Mapped[bool] = mapped_column(Boolean, default=False)
    predicate_reference: Mapped[str | None] = mapped_column(String(120))
    predicate_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("red_flag_review.id", ondelete="SET NULL"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_on: Mapped[date] = mapped_column(Date, index=True)

    # Disposition: destroyed (who, when, how) or kept under a records schedule with a
    # justification a privacy officer approves.
    disposition: Mapped[str | None] = mapped_column(String(20), index=True)
    disposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    destruction_method: Mapped[str | None] = mapped_column(String(200))
    keep_schedule: Mapped[str | None] = mapped_column(String(120))
    keep_justification: Mapped[str | None] = mapped_column(Text)
    keep_until: Mapped[date | None] = mapped_column(Date)
    keep_status: Mapped[str | None] = mapped_column(String(20), index=True)
    keep_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    keep_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    keep_decision_note: Mapped[str | None] = mapped_column(Text)

    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    event: Mapped[Event] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    disposed_by: Mapped[User | None] = relationship(foreign_keys=[disposed_by_id])
    keep_decided_by: Mapped[User | None] = relationship(foreign_keys=[keep_decided_by_id])
    predicate_review: Mapped[RedFlagReview | None] = relationship()

    @property
    def disposed(self) -> bool:
        """A disposition is final: destroyed, or kept with an approved justification."""
        return self.disposition == Disposition.DESTROYED or (
            self.disposition == Disposition.KEPT and self.keep_status == KeepStatus.APPROVED)

    def past_due(self, today: date) -> bool:
        return not self.disposed and self.due_on < today

    @property
    def category_label(self) -> str:
        return label(self.category)

    @property
    def state_label(self) -> str:
        if self.disposition == Disposition.DESTROYED:
            return "Destroyed"
        if self.disposition == Disposition.KEPT:
            return {"approved": "Kept (approved)", "rejected": "Keeping refused",
                    "pending": "Keeping proposed, waiting for a privacy officer"}.get(
                self.keep_status or "", "Kept")
        return "No disposition yet"


class DisseminationRecord(Base):
    """One release of event information outside the agency."""

    __tablename__ = "dissemination_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"),
                                          index=True)
    what_kind: Mapped[str] = mapped_column(String(30))
    # What exactly went out, as a reference ("register items 3, 4", "product 7 v2").
    what_ref: Mapped[str] = mapped_column(String(200))
    recipient_agency: Mapped[str] = mapped_column(String(200))
    recipient_role: Mapped[str] = mapped_column(String(120))
    need_to_know: Mapped[str] = mapped_column(Text)
    authority: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(30))
    released_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    released_by: Mapped[User] = relationship()

    @property
    def what_label(self) -> str:
        return label(self.what_kind)

    @property
    def method_label(self) -> str:
        return label(self.method)
