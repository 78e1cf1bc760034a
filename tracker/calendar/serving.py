"""Answering the feed route: the token check, the cached rendering, "last used", the
audit record of a fetch and the count of 304 answers. The view only turns the answer
into a response (calendar/views.py) and commits it as one unit of work.

A refused token is audited (outcome denied) and answered as if the feed did not exist;
a 304 discloses nothing and is counted per feed and hour, not audited one by one (U-1);
a full answer is audited with the number of events it carried."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tracker.audit import services as audit
from tracker.calendar import assembly, cache, content, feeds, fetch_counts


@dataclass(frozen=True)
class FeedAnswer:
    """`found` False: no usable feed (404). `rendering` None with `found`: not modified
    (304). `etag` is the validator of the encoding asked for."""

    found: bool
    gzipped: bool = False
    etag: str = ""
    modified_at: datetime | None = None
    rendering: assembly.Rendering | None = None


def answer(token: str, now: datetime, settings: content.FeedSettings, memory_budget: int,
           gzipped: bool, not_modified: Callable[[str], bool],
           counter: fetch_counts.NotModifiedCounter) -> FeedAnswer:
    """What the feed route answers for `token`. `not_modified(etag)` says whether the
    client already holds that version (its If-None-Match); `counter` is the web worker's
    304 counter. The caller commits."""
    found, why = feeds.recognise(token)
    if why != "ok":
        audit.record(None, "calendar.feed_fetch", "calendar_feed",
                     found.id if found else None, outcome=audit.DENIED, now=now,
                     changes={"reason": why}, label="feed token")
        return FeedAnswer(found=False)
    cached = cache.cached_feed(found.id, now, settings, memory_budget)
    etag = cached.gzip_etag if gzipped else cached.etag
    feeds.mark_used(found, now)
    if not_modified(etag.strip('"')):
        _count_not_modified(counter, found.id, now)
        return FeedAnswer(True, gzipped, etag, cached.modified_at)
    # The bytes are read only for a full answer, inside the caller's unit of work.
    rendering = cached.rendering()
    audit.record(None, "calendar.feed_fetch", "calendar_feed", found.id, now=now,
                 label="feed token", changes={"events": cached.event_count})
    return FeedAnswer(True, gzipped, etag, cached.modified_at, rendering)


def _count_not_modified(counter: fetch_counts.NotModifiedCounter, feed_id: int,
                        now: datetime) -> None:
    due = counter.count(feed_id, now)
    if due:
        try:
            fetch_counts.add(due)
        except Exception:
            counter.put_back(due)
            raise
