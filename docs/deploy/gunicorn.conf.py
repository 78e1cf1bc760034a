"""Gunicorn settings for the tracker's web workers (README, "Operations").

    gunicorn --config docs/deploy/gunicorn.conf.py 'tracker:create_app()'

Settings come from the environment (TRACKER_*), as for every other command."""

import os

# Behind the HTTPS reverse proxy on the same host; set TRACKER_PROXY_COUNT=1 so the
# client's address, not the proxy's, is audited and rate-limited.
bind = os.environ.get("TRACKER_WEB_BIND", "127.0.0.1:8000")

# Synchronous workers: each request holds one worker. Two to four per core is usual;
# with SQLite, writes are serialised anyway (PostgreSQL is the path for more).
workers = int(os.environ.get("TRACKER_WEB_WORKERS", "4"))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# Recycle workers now and then (memory growth), not all at once.
max_requests = 2000
max_requests_jitter = 200

# Each worker builds its own app (and database pool) after the fork: never preload, or
# the workers would share the master's connections.
preload_app = False

# The tracker logs every request itself (one line, feed tokens cut, JSON under
# PRODUCTION): no second access log.
accesslog = None
errorlog = "-"
# Gunicorn's own lines (start, worker restarts) as JSON too; the root logger gets the
# tracker's handler when each worker loads the app.
logconfig_dict = {
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False,
                           "qualname": "gunicorn.error"},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False,
                            "qualname": "gunicorn.access"},
    },
    "handlers": {
        "json": {"class": "logging.StreamHandler", "formatter": "json",
                 "stream": "ext://sys.stderr"},
    },
    "formatters": {"json": {"()": "tracker.logs.JsonFormatter"}},
}
