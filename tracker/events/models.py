"""Event records: what is planned, when and where, and who in the agency looks after it.

There is deliberately no field for an event's cause or viewpoint, nor for anything about
participants' beliefs: the tracker records the agency's preparation, not people's views.
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime, utcnow
from tracker.labels import Labelled, label, name
from tracker.versioning import version_column


class EventKind(Labelled):
    PROTEST = "protest"
    MARCH = "march"
    RALLY = "rally"
    VIGIL = "vigil"
    PARADE = "parade"
    PUBLIC_MEETING = "public_meeting"
    COUNTER_DEMONSTRATION = "counter_demonstration"
    OTHER = "other"


class PermitStatus(Labelled):
    NOT_REQUIRED = "not_required"
    APPLIED = "applied"
    GRANTED = "granted"
    GRANTED_WITH_CONDITIONS = "granted_with_conditions"
    DENIED = "denied"


class InformationSource(Labelled):
    PERMIT_APPLICATION = "permit_application"
    ORGANIZER_NOTICE = "organizer_notice"
    PUBLIC_ANNOUNCEMENT = "public_announcement"
    PARTNER_AGENCY = "partner_agency"
    OTHER = "other"


class EventStatus(Labelled):
    DRAFT = "draft"
    PLANNING = "planning"
    PLAN_APPROVED = "plan_approved"
    IN_PROGRESS = "in_progress"
    CONCLUDED = "concluded"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


name({
    EventKind.PUBLIC_MEETING: "Public meeting",
    EventKind.COUNTER_DEMONSTRATION: "Counter-demonstration",
    PermitStatus.NOT_REQUIRED: "Not required",
    PermitStatus.GRANTED_WITH_CONDITIONS: "Granted with conditions",
    InformationSource.PERMIT_APPLICATION: "Permit application",
    InformationSource.ORGANIZER_NOTICE: "Notice from the organizer",
    InformationSource.PUBLIC_ANNOUNCEMENT: "Public announcement",
    InformationSource.PARTNER_AGENCY: "Partner agency",
    EventStatus.PLAN_APPROVED: "Plan approved",
    EventStatus.IN_PROGRESS: "In progress",
})


related_events = Table(
    "event_relation",
    Base.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("related_event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
)


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "attendance_low IS NULL OR attendance_high IS NULL "
            "OR attendance_low <= attendance_high",
            name="attendance_range",
        ),
        # The dashboard's lists, soonest first, without scanning every past event.
        Index("ix_event_planner_starts", "planner_id", "starts_at"),
        Index("ix_event_liaison_starts", "liaison_id", "starts_at"),
        Index("ix_event_status_starts", "status", "starts_at"),
        # Events under way (started, not ended) are found through their end time.
        Index("ix_event_status_ends", "status", "ends_at"),
        Index("ix_event_ends_starts_status", "ends_at", "starts_at", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(String(300))
    route_description: Mapped[str] = mapped_column(Text, default="")
    attendance_low: Mapped[int | None] = mapped_column(Integer)
    attendance_high: Mapped[int | None] = mapped_column(Integer)
    permit_status: Mapped[str] = mapped_column(String(30))
    permit_reference: Mapped[str] = mapped_column(String(100), default="")
    permit_conditions: Mapped[str] = mapped_column(Text, default="")
    information_source: Mapped[str] = mapped_column(String(30))
    organizing_group: Mapped[str] = mapped_column(String(200), default="")
    logistics_notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=EventStatus.DRAFT.value, index=True)
    planner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    liaison_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised by every UPDATE; an edit names the version it was made from.
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    planner: Mapped[User | None] = relationship(foreign_keys=[planner_id])
    liaison: Mapped[User | None] = relationship(foreign_keys=[liaison_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    related: Mapped[list["Event"]] = relationship(
        secondary=related_events,
        primaryjoin=id == related_events.c.event_id,
        secondaryjoin=id == related_events.c.related_event_id,
        order_by="Event.starts_at",
    )
    # The other direction: events that name this one as related (read-only).
    related_from: Mapped[list["Event"]] = relationship(
        secondary=related_events,
        primaryjoin=id == related_events.c.related_event_id,
        secondaryjoin=id == related_events.c.event_id,
        order_by="Event.starts_at",
        viewonly=True,
    )
    status_changes: Mapped[list["EventStatusChange"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventStatusChange.at"
    )
    approvals: Mapped[list["PlanApproval"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="PlanApproval.version"
    )
    material_changes: Mapped[list["MaterialChange"]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(MaterialChange.at, MaterialChange.id)"
    )

    @property
    def all_related(self) -> list["Event"]:
        """Related events in both directions, soonest first."""
        both = {e.id: e for e in [*self.related, *self.related_from]}
        return sorted(both.values(), key=lambda e: e.starts_at)

    @property
    def status_enum(self) -> EventStatus:
        return EventStatus(self.status)

    @property
    def kind_label(self) -> str:
        return label(EventKind(self.kind))

    @property
    def status_label(self) -> str:
        return label(EventStatus(self.status))

    @property
    def permit_label(self) -> str:
        return label(PermitStatus(self.permit_status))

    @property
    def source_label(self) -> str:
        return label(InformationSource(self.information_source))


class EventStatusChange(Base):
    """Status history: who moved the event from what to what, and when."""

    __tablename__ = "event_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="status_changes")
    actor: Mapped[User] = relationship()

    @property
    def from_label(self) -> str | None:
        return label(EventStatus(self.from_status)) if self.from_status else None

    @property
    def to_label(self) -> str:
        return label(EventStatus(self.to_status))


class PlanApproval(Base):
    """Leadership's signature on one version of the plan: who, when, and a fingerprint of
    exactly what they approved (the event's material fields and the checklist answers at
    that moment, kept in `content`), so a later change can be told from what was signed."""

    __tablename__ = "plan_approval"
    __table_args__ = (UniqueConstraint("event_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict] = mapped_column(JSON)

    event: Mapped[Event] = relationship(back_populates="approvals")
    approved_by: Mapped[User] = relationship()


class MaterialChange(Base):
    """A change to a material field after the plan was approved: what changed (in words,
    old and new), by whom, and whether it sent the plan back to planning (it does not
    while the event is in progress; it is flagged instead)."""

    __tablename__ = "event_material_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    approval_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_approval.id", ondelete="SET NULL"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"field": name, "label": ..., "old": words, "new": words}, ...]
    changes: Mapped[list] = mapped_column(JSON)

    event: Mapped[Event] = relationship(back_populates="material_changes")
    approval: Mapped[PlanApproval | None] = relationship()
    actor: Mapped[User] = relationship()
