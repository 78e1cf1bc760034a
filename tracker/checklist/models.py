"""Checklist templates (versioned), each event's checklist, answers with their history,
and red-flag reviews."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime, utcnow
from tracker.events.models import Event
from tracker.labels import Labelled, label, name
from tracker.versioning import version_column


class Stage(Labelled):
    PRE_EVENT = "pre_event"
    OPERATIONAL = "operational"
    POST_EVENT = "post_event"




class ResponseType(Labelled):
    CONFIRM = "confirm"
    YES_NO = "yes_no"
    CHOICE = "choice"
    SHORT_TEXT = "short_text"
    DATE = "date"


name({Stage.PRE_EVENT: "Pre-event", Stage.POST_EVENT: "Post-event",
      ResponseType.YES_NO: "Yes or no"})


class ReviewStatus(Labelled):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the answer changed before a decision


class ChecklistTemplate(Base):
    """One published version of the guidance checklist. Never edited once published:
    an edit publishes the next version, and events keep the version they started with."""

    __tablename__ = "checklist_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    items: Mapped[list["TemplateItem"]] = relationship(
        back_populates="template", cascade="all, delete-orphan",
        order_by="(TemplateItem.stage_order, TemplateItem.position)")
    published_by: Mapped[User | None] = relationship()


class TemplateItem(Base):
    __tablename__ = "checklist_template_item"
    __table_args__ = (UniqueConstraint("template_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_template.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    stage: Mapped[str] = mapped_column(String(20))
    stage_order: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    prompt: Mapped[str] = mapped_column(String(300))
    guidance: Mapped[str] = mapped_column(Text, default="")
    response_type: Mapped[str] = mapped_column(String(20))
    choices: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    red_flag_answers: Mapped[list] = mapped_column(JSON, default=list)
    responsible_role: Mapped[str] = mapped_column(String(30))
    # Due date: `due_days` days from the event's start or end (negative = before).
    due_anchor: Mapped[str | None] = mapped_column(String(10))
    due_days: Mapped[int | None] = mapped_column(Integer)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")

    @property
    def response_type_label(self) -> str:
        return label(ResponseType(self.response_type))

    @property
    def stage_enum(self) -> Stage:
        return Stage(self.stage)

    @property
    def answer_options(self) -> list[str]:
        """The answers a person may choose, for types that have a fixed set."""
        if self.response_type == ResponseType.YES_NO:
            return ["yes", "no"]
        if self.response_type == ResponseType.CHOICE:
            return list(self.choices)
        if self.response_type == ResponseType.CONFIRM:
            return ["done"]
        return []


class EventChecklist(Base):
    __tablename__ = "event_checklist"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    template: Mapped[ChecklistTemplate] = relationship()
    entries: Mapped[list["ChecklistEntry"]] = relationship(
        back_populates="checklist", cascade="all, delete-orphan",
        order_by="ChecklistEntry.id")


class ChecklistEntry(Base):
    """One item of one event's checklist, with its current answer and due instant."""

    __tablename__ = "checklist_entry"
    __table_args__ = (
        UniqueConstraint("checklist_id", "item_id"),
        # The dashboard's items due walk the unanswered entries in due order.
        Index("ix_checklist_entry_open_due", "due_at", "id",
              sqlite_where=text("value IS NULL AND due_at IS NOT NULL"),
              postgresql_where=text("value IS NULL AND due_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(
        ForeignKey("event_checklist.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_template_item.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    value: Mapped[str | None] = mapped_column(Text)
    justification: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The current answer's version: an answer names the one it replaces.
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    checklist: Mapped[EventChecklist] = relationship(back_populates="entries")
    item: Mapped[TemplateItem] = relationship(lazy="joined")
    answered_by: Mapped[User | None] = relationship()
    history: Mapped[list["AnswerRecord"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="AnswerRecord.id")
    reviews: Mapped[list["RedFlagReview"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="RedFlagReview.id")

    @property
    def answered(self) -> bool:
        return self.value is not None

    @property
    def is_red_flag(self) -> bool:
        return self.value is not None and self.value in (self.item.red_flag_answers or [])

    @property
    def open_review(self) -> "RedFlagReview | None":
        """The review for the current answer, whatever its state, if it raised one."""
        for review in reversed(self.reviews):
            if review.status != ReviewStatus.WITHDRAWN:
                return review
        return None


class AnswerRecord(Base):
    """Every answer ever given, in order: changing an answer keeps the old one here."""

    __tablename__ = "checklist_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_entry.id", ondelete="CASCADE"), index=True)
    value: Mapped[str | None] = mapped_column(Text)
    justification: Mapped[str] = mapped_column(Text, default="")
    responder_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Taken from the event record (the items that restate it), not typed by the responder.
    from_record: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    entry: Mapped[ChecklistEntry] = relationship(back_populates="history")
    responder: Mapped[User] = relationship()


class RedFlagReview(Base):
    __tablename__ = "red_flag_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_entry.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("checklist_answer.id"))
    status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.PENDING.value,
                                        index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    entry: Mapped[ChecklistEntry] = relationship(back_populates="reviews")
    answer: Mapped[AnswerRecord] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return label(ReviewStatus(self.status))
