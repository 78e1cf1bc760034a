"""Rendered feeds: one rendering per feed version, stored in the database so every web
worker and machine serves the same bytes, and kept in each worker's memory by its ETag.
A copy in memory is immutable bytes named by their hash, so it is never stale: the
database row says which rendering is current, and a cache hit reads only that row.

A version is the generation counter, the settings fingerprint and the expiry of the
rendering (content.py). When the generation moves, the events changed since the stored
rendering are re-rendered and spliced into it (assembly.py); the feed is rebuilt whole
only when that cannot be told (settings, expiry, a change to anything, no rendering)."""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from tracker.calendar import assembly, content
from tracker.calendar.models import CalendarFeed, CalendarGeneration, FeedCache
from tracker.extensions import db

# Beyond this many changed events a whole rebuild is as quick as a splice.
SPLICE_MAX = 1000


@dataclass(frozen=True)
class CachedFeed:
    """The current version's validators, and its bytes on demand: answering 304 needs
    only the former, so it never reads or decompresses a rendering."""

    etag: str
    gzip_etag: str
    event_count: int
    modified_at: datetime
    load: Callable[[], assembly.Rendering]

    def rendering(self) -> assembly.Rendering:
        return self.load()


def _ready(rendering: assembly.Rendering, count: int, modified_at: datetime) -> CachedFeed:
    return CachedFeed(rendering.etag, rendering.gzip_etag, count, modified_at,
                      lambda: rendering)


@dataclass(frozen=True)
class _Meta:
    """The stored rendering's row without its bytes, and the current generation."""

    generation: int
    settings_key: str
    valid_until: datetime | None
    etag: str
    gzip_etag: str
    event_count: int
    modified_at: datetime
    current: int

    def fresh(self, settings_key: str, now: datetime) -> bool:
        return (self.generation == self.current and self.settings_key == settings_key
                and self.gzip_etag != "" and self.reusable(settings_key, now))

    def reusable(self, settings_key: str, now: datetime) -> bool:
        """Whether a splice can start from this rendering."""
        return (self.settings_key == settings_key and self.gzip_etag != ""
                and (self.valid_until is None or now < self.valid_until))


