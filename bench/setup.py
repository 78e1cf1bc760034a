"""A database for a benchmark: SQLite in a temporary instance folder, or a throwaway
PostgreSQL cluster, with the tracker's tables, bench users and bulk events."""

import os
import socket
import tempfile
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from bench import data
from bench.pg import Postgres
from tracker import create_app
from tracker.extensions import db

NOW = datetime.now(UTC).replace(microsecond=0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def database(kind: str):
    """Yields (instance folder, database URL)."""
    instance = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    with Postgres() if kind == "postgresql" else nullcontext() as pg:
        url = pg.url if pg else f"sqlite:///{instance / 'tracker.db'}"
        yield instance, url


def app_for(instance: Path, url: str, **config):
    os.environ["TRACKER_INSTANCE_PATH"] = str(instance)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret",
                       "PUBLIC_BASE_URL": "https://tracker.example.gov", **config})


def seed(app, events: int, *, past_days: int, future_days: int, feeds: int = 1):
    """Tables, users and `events` events; returns (users, feed tokens)."""
    with app.app_context():
        db.create_all()
        users = data.users()
        data.events(events, [u.id for u in users], now=NOW, past_days=past_days,
                    future_days=future_days)
        tokens = [data.feed(users[0], f"All events {n}") for n in range(feeds)]
        emails = [u.email for u in users]
        db.session.remove()
    return emails, tokens
