"""The iCalendar output read back by four independent parsers (RECIPES.md, icalendar):
icalendar itself, the `ical` package (strict), vobject (validate=True) and Mozilla's
ical.js (tests/support/js/parse_ics.mjs, the parser Thunderbird uses).

1. Daylight-saving changes: the UTC instant each parser computes for DTSTART/DTEND must be
   the one zoneinfo gives, on both sides of the 2026 changes in America/Chicago.
2. I-2: hostile text (CR/LF, ; , \\ :, BEGIN/END lines, controls, long Unicode) in 1,000
   generated events cannot add, drop or break a property; every field comes back as
   clean_text(input).
3. The feed served over HTTP reads the same in ical.js: instants, STATUS, no outreach data.

The constants below describe the faults these tests found and now guard against.
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.calendar import feeds
from tracker.calendar import ical as tracker_ical
from tracker.calendar.ical import CalendarEvent, clean_text, serialize
from tracker.db import utcnow
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db
from tracker.outreach import services as outreach

ROOT = Path(__file__).resolve().parents[2]
PARSE_ICS = ROOT / "tests" / "support" / "js" / "parse_ics.mjs"
ICAL_JS_PACKAGE = ROOT / "node_modules" / "ical.js" / "package.json"
CHICAGO = ZoneInfo("America/Chicago")
REFRESH = timedelta(hours=1)
S = EventStatus

# --- known bugs (tracker/calendar/ical.py, serialize) -----------------------------------

RDATE_LIST = (
    "serialize() relies on icalendar's add_missing_timezones(), which writes all onsets of "
    "an observance as ONE comma-separated RDATE; vobject and ical.js use only its first "
    "value, so every daylight-time instant after 1971 reads as CST, 1 hour late")
SECOND_OCCURRENCE = (
    "serialize() writes an instant in the second 01:00-01:59 of the fall-back day as local "
    "time with TZID, which RFC 5545 3.3.5 reads as the FIRST occurrence: 1 hour early")
NAME_LINE_BREAK = (
    "serialize() passes the feed name to Calendar.new(name=...), which stores NAME and "
    "X-WR-CALNAME as vUnknown, unescaped: clean_text() turns CR into LF, so icalendar "
    "raises AssertionError ('Content line can not contain unescaped new line "
    "characters'); under python -O the lines go out raw and can add components")
BACKSLASH_N = (
    "icalendar's TEXT escaping (parser/string.py _escape_char) first turns a literal "
    "backslash + 'N' into a line break, then escapes backslashes: 'C:\\New' comes back "
    "as 'C:' and 'ew' on two lines")
LEADING_BOM = (
    "icalendar's Contentline.from_parts decodes each value with 'utf-8-sig', dropping a "
    "leading U+FEFF that clean_text() keeps")


# --- parsers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What one parser made of one VEVENT."""

    start: datetime
    end: datetime
    summary: str
    status: str
    sequence: int


def utc(moment: datetime) -> datetime:
    """A naive result would silently follow this machine's clock: refuse it."""
    assert moment.tzinfo is not None, f"parser gave a floating time: {moment!r}"
    return moment.astimezone(UTC)


def instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def ical_js_files(paths: list[Path | str], stdin: bytes | None = None) -> list[dict]:
    """Run tests/support/js/parse_ics.mjs once over several files. Never skipped: without Node's
    ical.js the test fails."""
    node = shutil.which("node")
    if node is None or not ICAL_JS_PACKAGE.exists():
        pytest.fail("ical.js is not installed: run `make install-test` (npm ci) first")
    # A zone far from Chicago: a TZID that ical.js failed to resolve becomes visible.
    env = {**os.environ, "TZ": "Asia/Kathmandu"}
    result = subprocess.run(  # noqa: S603 (our own script)
        [node, str(PARSE_ICS), *map(str, paths)], input=stdin, capture_output=True,
        cwd=ROOT, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return [json.loads(line) for line in result.stdout.splitlines()]


def ical_js(source: Path | bytes) -> dict:
    """What ical.js reads in one file, or in bytes (passed on standard input)."""
    if isinstance(source, Path):
        return ical_js_files([source])[0]
    return ical_js_files(["-"], stdin=source)[0]


def read_icalendar(body: bytes) -> dict[str, Reading]:
    return {str(e["UID"]): Reading(utc(e["DTSTART"].dt), utc(e["DTEND"].dt), str(e["SUMMARY"]),
                                   str(e["STATUS"]), int(e["SEQUENCE"]))
            for e in Calendar.from_ical(body).walk("VEVENT")}


def read_ical(body: bytes) -> dict[str, Reading]:
    """The `ical` package is strict unless a compat mode is switched on (it is not)."""
    calendar = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    return {e.uid: Reading(utc(e.dtstart), utc(e.dtend), e.summary, e.status.value, e.sequence)
            for e in calendar.events}


def read_vobject(body: bytes) -> dict[str, Reading]:
    """validate=True checks required properties and cardinalities; the zone comes from the
    file's VTIMEZONE (vobject knows no tz database)."""
    calendar = vobject.readOne(body.decode("utf-8"), validate=True)
    return {v.uid.value: Reading(utc(v.dtstart.value), utc(v.dtend.value), v.summary.value,
                                 v.status.value, int(v.sequence.value))
            for v in calendar.vevent_list}


def read_ical_js(body: bytes) -> dict[str, Reading]:
    readings = {}
    for e in ical_js(body)["events"]:
        assert "floating" not in (e["start_zone"], e["end_zone"]), e  # TZID not resolved
        readings[e["uid"]] = Reading(instant(e["start"]), instant(e["end"]), e["summary"],
                                     e["status"], e["sequence"])
    return readings


PARSERS: dict[str, Callable[[bytes], dict[str, Reading]]] = {
    "icalendar": read_icalendar, "ical": read_ical, "vobject": read_vobject,
    "ical.js": read_ical_js,
}


def calendar_event(uid: str, start: datetime, end: datetime, **fields) -> CalendarEvent:
    values = {
        "summary": "Rally", "location": "Daley Plaza", "description": "Kind: Rally",
        "categories": ("Rally",), "status": "CONFIRMED", "sequence": 3,
        "created": datetime(2025, 12, 1, 15, tzinfo=UTC),
        "last_modified": datetime(2025, 12, 2, 15, tzinfo=UTC),
        "url": "https://tracker.example.gov/events/1",
    }
    return CalendarEvent(uid=uid, start=start, end=end, **{**values, **fields})


def feed_of(items: list[CalendarEvent], name: str = "Parser test feed") -> bytes:
    return serialize(items, name=name, uid="feed-1@test", zone=CHICAGO, refresh=REFRESH)


# --- 1. instants across the daylight-saving changes -------------------------------------


@dataclass(frozen=True)
class DstCase:
    id: str
    wall: datetime  # naive America/Chicago wall clock; fold=1 is the repeated hour's second
    hours: float  # elapsed time, so an end can land on the other side of a change

    @property
    def uid(self) -> str:
        return f"{self.id}@test"

    @property
    def start(self) -> datetime:
        return self.wall.replace(tzinfo=CHICAGO)

    @property
    def end(self) -> datetime:
        return (self.start.astimezone(UTC) + timedelta(hours=self.hours)).astimezone(CHICAGO)


# Spring forward: Sun 8 Mar 2026 02:00 CST -> 03:00 CDT. Fall back: Sun 1 Nov 2026
# 02:00 CDT -> 01:00 CST, so 01:00-01:59 happens twice.
DST_CASES = [
    DstCase("jan-15-1000-cst", datetime(2026, 1, 15, 10, 0), 2),
    DstCase("mar-07-1000-cst", datetime(2026, 3, 7, 10, 0), 2),
    DstCase("mar-08-0130-cst-across-spring-forward", datetime(2026, 3, 8, 1, 30), 2),
    DstCase("mar-08-0330-cdt", datetime(2026, 3, 8, 3, 30), 2),
    DstCase("mar-09-1000-cdt", datetime(2026, 3, 9, 10, 0), 2),
    DstCase("jul-04-1000-cdt", datetime(2026, 7, 4, 10, 0), 3),
    DstCase("oct-31-1000-cdt", datetime(2026, 10, 31, 10, 0), 2),
    DstCase("nov-01-0030-cdt-ends-in-repeated-hour", datetime(2026, 11, 1, 0, 30), 2),
    DstCase("nov-01-0130-cdt-first-occurrence", datetime(2026, 11, 1, 1, 30, fold=0), 2),
    DstCase("nov-01-0130-cst-second-occurrence", datetime(2026, 11, 1, 1, 30, fold=1), 1),
    DstCase("nov-01-0300-cst", datetime(2026, 11, 1, 3, 0), 2),
    DstCase("nov-02-1000-cst", datetime(2026, 11, 2, 10, 0), 2),
]


def repeated_hour(moment: datetime) -> str | None:
    """"first"/"second" when the wall-clock time of `moment` happens twice, else None.
    (astimezone never yields a skipped time, so differing offsets mean a repeat.)"""
    local = moment.astimezone(CHICAGO)
    if local.replace(fold=0).utcoffset() == local.replace(fold=1).utcoffset():
        return None
    return "second" if local.fold else "first"


def dst_params() -> list:
    params = []
    for parser in PARSERS:
        for case in DST_CASES:
            params.append(pytest.param(parser, case, id=f"{parser}-{case.id}"))
    return params


@pytest.fixture(scope="module")
def dst_feed() -> bytes:
    return feed_of([calendar_event(c.uid, c.start, c.end, summary=f"Rally {c.id}")
                    for c in DST_CASES])


@pytest.fixture(scope="module")
def dst_readings(dst_feed, tmp_path_factory) -> Callable[[str], dict[str, Reading]]:
    """Each parser reads the feed once; a parser that rejects it fails every test that
    asks for it, with its own error."""
    (tmp_path_factory.mktemp("dst") / "dst.ics").write_bytes(dst_feed)  # kept for a look
    cache: dict[str, dict[str, Reading]] = {}

    def read(parser: str) -> dict[str, Reading]:
        if parser not in cache:
            cache[parser] = PARSERS[parser](dst_feed)
        return cache[parser]

    return read


def written_times(body: bytes, uid: str) -> list[str]:
    """The DTSTART/DTEND lines of one VEVENT, to show in a failure."""
    block = body.decode().split(f"UID:{uid}\r\n")[0].rsplit("BEGIN:VEVENT", 1)[1]
    return [line for line in block.split("\r\n") if line.startswith(("DTSTART", "DTEND"))]


def test_the_dst_cases_straddle_both_changes():
    """Guards the table itself: spring-forward and both fall-back occurrences are there."""
    offsets = {c.id: (c.start.utcoffset(), c.end.utcoffset()) for c in DST_CASES}
    cst, cdt = timedelta(hours=-6), timedelta(hours=-5)
    assert offsets["mar-08-0130-cst-across-spring-forward"] == (cst, cdt)
    assert offsets["nov-01-0030-cdt-ends-in-repeated-hour"] == (cdt, cst)
    assert repeated_hour(DST_CASES[7].end) == "second"
    assert [repeated_hour(DST_CASES[i].start) for i in (8, 9)] == ["first", "second"]


@pytest.mark.parametrize("parser", PARSERS)
def test_each_parser_accepts_the_dst_feed_whole(dst_readings, parser):
    readings = dst_readings(parser)
    assert sorted(readings) == sorted(c.uid for c in DST_CASES)
    for case in DST_CASES:
        reading = readings[case.uid]
        assert (reading.summary, reading.status, reading.sequence) == (
            f"Rally {case.id}", "CONFIRMED", 3)


@pytest.mark.parametrize(("parser", "case"), dst_params())
def test_dst_instants_match_zoneinfo(dst_feed, dst_readings, parser, case):
    reading = dst_readings(parser)[case.uid]
    assert (reading.start, reading.end) == (
        case.start.astimezone(UTC), case.end.astimezone(UTC)), written_times(dst_feed, case.uid)


# --- 2. hostile text cannot add or break properties (I-2) -------------------------------

VEVENT_PROPERTIES = sorted([
    "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION", "CATEGORIES",
    "STATUS", "SEQUENCE", "CREATED", "LAST-MODIFIED", "URL"])
VCALENDAR_PROPERTIES = sorted([
    "VERSION", "PRODID", "NAME", "X-WR-CALNAME", "REFRESH-INTERVAL", "UID", "X-PUBLISHED-TTL",
    "X-WR-TIMEZONE"])
HOSTILE = [
    "\r", "\n", "\r\n", "\n\r", ";", ",", "\\", ":", "\\n", "\\,", "\\;", '"', "\t", " ",
    "BEGIN:VEVENT", "END:VEVENT", "END:VCALENDAR", "BEGIN:VALARM",
    "\r\nUID:injected@evil", "\nDTSTART:19700101T000000Z", "\r\nATTACH:https://evil.example/",
    "\r\n ORGANIZER:mailto:x@evil.example", ";TZID=Evil:", "SUMMARY;LANGUAGE=en:",
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1c", "\x1e", "\x1f", "\x7f",
    "\x85", "\u2028", "\u2029", "\u200b", "\u202e", "\ufffd", "\U0010ffff",
    "é" * 40, "🙂" * 25, "👩🏽‍⚖️🏳️‍🌈", "e\u0301\u0323\u0302" * 12, "x" * 80,
    "漢字かな交じり文、集会の許可。" * 3, "\\N", "\ufeff",
]
# Any other text too, U+FEFF and a backslash before a capital N among it (LEADING_BOM,
# BACKSLASH_N); "\\N" and "\ufeff" are also in HOSTILE above.
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
HOSTILE_TEXT = st.lists(st.one_of(st.sampled_from(HOSTILE), ANY_TEXT), max_size=6).map("".join)
EVENTS_PER_FEED, FEEDS = 5, 200  # 1,000 events; small feeds shrink fast


@dataclass(frozen=True)
class HostileFields:
    summary: str
    location: str
    description: str
    categories: tuple[str, ...]


# One category, as the tracker writes (the kind label). With several, ical.js 2.2 reads
# CATEGORIES:a\\,b (an escaped backslash, then the separator) as one value, a\,b.
HOSTILE_FIELDS = st.builds(HostileFields, HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT,
                           HOSTILE_TEXT.map(lambda text: (text,)))


def hostile_events(items: list[HostileFields]) -> list[CalendarEvent]:
    start = datetime(2027, 1, 12, 16, tzinfo=UTC)
    return [calendar_event(f"hostile-{n}@test", start + timedelta(days=n),
                           start + timedelta(days=n, hours=2), summary=f.summary,
                           location=f.location, description=f.description,
                           categories=f.categories)
            for n, f in enumerate(items)]


def expected_text(item: HostileFields) -> dict:
    return {"summary": clean_text(item.summary), "location": clean_text(item.location),
            "description": clean_text(item.description),
            "categories": [clean_text(c) for c in item.categories]}


def events_only(components) -> list[str]:
    """The calendar's components less its time zones (a fix may well drop them)."""
    return [name for name in components if name != "VTIMEZONE"]


def check_physical_lines(body: bytes, count: int) -> None:
    """The parser-independent view: CRLF only, folded at 75 octets, each line valid UTF-8
    on its own, and the component structure exactly as built."""
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, line
        assert len(line) <= 75, line
        line.decode("utf-8")  # not split inside a multi-octet character
    logical = body.decode().replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]
    # Split at ; or : whichever comes first: a property name, or BEGIN/END.
    names = [line.replace(";", ":").split(":", 1)[0] for line in logical]
    values = [line.split(":", 1)[1] for line in logical if line.startswith(("BEGIN:", "END:"))]
    inner = [v for v in values if v not in ("VCALENDAR", "VTIMEZONE", "STANDARD", "DAYLIGHT")]
    assert inner == ["VEVENT"] * (2 * count)
    vevent_names: list[str] = []
    for name, line in zip(names, logical, strict=True):
        if line == "BEGIN:VEVENT":
            vevent_names = []
        elif line == "END:VEVENT":
            assert sorted(vevent_names) == VEVENT_PROPERTIES
        elif name not in ("BEGIN", "END"):
            vevent_names.append(name)


