"""What a feed contains, its cached rendering, and the bookkeeping that keeps both right:
each event's SEQUENCE and the generation counter raised by every relevant change."""

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update

from tracker.calendar import ical
from tracker.calendar.models import (
    CalendarChange,
    CalendarFeed,
    CalendarGeneration,
    CalendarSequence,
)
from tracker.events.models import Event, EventStatus
from tracker.events.services import EventFilter, filtered
from tracker.extensions import db

CONFIRMED = {EventStatus.PLAN_APPROVED, EventStatus.IN_PROGRESS, EventStatus.CONCLUDED,
             EventStatus.CLOSED}
# Changes to these fields move the event in a calendar: clients must replace their copy.
PLACE_AND_TIME = {"starts_at", "ends_at", "venue", "route_description"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Generations kept in the change log: a rendering older than that is rebuilt whole.
CHANGES_KEPT = 10_000


@dataclass(frozen=True)
class FeedSettings:
    """Plain values from the configuration and the request."""

    zone: ZoneInfo
    refresh: timedelta
    cancelled_days: int
    base_url: str  # e.g. "https://tracker.example.gov", no trailing slash
    uid_domain: str

    @functools.lru_cache(maxsize=64)  # noqa: B019 (frozen; a request host may vary)
    def fingerprint(self) -> str:
        """Identifies the settings a rendering was made with: a cached feed made with
        other settings (or for another host, when PUBLIC_BASE_URL is unset) is rebuilt."""
        text = "|".join((self.zone.key, str(self.refresh), str(self.cancelled_days),
                         self.base_url, self.uid_domain))
        return hashlib.sha256(text.encode()).hexdigest()


def ical_status(event: Event) -> str:
    status = event.status_enum
    if status is EventStatus.CANCELLED:
        return "CANCELLED"
    return "CONFIRMED" if status in CONFIRMED else "TENTATIVE"


def _summary(event: Event) -> str:
    status = event.status_enum
    if status is EventStatus.CANCELLED:
        return f"CANCELLED: {event.title}"
    if status is EventStatus.POSTPONED:
        return f"POSTPONED: {event.title}"
    if status not in CONFIRMED:
        return f"{event.title} (tentative)"
    return event.title


def to_calendar_event(event: Event, sequence: int, settings: FeedSettings
                      ) -> ical.CalendarEvent:
    """Only the agency's own facts: never outreach data or anyone outside the agency."""
    url = f"{settings.base_url}/events/{event.id}"
    planner = event.planner.display_name if event.planner else "unassigned"
    description = "\n".join([
        f"Kind: {event.kind_label}", f"Status: {event.status_label}",
        f"Permit: {event.permit_label}", f"Planner: {planner}", f"Event page: {url}"])
    return ical.CalendarEvent(
        uid=f"event-{event.id}@{settings.uid_domain}", summary=_summary(event),
        start=event.starts_at, end=event.ends_at, location=event.venue,
        description=description, categories=(event.kind_label,),
        status=ical_status(event), sequence=sequence, created=event.created_at,
        last_modified=event.updated_at, url=url)


def _sequences(event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    rows = db.session.execute(select(CalendarSequence.event_id, CalendarSequence.sequence)
                              .where(CalendarSequence.event_id.in_(event_ids)))
    return dict(rows.all())


def feed_events(feed: CalendarFeed, now: datetime, settings: FeedSettings,
                only: set[int] | None = None) -> tuple[list[Event], datetime | None]:
    """The feed's events (of those in `only`, if given), and when that list next changes
    by the clock alone."""
    cancelled = EventStatus.CANCELLED.value
    # A cancelled event stays long enough for clients to strike it, then leaves.
    stmt = filtered(EventFilter(
        kind=feed.kind or None, status=feed.status or None,
        assigned_to=feed.owner_id if feed.assigned_to_owner else None,
        ids=frozenset(only) if only is not None else None,
        without_cancelled=not feed.include_cancelled,
        cancelled_since=now - timedelta(days=settings.cancelled_days)))
    found = list(db.session.scalars(stmt))
    leaving = [e.updated_at + timedelta(days=settings.cancelled_days)
               for e in found if e.status == cancelled]
    return found, min(leaving, default=None)


def feed_head(feed: CalendarFeed, settings: FeedSettings) -> bytes:
    return ical.calendar_head(name=feed.name, uid=f"feed-{feed.id}@{settings.uid_domain}",
                              zone=settings.zone, refresh=settings.refresh)


# Serialized text per event, keyed by everything it is made of (the CalendarEvent: times,
# texts, status, sequence, planner's name, base URL ...), so a rebuild or another feed
# with the same event reuses it. Bounded: cleared when it grows past the limit.
_texts: dict[ical.CalendarEvent, bytes] = {}
TEXTS_MAX = 200_000


def event_text(item: ical.CalendarEvent) -> bytes:
    text = _texts.get(item)
    if text is None:
        if len(_texts) >= TEXTS_MAX:
            _texts.clear()
        text = _texts[item] = ical.vevent_bytes(item)
    return text


def sort_key(event: Event) -> int:
    """Feed order (start, then id) as an integer: microseconds since the epoch."""
    return (event.starts_at - EPOCH) // timedelta(microseconds=1)


def entries(events: list[Event], settings: FeedSettings) -> list[tuple[int, int, bytes]]:
    """(sort key, event id, serialized text) of each event, in the given order."""
    sequences = _sequences([e.id for e in events])
    return [(sort_key(e), e.id,
             event_text(to_calendar_event(e, sequences.get(e.id, 0), settings)))
            for e in events]


def render_event(event: Event, settings: FeedSettings) -> bytes:
    """A single event as a calendar file (the download and the reminder mail)."""
    sequence = _sequences([event.id]).get(event.id, 0)
    head = ical.calendar_head(name=event.title,
                              uid=f"event-file-{event.id}@{settings.uid_domain}",
                              zone=settings.zone, refresh=settings.refresh)
    # The same text as serialize() writes; cached, as several reminders attach it.
    text = event_text(to_calendar_event(event, sequence, settings))
    return head + text + ical.CALENDAR_END


def current_generation() -> int:
    return db.session.scalar(select(CalendarGeneration.value).where(
        CalendarGeneration.id == 1)) or 0


def bump_generation(event_id: int | None = None) -> None:
    """Called in the same unit of work as the change, so a cached feed is never newer
    than its data. `event_id` names the one event whose feed entry changed; None means
    anything may have (feeds are then rebuilt whole)."""
    value = db.session.scalar(update(CalendarGeneration).where(CalendarGeneration.id == 1)
                              .values(value=CalendarGeneration.value + 1)
                              .returning(CalendarGeneration.value))
    if value is None:
        value = (db.session.scalar(select(func.max(CalendarChange.generation))) or 0) + 1
        db.session.add(CalendarGeneration(id=1, value=value))
    db.session.add(CalendarChange(generation=value, event_id=event_id))
    db.session.flush()
    if value % CHANGES_KEPT == 0:
        db.session.execute(delete(CalendarChange).where(
            CalendarChange.generation <= value - CHANGES_KEPT))


def changed_events(since: int, until: int) -> set[int] | None:
    """Events changed by generations since+1 .. until; None when that cannot be told
    (a change of anything, or part of the log already pruned)."""
    rows = db.session.execute(select(CalendarChange.generation, CalendarChange.event_id)
                              .where(CalendarChange.generation > since,
                                     CalendarChange.generation <= until)).all()
    if len(rows) != until - since or any(event_id is None for _, event_id in rows):
        return None
    return {event_id for _, event_id in rows}


def raise_sequence(event_id: int) -> None:
    row = db.session.get(CalendarSequence, event_id)
    if row is None:
        db.session.add(CalendarSequence(event_id=event_id, sequence=1))
    else:
        row.sequence += 1
    db.session.flush()
