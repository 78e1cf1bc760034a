"""Keep feed tokens out of logs: request lines name the feed route with the token."""

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


def install() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())