def check_icalendar(body: bytes, items: list[HostileFields]) -> None:
    calendar = Calendar.from_ical(body)
    assert sorted(calendar.keys()) == VCALENDAR_PROPERTIES
    assert events_only(c.name for c in calendar.subcomponents) == ["VEVENT"] * len(items)
    for n, (vevent, item) in enumerate(zip(calendar.walk("VEVENT"), items, strict=True)):
        assert str(vevent["UID"]) == f"hostile-{n}@test"
        assert sorted(vevent.keys()) == VEVENT_PROPERTIES, vevent.keys()
        assert not vevent.subcomponents
        got = {"summary": str(vevent["SUMMARY"]), "location": str(vevent["LOCATION"]),
               "description": str(vevent["DESCRIPTION"]),
               "categories": [str(c) for c in vevent["CATEGORIES"].cats]}
        assert got == expected_text(item)


def check_ical_js(read: dict, items: list[HostileFields]) -> None:
    """`read` is what tests/support/js/parse_ics.mjs printed for the feed."""
    assert sorted(read["properties"]) == VCALENDAR_PROPERTIES
    assert events_only(read["components"]) == ["VEVENT"] * len(items)
    for n, (event, item) in enumerate(zip(read["events"], items, strict=True)):
        assert event["uid"] == f"hostile-{n}@test"
        assert sorted(event["properties"]) == VEVENT_PROPERTIES, event["properties"]
        assert event["components"] == []
        got = {k: event[k] for k in ("summary", "location", "description", "categories")}
        assert got == expected_text(item)


