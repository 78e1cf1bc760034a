"""Feed benchmarks: the cold build and the update after an edit (in process), and the
cached feed, gzip and 304 answers under gunicorn."""

import gzip
import time
from dataclasses import fields

from sqlalchemy import select

from bench import reference, web
from bench.results import absolute_result, ratio_result, show
from bench.setup import NOW, app_for, database, free_port, seed
from tracker.calendar import cache, content
from tracker.events import services as events
from tracker.events.models import Event
from tracker.extensions import db

EVENTS = 10_000
ROUNDS = 3


def _cold_build(app, token: str) -> float:
    """A feed request with nothing cached anywhere: no rendering stored, no copy in
    memory, no per-event text."""
    with app.app_context():
        db.session.execute(db.text("DELETE FROM calendar_feed_cache"))
        db.session.commit()
        db.session.remove()
    cache.memory.clear()
    content._texts.clear()
    client = app.test_client()
    started = time.perf_counter()
    response = client.get(f"/calendar/feeds/{token}.ics")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and response.data.count(b"BEGIN:VEVENT") == EVENTS
    return elapsed


def _reference(app) -> float:
    with app.app_context():
        started = time.perf_counter()
        body = reference.feed_bytes()
        elapsed = time.perf_counter() - started
        db.session.remove()
    assert body.count(b"BEGIN:VEVENT") == EVENTS
    return elapsed


_edits = iter(range(10**6))


def _edit_one(app, n: int) -> None:
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.status == "planning")
                                   .order_by(Event.id).offset(n * 37).limit(1)).one()
        values = {f.name: getattr(event, f.name) for f in fields(events.EventData)
                  if f.name != "related_ids"}
        values["title"] = f"Edited title {n}-{next(_edits)}"
        actor = event.created_by
        events.update_event(actor, event, events.EventData(**values), NOW)
        db.session.commit()
        db.session.remove()


def _after_edit(app, token: str, n: int, other_worker: bool) -> float:
    """Seconds from an edit's commit to the first feed response that holds it."""
    _edit_one(app, n)
    if other_worker:  # this worker holds no copy: it starts from the stored rendering
        cache.memory.clear()
    client = app.test_client()
    started = time.perf_counter()
    response = client.get(f"/calendar/feeds/{token}.ics",
                          headers={"Accept-Encoding": "gzip"})
    elapsed = time.perf_counter() - started
    assert f"Edited title {n}-".encode() in gzip.decompress(response.data)
    return elapsed


def in_process(kind: str) -> list:
    results = []
    with database(kind) as (instance, url):
        app = app_for(instance, url, RATELIMIT_ENABLED=False)
        _, (token,) = seed(app, EVENTS, past_days=200, future_days=200)
        refs, colds = [], []
        for _ in range(ROUNDS):
            refs.append(_reference(app))
            colds.append(_cold_build(app, token))
        results.append(ratio_result(
            f"10,000-event feed, cold ({kind})", "<= 1.25x reference",
            "ORM + icalendar", refs, colds, "s", at_most=1.25,
            note="runs: " + ", ".join(f"{r:.2f}/{c:.2f}" for r, c in zip(refs, colds,
                                                                          strict=True))))
        show(results[-1])
        app.test_client().get(f"/calendar/feeds/{token}.ics",
                              headers={"Accept-Encoding": "gzip"})
        for other_worker in (False, True):
            times = [_after_edit(app, token, n, other_worker) for n in range(7)]
            where = "another worker (from the database)" if other_worker else "same worker"
            results.append(absolute_result(
                f"feed fresh after one edit, {where} ({kind})", "<= 50 ms",
                [t * 1000 for t in times], "ms", 50,
                note="runs: " + ", ".join(f"{t * 1000:.0f}" for t in times)))
            show(results[-1])
    return results


def under_gunicorn(kind: str) -> list:
    results = []
    with database(kind) as (instance, url):
        app = app_for(instance, url)
        _, (token,) = seed(app, EVENTS, past_days=200, future_days=200)
        plain_file, gzip_file = instance / "prebuilt.ics", instance / "prebuilt.ics.gz"
        env = {**web.environment(instance, url), "BENCH_PREBUILT": str(plain_file),
               "BENCH_PREBUILT_GZIP": str(gzip_file)}
        with web.gunicorn(env, free_port()) as base:
            results += _compare_feed(base, token, kind, plain_file, gzip_file, "")
        # The same without the audit record of each fetch: a diagnostic, not shipped.
        env["BENCH_DIAGNOSTIC_NO_FEED_AUDIT"] = "1"
        with web.gunicorn(env, free_port()) as base:
            results += _compare_feed(base, token, kind, plain_file, gzip_file,
                                     "diagnostic, no audit record per fetch: ")
    return results


def _compare_feed(base, token, kind, plain_file, gzip_file, prefix) -> list:
    results = []
    feed = f"{base}/calendar/feeds/{token}.ics"
    _, _, body = web.fetch(feed)
    _, gz_headers, gz_body = web.fetch(feed, {"Accept-Encoding": "gzip"})
    assert gz_headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz_body) == body and body.count(b"BEGIN:VEVENT") == EVENTS
    plain_file.write_bytes(body)
    gzip_file.write_bytes(gz_body)
    gz = {"Accept-Encoding": "gzip"}
    conditional = {**gz, "If-None-Match": gz_headers["ETag"]}
    status, _, _ = web.fetch(feed, conditional)
    assert status == 304
    for name, target, label, ref_url, headers, ref_headers, at_least in [
        ("cached feed, 10,000 events, identity", ">= 0.8x prebuilt bytes",
         "prebuilt bytes", f"{base}/_bench/prebuilt", None, None, 0.8),
        ("cached feed, 10,000 events, gzip", ">= 0.6x prebuilt gzip",
         "prebuilt gzip", f"{base}/_bench/prebuilt-gzip", gz, None, 0.6),
        ("If-None-Match answered 304", ">= 0.5x trivial", "trivial endpoint",
         f"{base}/_bench/trivial", conditional, {}, 0.5),
    ]:
        result = web.compare(f"{prefix}{name} ({kind})", target, label, ref_url, feed,
                             headers, ref_headers=ref_headers, at_least=at_least)
        results.append(result)
        show(result)
    return results
