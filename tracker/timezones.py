"""Conversions between stored UTC instants and the agency's local wall-clock time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from tracker.errors import ValidationError


def agency_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["AGENCY_TIMEZONE"])


def to_local(instant: datetime | None, zone: ZoneInfo | None = None) -> datetime | None:
    if instant is None:
        return None
    return instant.astimezone(zone or agency_zone())


def local_date(instant: datetime) -> date:
    """The agency's calendar date at `instant` (hold expiries and follow-ups are days
    in the agency's zone, not in UTC)."""
    return instant.astimezone(agency_zone()).date()


def from_local(wall_clock: datetime, zone: ZoneInfo, field: str) -> datetime:
    """The UTC instant for a wall-clock time typed in the agency's zone.

    A time skipped by the spring-forward change does not exist and is refused; a time
    repeated in the autumn is taken as its first occurrence (daylight time)."""
    local = wall_clock.replace(tzinfo=zone, fold=0)
    round_trip = local.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != wall_clock.replace(tzinfo=None):
        raise ValidationError(
            field, "That time does not exist on this date: the clocks move forward then."
        )
    return local.astimezone(UTC)


def format_local(instant: datetime | None, fmt: str = "%a %-d %b %Y, %-I:%M %p",
                 zone: ZoneInfo | None = None) -> str:
    """A time for people, always with its zone (e.g. "Sat 5 Dec 2026, 2:00 PM CST"), in
    `zone` when given, else the agency's."""
    if instant is None:
        return ""
    local = to_local(instant, zone)
    return f"{local.strftime(fmt)} {local.tzname()}"


def local_day_range(first: date | None, last: date | None) -> tuple[datetime | None, ...]:
    """UTC bounds [start of `first`, end of `last`) for whole days in the agency's zone."""
    zone = agency_zone()
    since = datetime.combine(first, time.min, zone) if first else None
    until = datetime.combine(last + timedelta(days=1), time.min, zone) if last else None
    return since, until