# The feed's name is hostile too, line breaks included (NAME_LINE_BREAK).
HOSTILE_NAME = HOSTILE_TEXT
generated_feeds: list[tuple[bytes, list[HostileFields]]] = []


# No example database: a failure prints a @reproduce_failure line to replay it instead.
@settings(max_examples=FEEDS, deadline=None, database=None, print_blob=True,
          phases=[Phase.explicit, Phase.generate, Phase.shrink],  # "explain" took minutes
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HOSTILE_FIELDS, min_size=EVENTS_PER_FEED, max_size=EVENTS_PER_FEED),
       HOSTILE_NAME)
def check_hostile_feed(items: list[HostileFields], name: str) -> None:
    body = feed_of(hostile_events(items), name=name)
    check_physical_lines(body, len(items))
    check_icalendar(body, items)
    generated_feeds.append((body, items))


def test_hostile_text_cannot_add_or_break_properties(tmp_path):
    generated_feeds.clear()
    check_hostile_feed()  # the lines and icalendar; Hypothesis shrinks a failure
    # ical.js afterwards, in one Node run: a Node start per try made shrinking crawl.
    paths = []
    for number, (body, _) in enumerate(generated_feeds):
        paths.append(tmp_path / f"hostile-{number}.ics")
        paths[-1].write_bytes(body)
    for path, read, (_, items) in zip(paths, ical_js_files(paths), generated_feeds,
                                      strict=True):
        try:
            check_ical_js(read, items)
        except AssertionError as error:
            raise AssertionError(f"{path.name}: {items!r}") from error
    assert sum(len(items) for _, items in generated_feeds) >= 1000  # the I-2 figure


