"""Checks shared by the records services: bounded, storable text and listed choices."""

from tracker import inputs
from tracker.errors import ValidationError


def text(field: str, value: str | None, limit: int, *, required: bool = True,
         minimum: int = 0, single_line: bool = False) -> str:
    value = (value or "").strip()
    inputs.check_storable(field, value)
    problem = inputs.text_problem(value, single_line)
    if problem:
        raise ValidationError(field, problem)
    if required and not value:
        raise ValidationError(field, "This field is required.")
    if len(value) > limit:
        raise ValidationError(field, f"Use at most {limit:,} characters (now {len(value):,}).")
    if value and len(value) < minimum:
        raise ValidationError(field, f"Write at least {minimum} characters.")
    return value


def choice(field: str, value: str | None, enum) -> str:
    if value not in {m.value for m in enum}:
        raise ValidationError(field, "Choose one of the listed options.")
    return value
