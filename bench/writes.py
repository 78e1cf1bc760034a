"""Audited writes: event edits from 8 concurrent clients on PostgreSQL, 2 gunicorn workers,
against the same edits with auditing switched off (BENCH_AUDIT_OFF, bench only). Before
sealed blocks every audited write queued on one chain-head row; now a record is a plain
insert, so the two should be close."""

from bench import web
from bench.results import show
from bench.setup import app_for, database, free_port, seed

EVENTS = 1_000


def under_gunicorn(kind: str = "postgresql") -> list:
    with database(kind) as (instance, url):
        seed(app_for(instance, url), EVENTS, past_days=30, future_days=200)
        env = web.environment(instance, url)
        with web.gunicorn(env, free_port()) as audited, \
                web.gunicorn({**env, "BENCH_AUDIT_OFF": "1"}, free_port()) as unaudited:
            status, _, body = web.fetch(f"{audited}/_bench/edit-event")
            assert (status, body) == (200, b"ok"), (status, body[:300])
            result = web.compare(
                f"audited writes, event edits, 8 clients, 2 workers ({kind})",
                ">= 0.7x auditing off", "auditing off", f"{unaudited}/_bench/edit-event",
                f"{audited}/_bench/edit-event", at_least=0.7)
    show(result)
    return [result]
