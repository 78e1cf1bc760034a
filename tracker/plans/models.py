"""The operations plan and the after-action report.

An event has at most one operations plan; the plan has numbered versions. A version is a
draft until submitted for approval; approving the event approves the submitted version
(its content hash is part of the approval fingerprint). Sections are stored as JSON in
the shape tracker/plans/sections.py describes; they name agency positions, units and
staff, never participants. The map is GeoJSON text (geography only: routes, staging
areas, closures, first aid; never where people are).

The after-action report holds counts only (arrests, injuries, complaints, use-of-force
reports), never names; its corrective actions have an agency owner and a due date and
are tracked to closure.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime, utcnow
from tracker.events.models import Event, PlanApproval
from tracker.versioning import version_column


class VersionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


class ActionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OperationsPlan(Base):
    """One per event. `copied_from_event_id` records that the first version started as a
    copy of another event's plan (sections and map only)."""

    __tablename__ = "operations_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    copied_from_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(foreign_keys=[event_id])
    copied_from: Mapped[Event | None] = relationship(foreign_keys=[copied_from_event_id])
    created_by: Mapped[User] = relationship()
    versions: Mapped[list["PlanVersion"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanVersion.number")

    @property
    def latest(self) -> "PlanVersion | None":
        return self.versions[-1] if self.versions else None


class PlanVersion(Base):
    """One numbered version of the plan. Only a draft is edited (optimistically, through
    `version`); submitting freezes it and records its content hash."""

    __tablename__ = "plan_version"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint("status IN ('draft', 'submitted', 'approved', 'superseded')",
                        name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("operations_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=VersionStatus.DRAFT.value)
    # {"objectives": [...], "command": [...], "assignments": [...], ...}: see sections.py
    sections: Mapped[dict] = mapped_column(JSON)
    # GeoJSON FeatureCollection text, validated by tracker/plans/geo.py; None: no map yet.
    map_geojson: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of the canonical sections and map; kept current on every save.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_approval.id", ondelete="SET NULL"))
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[OperationsPlan] = relationship(back_populates="versions")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    approval: Mapped[PlanApproval | None] = relationship()

    @property
    def status_enum(self) -> VersionStatus:
        return VersionStatus(self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT.value


class AfterActionReport(Base):
    """After the event: what went as planned and what did not, counts only, lessons."""

    __tablename__ = "after_action_report"
    __table_args__ = tuple(
        CheckConstraint(f"{name} IS NULL OR {name} >= 0", name=f"{name}_not_negative")
        for name in ("arrests", "injuries", "complaints", "use_of_force_reports"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    went_as_planned: Mapped[str] = mapped_column(Text, default="")
    did_not_go_as_planned: Mapped[str] = mapped_column(Text, default="")
    arrests: Mapped[int | None] = mapped_column(Integer)
    injuries: Mapped[int | None] = mapped_column(Integer)
    complaints: Mapped[int | None] = mapped_column(Integer)
    use_of_force_reports: Mapped[int | None] = mapped_column(Integer)
    lessons: Mapped[str] = mapped_column(Text, default="")
    # The date of the after-action review meeting (the post-event checklist reads it).
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    event: Mapped[Event] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    actions: Mapped[list["CorrectiveAction"]] = relationship(
        back_populates="report", cascade="all, delete-orphan",
        order_by="(CorrectiveAction.due_on, CorrectiveAction.id)")


class CorrectiveAction(Base):
    """An improvement-plan item: what to do, the agency owner, the due date; open until
    closed. `reminded_on` is the last day a reminder was sent for it (one a day at most)."""

    __tablename__ = "corrective_action"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        Index("ix_corrective_action_owner_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("after_action_report.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default=ActionStatus.OPEN.value)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_note: Mapped[str] = mapped_column(Text, default="")
    reminded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    report: Mapped[AfterActionReport] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN.value
