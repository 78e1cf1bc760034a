"""The event list and the dashboard with 100,000 events, under gunicorn, against the
trivial endpoint of the same server."""

from bench import web
from bench.data import PASSWORD, TOTP_SECRET
from bench.results import show
from bench.setup import app_for, database, free_port, seed

EVENTS = 100_000


def under_gunicorn(kind: str) -> list:
    results = []
    with database(kind) as (instance, url):
        app = app_for(instance, url)
        # Six years of history and one ahead: about 45 events a day, ~640 in the
        # dashboard's 14 days.
        emails, _ = seed(app, EVENTS, past_days=6 * 365, future_days=365)
        with web.gunicorn(web.environment(instance, url), free_port()) as base:
            # The first user holds every role but liaison: every dashboard panel shows.
            cookie = web.session_cookie(base, emails[0], PASSWORD, TOTP_SECRET)
            signed_in = {"Cookie": cookie, "User-Agent": web.USER_AGENT}
            for name, path in [("event list", "/events/"),
                               ("event list, page 2,000", "/events/?page=2000"),
                               ("dashboard", "/")]:
                status, _, body = web.fetch(base + path, signed_in)
                assert status == 200 and b"Sign in" not in body[:2000], (path, status)
                result = web.compare(
                    f"{name}, 100,000 events ({kind})", ">= 0.25x trivial",
                    "trivial endpoint", f"{base}/_bench/trivial", base + path, signed_in,
                    at_least=0.25)
                results.append(result)
                show(result)
    return results


SMALL = 1_000


def _signed_in(base: str, email: str) -> dict[str, str]:
    cookie = web.session_cookie(base, email, PASSWORD, TOTP_SECRET)
    return {"Cookie": cookie, "User-Agent": web.USER_AGENT}


def _check(base: str, path: str, headers: dict[str, str]) -> None:
    status, _, body = web.fetch(base + path, headers)
    assert status == 200 and b"Sign in" not in body[:2000], (path, status)


def scaling(kind: str) -> list:
    """The same pages on 1,000 and on 100,000 events (two servers, runs alternating), and
    the dashboard against a signed-in page with the layout alone: a page whose cost grows
    with the table falls behind its own small-database figure."""
    results = []
    with database(kind) as (small_instance, small_url), \
            database(kind) as (large_instance, large_url):
        # The same span of time (six years back, one ahead) at two densities.
        small_emails, _ = seed(app_for(small_instance, small_url), SMALL,
                               past_days=6 * 365, future_days=365)
        large_emails, _ = seed(app_for(large_instance, large_url), EVENTS,
                               past_days=6 * 365, future_days=365)
        with web.gunicorn(web.environment(small_instance, small_url), free_port()) as small, \
                web.gunicorn(web.environment(large_instance, large_url),
                             free_port()) as large:
            small_headers = _signed_in(small, small_emails[0])
            large_headers = _signed_in(large, large_emails[0])
            for name, path in [("dashboard", "/"), ("event list", "/events/")]:
                _check(small, path, small_headers)
                _check(large, path, large_headers)
                result = web.compare(
                    f"{name}, 100,000 events against 1,000 ({kind})", ">= 0.8x 1,000 events",
                    "same page, 1,000 events", small + path, large + path, large_headers,
                    ref_headers=small_headers, at_least=0.8)
                results.append(result)
                show(result)
            _check(large, "/_bench/layout", large_headers)
            result = web.compare(
                f"dashboard, 100,000 events, against the layout alone ({kind})",
                ">= 0.25x layout-only page", "signed-in layout-only page",
                large + "/_bench/layout", large + "/", large_headers, at_least=0.25)
            results.append(result)
            show(result)
    return results