def test_the_hostile_checks_catch_an_injected_property():
    """The checks above must be able to fail: a feed with a smuggled ATTACH line."""
    items = [HostileFields("Vigil", "Plaza", "Notes", ("Vigil",))]
    body = feed_of(hostile_events(items))
    smuggled = body.replace(b"LOCATION:Plaza\r\n",
                            b"LOCATION:Plaza\r\nATTACH:https://evil.example/\r\n")
    with pytest.raises(AssertionError):
        check_physical_lines(smuggled, 1)
    with pytest.raises(AssertionError):
        check_icalendar(smuggled, items)
    with pytest.raises(AssertionError):
        check_ical_js(ical_js(smuggled), items)
    check_physical_lines(body, 1)  # and the untouched feed passes them all
    check_icalendar(body, items)
    check_ical_js(ical_js(body), items)


def test_a_leading_zero_width_no_break_space_survives():
    items = [HostileFields("\ufeffVigil", "Plaza", "Notes", ("Vigil",))]
    check_icalendar(feed_of(hostile_events(items)), items)


def test_a_backslash_before_a_capital_n_survives():
    items = [HostileFields("Vigil", "C:\\New folder", "\\North gate", ("\\N",))]
    body = feed_of(hostile_events(items))
    check_icalendar(body, items)
    check_ical_js(ical_js(body), items)


