"""Calendar feeds, each event's iCalendar sequence, and the cache of rendered feeds."""

from datetime import datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime, utcnow


class CalendarFeed(Base):
    """A subscribable feed link. Only a hash of its secret token is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Filters: None means any.
    kind: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str | None] = mapped_column(String(20))
    assigned_to_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    include_cancelled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])


class CalendarSequence(Base):
    """Each event's iCalendar SEQUENCE: raised whenever its time, place or status changes,
    so calendar clients replace their copy."""

    __tablename__ = "calendar_sequence"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)


class CalendarGeneration(Base):
    """One row: a counter raised by every change that can alter any feed's content.
    A cached feed rendered at the current generation is still correct."""

    __tablename__ = "calendar_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class CalendarChange(Base):
    """What each generation changed: one event (its feed entry is re-rendered and put in
    place) or, with no event, anything (feeds are rebuilt). Raising the generation locks
    its row until commit, so generations become visible in order and a feed rendered at
    generation G is brought up to date by the changes after G."""

    __tablename__ = "calendar_change"

    generation: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                            autoincrement=False)
    # No foreign key: a deleted event's change is what removes it from feeds.
    event_id: Mapped[int | None] = mapped_column(Integer)


class FeedCache(Base):
    """A feed's last rendering, shared by every web worker and machine."""

    __tablename__ = "calendar_feed_cache"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_feed.id", ondelete="CASCADE"), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)
    # The rendering also depends on the settings (zone, refresh, base URL ...).
    # The server default is the one migration e3c16047b6cf gave rows cached before it.
    settings_key: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # The content also changes with time alone (a cancelled event leaves the feed after
    # the configured period): the rendering is good until then.
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Strong validators of the plain and the gzip-encoded bytes.
    etag: Mapped[str] = mapped_column(String(80))
    gzip_etag: Mapped[str] = mapped_column(String(80), default="")
    # The rendering, gzip-compressed once per version; the plain bytes are those
    # decompressed (storing them too would write every version's bytes twice).
    gzip_body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    # Event ids, sort keys, lengths and gzip blocks of the body (tracker.calendar.assembly):
    # a change to one event is spliced in instead of rebuilding the feed.
    layout: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    event_count: Mapped[int] = mapped_column(Integer)
    # Moves forward only: a new rendering never gets an earlier Last-Modified.
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The gzip bytes are compressed already, and PostgreSQL's own compression of a large value
# (TOAST) would cost more than the rest of a feed update: store both blobs as they are.
# The migration does the same for existing databases.
STORE_UNCOMPRESSED = DDL(
    "ALTER TABLE calendar_feed_cache ALTER COLUMN gzip_body SET STORAGE EXTERNAL, "
    "ALTER COLUMN layout SET STORAGE EXTERNAL").execute_if(dialect="postgresql")
event.listen(FeedCache.__table__, "after_create", STORE_UNCOMPRESSED)


class FeedFetchCount(Base):
    """Feed fetches answered 304 Not Modified, counted per feed and UTC hour (SECURITY.md
    U-1). Such a fetch discloses nothing new, so it gets no audit record of its own; a
    fetch that returns the calendar does. Each web worker adds its count at most once a
    minute (tracker/calendar/fetch_counts.py)."""

    __tablename__ = "calendar_feed_fetch_count"

    feed_id: Mapped[int] = mapped_column(ForeignKey("calendar_feed.id"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
