"""The calendar page's data: events in a bounded range as plain values for the browser
calendar (FullCalendar) and the server-rendered month list. Only the event's own
planning facts travel: no planner, liaison, organizer or contact details."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tracker.errors import ValidationError
from tracker.events import services as events
from tracker.events.models import Event, EventKind, EventStatus
from tracker.extensions import db
from tracker.inputs import in_window
from tracker.timezones import agency_zone, to_local

# A month view shows six weeks; a little more allows for a client's padding.
MAX_RANGE = timedelta(days=62)
MAX_EVENTS = 1000
# Background colours with dark text (contrast at least 4.5:1); the status is also
# written in each entry, so colour is never the only sign.
STATUS_COLOURS = {
    EventStatus.DRAFT: "#e6e6e6", EventStatus.PLANNING: "#cfe2f5",
    EventStatus.PLAN_APPROVED: "#cdebd1", EventStatus.IN_PROGRESS: "#fde9b0",
    EventStatus.CONCLUDED: "#dcdcf3", EventStatus.CLOSED: "#d5d8da",
    EventStatus.CANCELLED: "#f6d3d8", EventStatus.POSTPONED: "#efdcc5",
}


ENTRY_TEXT = "#1b1b1b"


@dataclass(frozen=True)
class Range:
    since: datetime
    until: datetime


def parse_range(start: str | None, end: str | None) -> Range:
    """The [start, end) range a calendar asks for: ISO dates or times (a time without an
    offset is read in the agency's zone), end after start, at most MAX_RANGE apart."""
    bounds = []
    for name, value in (("start", start), ("end", end)):
        try:
            moment = datetime.fromisoformat((value or "").strip().replace(" ", "+"))
        except ValueError as exc:
            raise ValidationError(name, "Give an ISO date or time.") from exc
        if not in_window(moment):
            raise ValidationError(name, "That date is outside the tracker's range.")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=agency_zone())
        bounds.append(moment)
    since, until = bounds
    if until <= since:
        raise ValidationError("end", "The end must be after the start.")
    if until - since > MAX_RANGE:
        raise ValidationError("end", "Ask for at most 62 days at a time.")
    return Range(since, until)


def month_range(month: date) -> Range:
    """The agency-zone month holding `month`'s first day, as UTC bounds."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    zone = agency_zone()
    return Range(datetime.combine(first, datetime.min.time(), zone),
                 datetime.combine(following, datetime.min.time(), zone))


def in_range(span: Range, kind: str | None = None, status: str | None = None,
             assigned_to: int | None = None) -> list[Event]:
    stmt = events.filtered(events.EventFilter(
        since=span.since, until=span.until, kind=kind or None, status=status or None,
        assigned_to=assigned_to))
    return list(db.session.scalars(stmt.limit(MAX_EVENTS)))


def _group(event: Event) -> int:
    """Related events (a counter-event and the event it answers) share a group, so the
    calendar orders them next to each other."""
    return min([event.id, *(e.id for e in event.all_related)])


def entry(event: Event, url: str) -> dict:
    status = EventStatus(event.status)
    counter = event.kind == EventKind.COUNTER_DEMONSTRATION.value
    classes = [f"ev-status-{status.value}"]
    if status is EventStatus.CANCELLED:
        classes.append("ev-cancelled")
    if counter:
        classes.append("ev-counter")
    return {
        "id": str(event.id),
        "title": f"{event.title} · {event.status_label}",
        "start": to_local(event.starts_at).isoformat(),
        "end": to_local(event.ends_at).isoformat(),
        "url": url,
        "color": STATUS_COLOURS[status],
        # Dark text on the light status colours (the theme's default is white: too faint).
        "textColor": ENTRY_TEXT,
        "classNames": classes,
        "extendedProps": {
            "status": status.value, "statusLabel": event.status_label,
            "kind": event.kind, "kindLabel": event.kind_label,
            "group": _group(event),
            "related": sorted(e.id for e in event.all_related),
        },
    }