INJECTING_NAMES = ["Weekly\nrallies", "Weekly\rrallies",
                   "Rallies\r\nBEGIN:VEVENT\r\nUID:injected@evil\r\nEND:VEVENT"]


@pytest.mark.parametrize("name", INJECTING_NAMES)
def test_a_feed_name_with_a_line_break_is_serialized_safely(name):
    body = feed_of([], name=name)  # was: AssertionError inside icalendar
    check_physical_lines(body, 0)
    assert Calendar.from_ical(body).walk("VEVENT") == []
    assert sorted(ical_js(body)["properties"]) == VCALENDAR_PROPERTIES


def test_a_feed_name_cannot_inject_an_event_under_python_O():
    """Without assert statements (python -O) nothing stops the raw line breaks."""
    # tracker/calendar/ical.py loaded on its own: importing the app would take seconds.
    program = (
        "import importlib.util, sys; from datetime import timedelta\n"
        "from zoneinfo import ZoneInfo\n"
        "spec = importlib.util.spec_from_file_location('ical_under_test', sys.argv[1])\n"
        "ical = importlib.util.module_from_spec(spec); spec.loader.exec_module(ical)\n"
        "sys.stdout.buffer.write(ical.serialize([], name=sys.argv[2], uid='u', "
        "zone=ZoneInfo('America/Chicago'), refresh=timedelta(hours=1)))\n")
    result = subprocess.run(  # noqa: S603 (this interpreter, our own program)
        [sys.executable, "-O", "-c", program, tracker_ical.__file__, INJECTING_NAMES[-1]],
        cwd=ROOT, capture_output=True, timeout=60, check=True)
    assert Calendar.from_ical(result.stdout).walk("VEVENT") == []
    assert ical_js(result.stdout)["events"] == []


# --- 3. the feed served over HTTP, read by ical.js --------------------------------------

CANARIES = ["Zebulon Canaryfield", "615-555-0142", "zq-canary@example.org",
            "Canary Outreach Org ZQ", "canary contact summary ZQ"]


