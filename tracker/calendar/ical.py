"""iCalendar serialization: a pure function from plain values to bytes.

Reused by the subscribable feeds, the single-event download and the reminder mail. User
text can hold anything; it is cleaned here so it can never add or break a property:
icalendar escapes ; , \\ and newlines, and we normalise CR and drop other control
characters, which RFC 5545 does not allow in TEXT values."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from icalendar.prop import vDuration

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


def one_line(value: str) -> str:
    """For properties icalendar writes without escaping (the calendar's NAME)."""
    return " ".join(clean_text(value).split())


def _vevent(item: CalendarEvent) -> Event:
    return Event.new(
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


def serialize(events: Iterable[CalendarEvent], *, name: str, uid: str, zone: ZoneInfo,
              refresh: timedelta) -> bytes:
    calendar = Calendar.new(name=one_line(name), uid=uid, prodid=PRODID)
    # RFC 7986 wants VALUE=DURATION spelled out; Outlook reads the older X-PUBLISHED-TTL.
    calendar.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(refresh))
    calendar.add("X-WR-TIMEZONE", zone.key)
    for item in events:
        calendar.add_component(_vevent(item))
    return calendar.to_ical()
