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