def fetch_with_ical_js(client, token: str, path: Path) -> tuple[bytes, dict]:
    response = client.get(f"/calendar/feeds/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    path.write_bytes(response.data)
    read = ical_js(path)
    return response.data, {e["uid"]: e for e in read["events"]}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def uid(event) -> str:
    return f"event-{event.id}@event-tracker"


def test_served_feed_reads_right_in_ical_js(app, client, make_user, make_event,
                                            complete_stage, tmp_path):
    app.config["PUBLIC_BASE_URL"] = "https://tracker.example.gov"
    planner, liaison = make_user(Role.PLANNER), make_user(Role.LIAISON)
    leader = make_user(Role.LEADERSHIP)
    assigned = {"planner_id": planner.id, "liaison_id": liaison.id}
    first = datetime(2026, 12, 5, 16, tzinfo=UTC)  # Saturday 10:00 CST
    draft = make_event(planner, title="Vigil", kind="vigil", starts_at=first)
    planning = make_event(planner, title="March", kind="march",
                          starts_at=first + timedelta(days=7), **assigned)
    approved = make_event(planner, title="Rally; 2 blocks, \\ south", venue="Plaza\r\nUID:x",
                          starts_at=datetime(2027, 1, 9, 22, 45, tzinfo=UTC), **assigned)
    for event in (planning, approved):
        complete_stage(event, planner, "pre_event")
        events.transition(planner, event, S.PLANNING, NOW)
    events.transition(leader, approved, S.PLAN_APPROVED, NOW)
    outreach.create_contact(liaison, approved, outreach.ContactData(
        contacted_at=NOW - timedelta(hours=2), method="phone", purpose="route",
        organization=CANARIES[3], summary=CANARIES[4], person_name=CANARIES[0],
        person_phone=CANARIES[1], person_email=CANARIES[2], consent=True), NOW, 30)
    _, token = feeds.create_feed(planner, planner, "Everything", feeds.FeedFilter(), NOW)
    db.session.commit()

    body, read = fetch_with_ical_js(client, token, tmp_path / "before.ics")
    assert sorted(read) == sorted(uid(e) for e in (draft, planning, approved))
    for event in (draft, planning, approved):
        got = read[uid(event)]
        assert (got["start"], got["end"]) == (iso(event.starts_at), iso(event.ends_at))
        assert "floating" not in (got["start_zone"], got["end_zone"])
        assert got["url"] == f"https://tracker.example.gov/events/{event.id}"
    assert [(read[uid(e)]["summary"], read[uid(e)]["status"]) for e in (
        draft, planning, approved)] == [("Vigil (tentative)", "TENTATIVE"),
                                        ("March (tentative)", "TENTATIVE"),
                                        ("Rally; 2 blocks, \\ south", "CONFIRMED")]
    assert read[uid(approved)]["location"] == "Plaza\nUID:x"
    confirmed_sequence = read[uid(approved)]["sequence"]

    events.transition(leader, approved, S.CANCELLED, utcnow())
    db.session.commit()
    after, read = fetch_with_ical_js(client, token, tmp_path / "after.ics")
    cancelled = read[uid(approved)]
    assert (cancelled["summary"], cancelled["status"]) == (
        "CANCELLED: Rally; 2 blocks, \\ south", "CANCELLED")
    assert cancelled["sequence"] > confirmed_sequence  # clients replace their copy
    assert read[uid(draft)]["status"] == "TENTATIVE"

    for data in (body, after):
        text = data.decode().replace("\r\n ", "").lower()
        decoded = json.dumps(ical_js(data), ensure_ascii=False).lower()
        for canary in CANARIES:
            assert canary.lower() not in text and canary.lower() not in decoded


def test_a_served_summer_event_reads_right_in_ical_js(client, make_user, make_event,
                                                      tmp_path):
    planner = make_user(Role.PLANNER)
    summer = make_event(planner, starts_at=datetime(2027, 7, 4, 15, tzinfo=UTC))  # 10:00 CDT
    _, token = feeds.create_feed(planner, planner, "Summer", feeds.FeedFilter(), NOW)
    db.session.commit()
    _, read = fetch_with_ical_js(client, token, tmp_path / "summer.ics")
    assert read[uid(summer)]["start"] == iso(summer.starts_at)


def test_a_feed_named_over_two_lines_is_served(client, make_user, tmp_path):
    owner = make_user(Role.PLANNER)
    # Accepted: create_feed(), behind the form and the CLI, only strips the name.
    _, token = feeds.create_feed(owner, owner, "Weekly\nrallies", feeds.FeedFilter(), NOW)
    db.session.commit()
    _, read = fetch_with_ical_js(client, token, tmp_path / "named.ics")
    assert read == {}
