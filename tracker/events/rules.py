"""Field rules for events, shared by the form (early feedback) and the service (the guard)."""

from datetime import datetime

from tracker import inputs
from tracker.errors import ValidationError

TITLE_MAX = 200
VENUE_MAX = 300
SHORT_TEXT_MAX = 200
REFERENCE_MAX = 100
LONG_TEXT_MAX = 5000
ATTENDANCE_MAX = 10_000_000


def check_times(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError("ends_at", "The end must be after the start.")


def check_attendance(low: int | None, high: int | None) -> None:
    for field, value in (("attendance_low", low), ("attendance_high", high)):
        if value is not None and not 0 <= value <= ATTENDANCE_MAX:
            raise ValidationError(field, f"Enter a number from 0 to {ATTENDANCE_MAX:,}.")
    if low is not None and high is not None and low > high:
        raise ValidationError(
            "attendance_high", "The high estimate must be at least the low estimate."
        )


def check_text(field: str, value: str, limit: int, required: bool = False) -> str:
    """The trimmed text; refused when too long, empty but required, or holding a NUL."""
    value = (value or "").strip()
    inputs.check_storable(field, value)
    if required and not value:
        raise ValidationError(field, "This field is required.")
    if len(value) > limit:
        raise ValidationError(field, f"Use at most {limit:,} characters (now {len(value):,}).")
    return value