class _Memory:
    """Each worker's copies, least recently used first, within a byte budget. Locked:
    the development server and threaded workers serve requests in threads."""

    def __init__(self) -> None:
        self._items: OrderedDict[int, assembly.Rendering] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, feed_id: int, etag: str, gzip_etag: str) -> assembly.Rendering | None:
        with self._lock:
            found = self._items.get(feed_id)
            if found is None or (found.etag, found.gzip_etag) != (etag, gzip_etag):
                return None
            self._items.move_to_end(feed_id)
            return found

    def put(self, feed_id: int, rendering: assembly.Rendering, budget: int) -> None:
        with self._lock:
            self._drop(feed_id)
            self._items[feed_id] = rendering
            self._bytes += _size(rendering)
            while self._bytes > budget and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._bytes -= _size(old)

    def _drop(self, feed_id: int) -> None:
        old = self._items.pop(feed_id, None)
        if old is not None:
            self._bytes -= _size(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def _size(rendering: assembly.Rendering) -> int:
    return len(rendering.body) + len(rendering.gzip) + 32 * len(rendering.ids)


memory = _Memory()


def _meta(feed_id: int) -> _Meta | None:
    current = (select(CalendarGeneration.value).where(CalendarGeneration.id == 1)
               .scalar_subquery())
    row = db.session.execute(select(
        FeedCache.generation, FeedCache.settings_key, FeedCache.valid_until,
        FeedCache.etag, FeedCache.gzip_etag, FeedCache.event_count, FeedCache.modified_at,
        current).where(FeedCache.feed_id == feed_id)).one_or_none()
    return None if row is None else _Meta(*row[:-1], current=row[-1] or 0)


def _stored(feed_id: int, meta: _Meta, budget: int) -> assembly.Rendering | None:
    """The rendering `meta` describes: from memory, else read once from the database."""
    found = memory.get(feed_id, meta.etag, meta.gzip_etag)
    if found is not None:
        return found
    row = db.session.execute(select(FeedCache.layout, FeedCache.gzip_body)
                             .where(FeedCache.feed_id == feed_id,
                                    FeedCache.etag == meta.etag)).one_or_none()
    if row is None:  # replaced meanwhile by another worker
        return None
    found = assembly.from_stored(row.layout, row.gzip_body, meta.etag, meta.gzip_etag)
    memory.put(feed_id, found, budget)
    return found


def cached_feed(feed_id: int, now: datetime, settings: content.FeedSettings,
                budget: int) -> CachedFeed:
    """The feed's current version. A hit reads one row (neither the feed nor any event
    is loaded), and its bytes come from memory when asked for; `budget` bounds the bytes
    this worker keeps."""
    settings_key = settings.fingerprint()
    meta = _meta(feed_id)
    if meta is not None and meta.fresh(settings_key, now):
        def load() -> assembly.Rendering:
            # None: another worker replaced the row since it was read.
            return _stored(feed_id, meta, budget) or _rebuild(
                db.session.get(CalendarFeed, feed_id), now, settings, settings_key,
                _meta(feed_id), budget).rendering()

        return CachedFeed(meta.etag, meta.gzip_etag, meta.event_count, meta.modified_at,
                          load)
    feed = db.session.get(CalendarFeed, feed_id)
    return _rebuild(feed, now, settings, settings_key, meta, budget)


def _rebuild(feed: CalendarFeed, now: datetime, settings: content.FeedSettings,
             settings_key: str, meta: _Meta | None, budget: int) -> CachedFeed:
    # Read the generation before the events: the rendering is then never labelled
    # newer than the data it was made from.
    generation = content.current_generation()
    previous = changed = None
    if meta is not None and meta.reusable(settings_key, now):
        changed = content.changed_events(meta.generation, generation)
        if changed is not None and len(changed) <= SPLICE_MAX:
            previous = _stored(feed.id, meta, budget)
    if previous is not None:
        events, leaves_at = content.feed_events(feed, now, settings, only=changed)
        rendering = assembly.splice(previous, changed, content.entries(events, settings))
        valid_until = min(filter(None, (meta.valid_until, leaves_at)), default=None)
        count = len(rendering.ids)
    else:
        events, valid_until = content.feed_events(feed, now, settings)
        rendering = assembly.assemble(content.feed_head(feed, settings),
                                      content.entries(events, settings))
        count = len(events)
    modified_at = now
    if meta is not None:
        modified_at = (meta.modified_at if meta.etag == rendering.etag
                       else max(now, meta.modified_at))
    _store(feed.id, rendering, generation, settings_key, valid_until, count, modified_at)
    memory.put(feed.id, rendering, budget)
    return _ready(rendering, count, modified_at)


def _store(feed_id: int, rendering: assembly.Rendering, generation: int, settings_key: str,
           valid_until: datetime | None, count: int, modified_at: datetime) -> None:
    values = {"generation": generation, "settings_key": settings_key,
              "valid_until": valid_until, "etag": rendering.etag,
              "gzip_etag": rendering.gzip_etag, "gzip_body": rendering.gzip,
              "layout": rendering.layout(), "event_count": count,
              "modified_at": modified_at}
    # Last-Modified never moves backwards, even when another worker stored a newer one.
    stmt = update(FeedCache).where(FeedCache.feed_id == feed_id,
                                   FeedCache.modified_at <= modified_at).values(**values)
    if db.session.execute(stmt).rowcount or db.session.scalar(
            select(FeedCache.feed_id).where(FeedCache.feed_id == feed_id)) is not None:
        return
    try:
        with db.session.begin_nested():  # another worker may insert the row first
            db.session.execute(insert(FeedCache).values(feed_id=feed_id, **values))
    except IntegrityError:
        db.session.execute(stmt)
