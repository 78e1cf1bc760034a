"""Domain errors raised by services, and the HTTP error pages."""

from flask import Flask, render_template
from sqlalchemy.orm.exc import StaleDataError


class DomainError(Exception):
    """Base for errors a service raises for the caller to present."""


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class ValidationError(DomainError):
    """Bad input. `field` names the form field it belongs to (None for the whole form)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class Conflict(DomainError):
    """An edit made from an older version of a record (tracker/versioning.py)."""

    def __init__(self, message: str, current_version: int | None = None):
        super().__init__(message)
        self.message = message
        self.current_version = current_version


class Race(Conflict):
    """Two saves of the same versioned record at the same moment: the unit of work
    (tracker/work.py) turns SQLAlchemy's StaleDataError into this."""

    PAGE_MESSAGE = ("Someone else saved this record at the same moment. Nothing was "
                    "saved: open the page again to see the current version.")


class InvalidTransition(DomainError):
    """A status change that is not allowed now; `reasons` says exactly what is missing."""

    def __init__(self, message: str, reasons: list | None = None):
        super().__init__(message)
        self.message = message
        self.reasons = reasons or []


def _page(code: int, title: str, message: str):
    if code >= 500 or code == 409:
        # The failed unit of work is discarded first: nothing half-done is kept, and the
        # page itself can load the signed-in user again.
        from tracker import work  # work raises this module's errors: imported here

        work.discard()
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(NotFound, lambda e: _page(404, "Not found", str(e)))
    app.register_error_handler(Forbidden, lambda e: _page(403, "Not allowed", str(e)))
    # A conflict no form caught (a POST-only button on a record changed meanwhile).
    app.register_error_handler(Conflict, lambda e: _page(409, "Changed meanwhile", str(e)))
    for race in (Race, StaleDataError):
        app.register_error_handler(race, lambda e: _page(
            409, "Changed meanwhile", Race.PAGE_MESSAGE))
    messages = {
        400: ("Bad request", "The request could not be understood. Go back and try again."),
        403: ("Not allowed", "Your role does not give access to this page."),
        404: ("Not found", "There is nothing here, or you may not see it."),
        405: ("Method not allowed", "That action is not available here."),
        413: ("Too large", "The request was larger than the tracker accepts."),
        429: ("Too many requests", "Too many attempts from your address. Wait a minute "
                                   "and try again."),
        500: ("Something went wrong", "The error was logged. Nothing you entered was saved."),
    }
    for code, (title, message) in messages.items():
        app.register_error_handler(
            code, lambda e, c=code, t=title, m=message: _page(c, t, m)
        )
