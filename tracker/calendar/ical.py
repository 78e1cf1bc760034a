"""iCalendar serialization: a pure function from plain values to bytes.

Reused by the subscribable feeds, the single-event download and the reminder mail. User
text can hold anything; it is cleaned here so it can never add or break a property:
icalendar escapes ; , \\ and newlines, and we normalise CR and drop other control
characters, which RFC 5545 does not allow in TEXT values."""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from icalendar.prop import vDuration, vText

PRODID = "-//Tracker//First Amendment event tracker//EN"
# Control characters RFC 5545 does not allow in TEXT, and U+FEFF, which parsers strip
# from the start of a value (so it would not survive a round trip).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff]")


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: datetime
    end: datetime
    location: str
    description: str
    categories: tuple[str, ...]
    status: str  # TENTATIVE, CONFIRMED or CANCELLED
    sequence: int
    created: datetime
    last_modified: datetime
    url: str


def clean_text(value: str) -> str:
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


class Text(vText):
    """TEXT escaped exactly as RFC 5545 3.3.11 says. icalendar's own escaping first
    turns a literal backslash followed by N into a line break, so "C:\\New" would come
    back as two lines."""

    def to_ical(self) -> bytes:
        return (str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                .replace("\n", "\\n").encode("utf-8"))


class TextList(vText):
    """A comma-separated list of TEXT values (CATEGORIES), each escaped as Text."""

    def __new__(cls, values, *args, **kwargs):
        instance = super().__new__(cls, ",".join(values), *args, **kwargs)
        instance.values = list(values)
        return instance

    def to_ical(self) -> bytes:
        return b",".join(Text(value).to_ical() for value in self.values)


TEXT_PROPERTIES = ("SUMMARY", "LOCATION", "DESCRIPTION")


def one_line(value: str) -> str:
    """For properties icalendar writes without escaping (the calendar's NAME)."""
    return " ".join(clean_text(value).split())


def _vevent(item: CalendarEvent) -> Event:
    event = Event.new(
        uid=item.uid,
        # DTSTAMP is the time the information last changed, not the time of the request:
        # the bytes then depend only on the data, so ETags are stable.
        stamp=item.last_modified.astimezone(UTC),
        created=item.created.astimezone(UTC),
        last_modified=item.last_modified.astimezone(UTC),
        # UTC: every client computes the same instant. Clients show it in the user's own
        # zone (X-WR-TIMEZONE names the agency's for those that use a calendar zone).
        # A VTIMEZONE would be the alternative, but the one icalendar generates lists
        # its onsets in one RDATE, which ical.js (Thunderbird) and vobject misread.
        start=item.start.astimezone(UTC),
        end=item.end.astimezone(UTC),
        summary=clean_text(item.summary),
        location=clean_text(item.location),
        description=clean_text(item.description),
        categories=[clean_text(c) for c in item.categories],
        status=item.status,
        sequence=item.sequence,
        url=item.url,
    )
    for name, value in zip(TEXT_PROPERTIES, (item.summary, item.location, item.description),
                           strict=True):
        event[name] = Text(clean_text(value))
    event["CATEGORIES"] = TextList([clean_text(c) for c in item.categories])
    return event


CALENDAR_END = b"END:VCALENDAR\r\n"


def vevent_bytes(item: CalendarEvent) -> bytes:
    """One event's lines, exactly as they appear inside a calendar: feeds keep these per
    event and assemble them instead of serializing every event again."""
    return _vevent(item).to_ical()


@functools.lru_cache(maxsize=256)
def calendar_head(*, name: str, uid: str, zone: ZoneInfo, refresh: timedelta) -> bytes:
    """The calendar's opening lines and properties, up to its first event (the same for
    every rendering of a feed, and for every reminder mail about an event)."""
    calendar = Calendar.new(uid=uid, prodid=PRODID)
    calendar.add("NAME", Text(one_line(name)))
    calendar.add("X-WR-CALNAME", Text(one_line(name)))
    # RFC 7986 wants VALUE=DURATION spelled out; Outlook reads the older X-PUBLISHED-TTL.
    calendar.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(refresh))
    calendar.add("X-WR-TIMEZONE", zone.key)
    whole = calendar.to_ical()
    if not whole.endswith(CALENDAR_END):  # icalendar's layout changed: fail loudly
        raise RuntimeError("unexpected end of an empty calendar")
    return whole[: -len(CALENDAR_END)]


def serialize(events: Iterable[CalendarEvent], *, name: str, uid: str, zone: ZoneInfo,
              refresh: timedelta) -> bytes:
    """The same bytes icalendar writes for the whole calendar (a test holds them equal)."""
    head = calendar_head(name=name, uid=uid, zone=zone, refresh=refresh)
    return b"".join([head, *(vevent_bytes(item) for item in events), CALENDAR_END])
