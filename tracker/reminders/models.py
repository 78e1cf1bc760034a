"""Reminders as rows: what is due when and for whom, their delivery state, the in-app
inbox, and each user's choices."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime, utcnow
from tracker.labels import Labelled, label, name


class ReminderKind(Labelled):
    EVENT_UPCOMING = "event_upcoming"
    CHECKLIST_DUE = "checklist_due"
    FOLLOW_UP = "follow_up"
    RETENTION_DIGEST = "retention_digest"
    NOTICE = "notice"


name({ReminderKind.EVENT_UPCOMING: "Upcoming events",
      ReminderKind.CHECKLIST_DUE: "Checklist items due",
      ReminderKind.FOLLOW_UP: "Outreach follow-ups",
      ReminderKind.RETENTION_DIGEST: "Weekly retention digest",
      ReminderKind.NOTICE: "News about your events: approvals, changes, red flags, "
                           "reviews, cancellations"})


class ReminderState(Labelled):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a dispatcher
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry
    CANCELLED = "cancelled"


class Channel(Labelled):
    BOTH = "both"
    EMAIL = "email"
    IN_APP = "in_app"
    OFF = "off"


name({Channel.BOTH: "Email and in the tracker", Channel.EMAIL: "Email only",
      Channel.IN_APP: "In the tracker only"})


class Reminder(Base):
    __tablename__ = "reminder"
    __table_args__ = (Index("ix_reminder_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What, which object, recipient and due instant: recomputing never duplicates.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default=ReminderState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(40), index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    channels_used: Mapped[str] = mapped_column(String(20), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return label(ReminderKind(self.kind))


class InboxMessage(Base):
    """An in-app reminder. One per reminder at most."""

    __tablename__ = "inbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    reminder_id: Mapped[int] = mapped_column(
        ForeignKey("reminder.id", ondelete="CASCADE"), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReminderPreference(Base):
    """A user's channel for one kind of reminder (absent: the default, both)."""

    __tablename__ = "reminder_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))


class EventReminderOffsets(Base):
    """Days before this event's start to remind its planner and liaison, overriding
    their own settings."""

    __tablename__ = "event_reminder_offsets"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"),
                                          primary_key=True)
    days: Mapped[list] = mapped_column(JSON)


class UserReminderOffsets(Base):
    """A user's own choice of days before an event's start (default 7 and 1)."""
    __tablename__ = "user_reminder_offsets"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    days: Mapped[list] = mapped_column(JSON)


class Notice(Base):
    """Something that happened which people must hear of (a plan approved or sent back,
    a red flag opened or decided, an event cancelled). Written once, when it happens, and
    delivered to each recipient through a NOTICE reminder due at once, by the same
    dispatcher, channels and settings as every reminder."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
