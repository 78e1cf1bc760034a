"""Log output: one JSON object per line (for a log collector) or plain text, chosen by
LOG_FORMAT, and one line per request.

Request lines carry the method, the path (never the query string, which can hold search
words), the status, the duration, the request id shared with the audit trail, and the
signed-in user's numeric id, and the client's address (behind PROXY_COUNT reverse
proxies the one they forwarded, as in the audit trail): no names, email addresses or form
values. Feed tokens are cut from every line, whatever field they end up in (SECURITY.md I-1)."""

import json
import logging
import time
from datetime import UTC, datetime

from flask import Flask, g, request
from flask.logging import default_handler

from tracker.audit.context import current_request_id
from tracker.logging_filters import redact

FORMATS = ("json", "text")
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id", "client")
HANDLER_NAME = "tracker"
# Load-balancer probes arrive every few seconds: their lines go out at DEBUG only.
QUIET_ENDPOINTS = {"operations.healthz", "static"}

request_log = logging.getLogger("tracker.request")


def _utc_time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RequestIdFilter(logging.Filter):
    """Gives every record the request id of the unit of work it was logged in (a web
    request, a CLI command or a scheduler job), or None."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        client = getattr(record, "client", None)
        line = (f"{_utc_time(record)} {record.levelname} {record.name} "
                f"[{getattr(record, 'request_id', None) or '-'}] {record.getMessage()}"
                + (f" client={client}" if client else ""))
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


def install(app: Flask) -> None:
    """One handler on the root logger, so the lines of Flask, SQLAlchemy, APScheduler and
    the tracker's own modules share the format; replaces the handler of an earlier app."""
    log_format = app.config["LOG_FORMAT"]
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, "
                         f"not {log_format!r}")
    handler = logging.StreamHandler()  # standard error
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    # Flask's own handler would print every app.logger line a second time, unformatted.
    app.logger.removeHandler(default_handler)
    _install_request_log(app)


def _install_request_log(app: Flask) -> None:
    def start_clock():
        g.request_started = time.perf_counter()

    # First of all hooks: the rate limiter may answer before the others run.
    app.before_request_funcs.setdefault(None, []).insert(0, start_clock)

    @app.after_request
    def log_request(response):
        request_id = current_request_id()
        log_request_line(response.status_code, request_id)
        if request_id:  # users can quote it; it finds the request's log and audit lines
            response.headers["X-Request-ID"] = request_id
        return response


def log_request_line(status: int, request_id: str | None) -> None:
    started = g.get("request_started")
    duration = None if started is None else round((time.perf_counter() - started) * 1e3, 1)
    path = redact(request.path)  # cut here too, for any other handler of the record
    level = logging.DEBUG if request.endpoint in QUIET_ENDPOINTS else logging.INFO
    request_log.log(level, "%s %s %s", request.method, path, status, extra={
        "method": request.method, "path": path, "status": status, "duration_ms": duration,
        "user_id": _user_id(), "request_id": request_id, "client": request.remote_addr})


def _user_id() -> int | None:
    """The signed-in user's id if this request loaded the user; never loads it (a probe
    or a static file must not touch the database for a log line)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.get_id())
