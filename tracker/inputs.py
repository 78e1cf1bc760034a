"""What the tracker accepts from outside, in one place (SECURITY.md R-4): the window of
dates it takes, the largest id it looks up, and which characters a text may hold.

Forms check these early (tracker/forms.py) so a person sees a clear message beside the
field and keeps what they typed; services and the URL map rely on the same limits, so
no value reaches the database that it would refuse with an error 500."""

import unicodedata
from datetime import date, datetime

from werkzeug.routing import IntegerConverter

from tracker.errors import ValidationError

# Dates and times outside this window are typing mistakes (or probes), never plans: a
# year 1 or 9999 also overflows when converted between time zones.
YEAR_MIN = 1900
YEAR_MAX = 2200
# The largest id the tracker looks up: PostgreSQL's INTEGER, which holds every id column.
ID_MAX = 2**31 - 1
# The largest page number a list accepts; beyond it, the list's last (empty) page.
PAGE_MAX = 100_000

DATE_MESSAGE = f"Enter a date between the years {YEAR_MIN} and {YEAR_MAX}."
NUL_MESSAGE = "Remove the NUL character (code 0): the tracker cannot store it."
CONTROL_MESSAGE = ("Remove the control character (such as a line break or tab): this "
                   "field takes a single line of text.")
MULTILINE_CONTROL_MESSAGE = ("Remove the control character (code {code}): only line breaks "
                             "and tabs are allowed here.")

# Line breaks and tabs are text in a multi-line field; every other control character
# is not (it can break a mail header, a calendar line or a CSV cell).
MULTILINE_ALLOWED = {"\n", "\r", "\t"}
# Unicode's own line and paragraph separators end a line too.
LINE_SEPARATORS = {"\u2028", "\u2029"}


def in_window(value: date | datetime | None) -> bool:
    return value is None or YEAR_MIN <= value.year <= YEAR_MAX


def text_problem(value: str | None, single_line: bool) -> str | None:
    """The message for a character `value` may not hold, or None when it is fine."""
    if not value:
        return None
    if "\x00" in value:
        return NUL_MESSAGE
    for char in value:
        if char in LINE_SEPARATORS or (
                unicodedata.category(char) == "Cc" and (
                    single_line or char not in MULTILINE_ALLOWED)):
            if single_line:
                return CONTROL_MESSAGE
            return MULTILINE_CONTROL_MESSAGE.format(code=ord(char))
    return None


def check_storable(field: str, value: str | None) -> None:
    """The services' own guard, whatever door a value came through: PostgreSQL cannot
    store a NUL character. (Line breaks in single-line fields are refused by the forms;
    mail and calendar text strip or fold them, for values stored before that.)"""
    if value and "\x00" in value:
        raise ValidationError(field, NUL_MESSAGE)


def page_number(raw: str | None) -> int:
    """The page a list was asked for: 1 for anything unreadable, at most PAGE_MAX."""
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), PAGE_MAX)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: an id beyond what the database holds matches no route
    (a 404) instead of reaching the database as an out-of-range value (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def install(app) -> None:
    """Register the bounded converter for `<int:...>`; call before blueprints are added."""
    app.url_map.converters["int"] = BoundedIntConverter
