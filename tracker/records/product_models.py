"""Products about an event (situational-awareness bulletins, briefings) and their review
by a privacy officer before release (fusion-center P/CRCL practice).

A product is a sequence of versions. A version is written as a draft, submitted, and
reviewed against the fixed questions (REVIEW_QUESTIONS): approved, returned with comments,
or rejected. Only an approved version can be released; a released version is frozen, and
any later change is a new version that needs its own review."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime
from tracker.events.models import Event
from tracker.versioning import version_column


class ProductKind(StrEnum):
    BULLETIN = "bulletin"
    BRIEFING = "briefing"
    OTHER = "other"


class VersionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    RELEASED = "released"


KIND_LABELS = {"bulletin": "Situational-awareness bulletin", "briefing": "Briefing",
               "other": "Other product"}
STATUS_LABELS = {"draft": "Draft", "submitted": "Waiting for privacy review",
                 "returned": "Returned with comments", "approved": "Approved for release",
                 "rejected": "Rejected", "released": "Released (frozen)"}

# The privacy officer's questions, each with the answer an approvable product gives.
# (column, question, the answer that allows approval)
REVIEW_QUESTIONS: tuple[tuple[str, str, bool], ...] = (
    ("q_protected_without_nexus",
     "Does it describe protected activity without a criminal nexus?", False),
    ("q_identifies_by_views",
     "Does it identify individuals or groups by their views, religion, race, ethnicity "
     "or the groups they belong to?", False),
    ("q_sources_stated",
     "Are sources and their reliability stated, and facts kept apart from assessment?",
     True),
    ("q_distribution_limited",
     "Is distribution limited to those with a need to know, with handling caveats?", True),
)


class Product(Base):
    """A product about one event; its text lives in its versions."""

    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    event: Mapped[Event] = relationship()
    created_by: Mapped[User] = relationship()
    versions: Mapped[list["ProductVersion"]] = relationship(
        back_populates="product", order_by="ProductVersion.number",
        cascade="all, delete-orphan")

    @property
    def latest(self) -> "ProductVersion":
        return self.versions[-1]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


class ProductVersion(Base):
    """One version of a product's text and its review. Released: frozen."""

    __tablename__ = "product_version"
    __table_args__ = (UniqueConstraint("product_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"),
                                            index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    recipients: Mapped[str] = mapped_column(Text)  # intended recipients: agencies, roles
    caveats: Mapped[str] = mapped_column(Text)  # handling caveats
    status: Mapped[str] = mapped_column(String(20), index=True)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    q_protected_without_nexus: Mapped[bool | None] = mapped_column(Boolean)
    q_identifies_by_views: Mapped[bool | None] = mapped_column(Boolean)
    q_sources_stated: Mapped[bool | None] = mapped_column(Boolean)
    q_distribution_limited: Mapped[bool | None] = mapped_column(Boolean)
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    product: Mapped[Product] = relationship(back_populates="versions")
    written_by: Mapped[User] = relationship(foreign_keys=[written_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def review_label(self) -> str:
        """The privacy officer's decision on this version."""
        if self.status in (VersionStatus.APPROVED, VersionStatus.RELEASED):
            return "Approved"
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT

    @property
    def answers(self) -> list[tuple[str, str, bool | None, bool]]:
        """(column, question, answer given, the approvable answer) for each question."""
        return [(col, q, getattr(self, col), ok) for col, q, ok in REVIEW_QUESTIONS]
