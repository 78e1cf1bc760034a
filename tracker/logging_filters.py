"""Keep secrets and personal details out of logs: feed tokens in request lines, and
result rows in SQL debug logs."""

import logging
import re

_FEED_TOKEN = re.compile(r"(/calendar/feeds/)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]+(\.ics)")


def redact(text: str) -> str:
    return _FEED_TOKEN.sub(r"\1\2…\3", text)


class RedactFeedTokens(logging.Filter):
    """Rewrites the message so only the token's first four characters remain."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class DropResultRows(logging.Filter):
    """SQLAlchemy logs result rows at DEBUG: rows can hold personal details (P-4), so
    only statements (INFO, with parameters hidden) get through."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def install(app_logger: logging.Logger | None = None) -> None:
    """Filter the request logs and the application's own logger (Flask logs an unhandled
    error as "Exception on <path>")."""
    loggers = [logging.getLogger(n) for n in ("werkzeug", "gunicorn.access", "gunicorn.error")]
    if app_logger is not None:
        loggers.append(app_logger)
    for logger in loggers:
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())
    for name in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropResultRows) for f in logger.filters):
            logger.addFilter(DropResultRows())
