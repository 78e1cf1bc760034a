"""Feeds put together from per-event text (tracker/calendar/assembly.py): the bytes equal
a whole serialization, the gzip encoding is one valid member that any decoder reads back
to those bytes, and a splice gives exactly what a rebuild from scratch would."""

import functools
import gzip
import random
import zlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from tracker.calendar import assembly, ical

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
HEAD = {"name": "Feed", "uid": "feed-1@test", "zone": ZoneInfo("America/Chicago"),
        "refresh": timedelta(hours=1)}


def item(event_id: int, version: int = 0) -> ical.CalendarEvent:
    starts = NOW + timedelta(hours=event_id % 97, minutes=event_id)
    return ical.CalendarEvent(
        uid=f"event-{event_id}@test", summary=f"Rally {event_id} v{version}, \u00e9t\u00e9",
        start=starts, end=starts + timedelta(hours=2), location="Main St; 1st Ave",
        description="Kind: Rally\nPlanner: P\u00e4t " + "x" * (event_id % 120),
        categories=("Rally",), status="CONFIRMED", sequence=version, created=NOW,
        last_modified=NOW + timedelta(minutes=version), url=f"https://t.example/e/{event_id}")


@functools.cache
def entry(event_id: int, version: int = 0) -> tuple[int, int, bytes]:
    it = item(event_id, version)
    return (int(it.start.timestamp() * 1_000_000), event_id, ical.vevent_bytes(it))


def whole(entries) -> bytes:
    return assembly.assemble(ical.calendar_head(**HEAD), sorted(entries))


def decoders(data: bytes) -> list[bytes]:
    """Three ways clients read Content-Encoding: gzip."""
    streaming = zlib.decompressobj(wbits=31)
    return [gzip.decompress(data), zlib.decompress(data, wbits=47),
            streaming.decompress(data) + streaming.flush()]


def test_pieces_equal_icalendars_whole_calendar():
    items = [item(n) for n in range(1, 40)]
    calendar = Calendar.new(uid=HEAD["uid"], prodid=ical.PRODID)
    for name in ("NAME", "X-WR-CALNAME"):
        calendar.add(name, ical.Text("Feed"))
    calendar.add("REFRESH-INTERVAL", ical.vDuration(HEAD["refresh"]),
                 parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", ical.vDuration(HEAD["refresh"]))
    calendar.add("X-WR-TIMEZONE", "America/Chicago")
    for it in items:
        calendar.add_component(ical._vevent(it))
    assert ical.serialize(items, **HEAD) == calendar.to_ical()
    rendering = whole([entry(n) for n in range(1, 40)])
    in_feed_order = sorted(range(1, 40), key=lambda n: (item(n).start, n))
    assert rendering.body == ical.serialize([item(n) for n in in_feed_order], **HEAD)


def test_gzip_is_one_member_every_decoder_reads_back():
    rendering = whole([entry(n) for n in range(1, 500)])
    assert rendering.gzip[:2] == b"\x1f\x8b"
    assert all(out == rendering.body for out in decoders(rendering.gzip))
    assert len(rendering.gzip) < len(rendering.body) / 3
    assert len(rendering.blocks) > 3 and sum(rendering.blocks) == 499
    assert rendering.etag == assembly.etag_of(rendering.body)
    assert rendering.gzip_etag == assembly.etag_of(rendering.gzip) != rendering.etag
    assert len(Calendar.from_ical(rendering.body).walk(Event.name)) == 499


def test_an_empty_feed():
    rendering = whole([])
    assert rendering.body == ical.serialize([], **HEAD)
    assert all(out == rendering.body for out in decoders(rendering.gzip))


@pytest.mark.parametrize("seed", range(8))
def test_a_splice_equals_a_rebuild(seed):
    rng = random.Random(seed)  # noqa: S311 (repeatable test data)
    versions = dict.fromkeys(rng.sample(range(1, 3000), 600), 0)
    rendering = whole([entry(n) for n in versions])
    for _round in range(4):
        changed = set(rng.sample(sorted(versions), rng.randint(1, 8)))
        for n in changed:  # edited (new text, maybe a new start), removed or added
            if rng.random() < 0.3:
                del versions[n]
            else:
                versions[n] += 1
        added = {rng.randint(3000, 6000) for _ in range(rng.randint(0, 3))} - set(versions)
        versions.update(dict.fromkeys(added, 0))
        changed |= added
        fresh = [entry(n, versions[n]) for n in changed if n in versions]
        spliced = assembly.splice(rendering, changed, fresh)
        rebuilt = whole([entry(n, v) for n, v in versions.items()])
        assert spliced.body == rebuilt.body
        assert (spliced.etag, list(spliced.ids), list(spliced.blocks)) == (
            rebuilt.etag, list(rebuilt.ids), list(rebuilt.blocks))
        assert all(out == spliced.body for out in decoders(spliced.gzip))
        rendering = spliced


def test_a_splice_recompresses_only_the_block_it_touches():
    ids = list(range(1, 1000))
    rendering = whole([entry(n) for n in ids])
    target = ids[500]
    spliced = assembly.splice(rendering, {target}, [entry(target, 1)])
    assert len(spliced.blocks) == len(rendering.blocks)
    differing = [n for n, (a, b) in enumerate(zip(_block_bytes(rendering),
                                                  _block_bytes(spliced), strict=True))
                 if a != b]
    assert len(differing) == 1


def _block_bytes(rendering) -> list[bytes]:
    out, at = [], len(assembly.GZIP_HEADER)
    for length in rendering.block_gz:
        out.append(rendering.gzip[at:at + length])
        at += length
    return out


def test_the_stored_layout_gives_back_the_same_rendering():
    rendering = whole([entry(n) for n in range(1, 300)])
    back = assembly.from_stored(rendering.layout(), rendering.gzip, rendering.etag,
                                rendering.gzip_etag)
    assert back == rendering
    again = assembly.splice(back, {5}, [entry(5, 3)])
    assert again.body == whole([entry(n, 3 if n == 5 else 0) for n in range(1, 300)]).body
