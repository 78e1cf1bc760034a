"""What a feed contains, its cached rendering, and the bookkeeping that keeps both right:
each event's SEQUENCE and the generation counter raised by every relevant change."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from tracker.calendar import ical
from tracker.calendar.models import CalendarFeed, CalendarGeneration, CalendarSequence, FeedCache
from tracker.events.models import Event, EventStatus
from tracker.extensions import db

CONFIRMED = {EventStatus.PLAN_APPROVED, EventStatus.IN_PROGRESS, EventStatus.CONCLUDED,
             EventStatus.CLOSED}
# Changes to these fields move the event in a calendar: clients must replace their copy.
PLACE_AND_TIME = {"starts_at", "ends_at", "venue", "route_description"}


@dataclass(frozen=True)
class FeedSettings:
    """Plain values from the configuration and the request."""

    zone: ZoneInfo
    refresh: timedelta
    cancelled_days: int
    base_url: str  # e.g. "https://tracker.example.gov", no trailing slash
    uid_domain: str

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


def feed_events(feed: CalendarFeed, now: datetime, settings: FeedSettings
                ) -> tuple[list[Event], datetime | None]:
    """The feed's events, and when that list next changes by the clock alone."""
    stmt = select(Event).options(selectinload(Event.planner)).order_by(Event.starts_at,
                                                                       Event.id)
    if feed.kind:
        stmt = stmt.where(Event.kind == feed.kind)
    if feed.status:
        stmt = stmt.where(Event.status == feed.status)
    if feed.assigned_to_owner:
        stmt = stmt.where(or_(Event.planner_id == feed.owner_id,
                              Event.liaison_id == feed.owner_id))
    cancelled = EventStatus.CANCELLED.value
    if not feed.include_cancelled:
        stmt = stmt.where(Event.status != cancelled)
    else:
        # A cancelled event stays long enough for clients to strike it, then leaves.
        keep_since = now - timedelta(days=settings.cancelled_days)
        stmt = stmt.where(or_(Event.status != cancelled, Event.updated_at >= keep_since))
    events = list(db.session.scalars(stmt))
    leaving = [e.updated_at + timedelta(days=settings.cancelled_days)
               for e in events if e.status == cancelled]
    return events, min(leaving, default=None)


def render(feed: CalendarFeed, events: list[Event], settings: FeedSettings) -> bytes:
    sequences = _sequences([e.id for e in events])
    items = (to_calendar_event(e, sequences.get(e.id, 0), settings) for e in events)
    return ical.serialize(items, name=feed.name, uid=f"feed-{feed.id}@{settings.uid_domain}",
                          zone=settings.zone, refresh=settings.refresh)


def render_event(event: Event, settings: FeedSettings) -> bytes:
    """A single event as a calendar file (the download and the reminder mail)."""
    sequence = _sequences([event.id]).get(event.id, 0)
    return ical.serialize([to_calendar_event(event, sequence, settings)],
                          name=event.title, uid=f"event-file-{event.id}@{settings.uid_domain}",
                          zone=settings.zone, refresh=settings.refresh)


def etag_of(body: bytes) -> str:
    """A strong validator over the exact bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def current_generation() -> int:
    return db.session.scalar(select(CalendarGeneration.value).where(
        CalendarGeneration.id == 1)) or 0


def bump_generation() -> None:
    """Called in the same unit of work as the change, so a cached feed is never newer
    than its data."""
    updated = db.session.execute(update(CalendarGeneration).where(CalendarGeneration.id == 1)
                                 .values(value=CalendarGeneration.value + 1))
    if updated.rowcount == 0:
        db.session.add(CalendarGeneration(id=1, value=1))
        db.session.flush()


def _fresh(cache: FeedCache | None, generation: int, settings_key: str,
           now: datetime) -> bool:
    return cache is not None and cache.generation == generation and (
        cache.settings_key == settings_key) and (
        cache.valid_until is None or now < cache.valid_until)


def cached_feed(feed: CalendarFeed, now: datetime, settings: FeedSettings) -> FeedCache:
    """The feed's rendering: from the cache when nothing has changed, else rebuilt."""
    settings_key = settings.fingerprint()
    cache = db.session.get(FeedCache, feed.id)
    if _fresh(cache, current_generation(), settings_key, now):
        return cache
    # Rebuild under the feed row's lock. Web workers fetching the same feed at once
    # would otherwise each insert the first rendering (a duplicate key) or overwrite a
    # newer one (Last-Modified going back). Whoever waited looks again: the rendering
    # the other worker just committed is usually fresh. (SQLite serialises writers.)
    db.session.execute(select(CalendarFeed.id).where(CalendarFeed.id == feed.id)
                       .with_for_update())
    cache = db.session.get(FeedCache, feed.id, populate_existing=True)
    generation = current_generation()
    if _fresh(cache, generation, settings_key, now):
        return cache
    events, valid_until = feed_events(feed, now, settings)
    body = render(feed, events, settings)
    etag = etag_of(body)
    if cache is None:
        cache = FeedCache(feed_id=feed.id, modified_at=now)
        db.session.add(cache)
    elif cache.etag != etag:
        cache.modified_at = max(now, cache.modified_at)
    cache.generation, cache.valid_until = generation, valid_until
    cache.settings_key = settings_key
    cache.etag, cache.body, cache.event_count = etag, body, len(events)
    db.session.flush()
    return cache


def raise_sequence(event_id: int) -> None:
    row = db.session.get(CalendarSequence, event_id)
    if row is None:
        db.session.add(CalendarSequence(event_id=event_id, sequence=1))
    else:
        row.sequence += 1
    db.session.flush()
