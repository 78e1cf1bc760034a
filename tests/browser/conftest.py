"""Real-browser fixtures: Debian Chromium, a live server seeded with the demo data, axe.

One live server serves the whole browser session. pytest-playwright's `base_url` and
`browser_context_args` are session-scoped, so a narrower server would need both
replaced; instead every test makes its own events and users (unique titles and emails)
and never relies on what another test did. Each test gets a fresh browser context, so
no sign-in leaks between tests.
"""

import itertools
import threading
import time as _time
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.conftest import SIGN_IN_CLOCKS, TotpClock, fresh_database
from tracker import create_app
from tracker.accounts.models import User
from tracker.config import DefaultConfig
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db

AGENCY_ZONE = ZoneInfo(DefaultConfig.AGENCY_TIMEZONE)  # the live server keeps the default
PLANNER = "planner@demo.example.com"
LIAISON = "liaison@demo.example.com"
LEADERSHIP = "leadership@demo.example.com"
PRIVACY = "privacy@demo.example.com"
ADMIN = "admin@demo.example.com"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download its own browser here: drive Debian's Chromium.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--no-sandbox"],
    }


@pytest.fixture(scope="session")
def live_app(request, tmp_path_factory):
    """The real app (CSRF on) on a database of the selected kind (`--db`), seeded by the
    `seed-demo` command."""
    root = tmp_path_factory.mktemp("live")
    database_url = fresh_database(request, root)
    # create_app reads TRACKER_INSTANCE_PATH once; restore the environment right after so
    # the rest of the session (including other test directories) never sees it.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRACKER_INSTANCE_PATH", str(root / "instance"))
        app = create_app({
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            # Every browser test signs in from 127.0.0.1 within minutes of the others.
            "RATELIMIT_ENABLED": False,
            # One database collects every browser test's events (and the demo's): a test
            # looks for its own event on the first page of the list and the dashboard,
            # whatever the others recorded. The caps themselves are tested in
            # tests/events/test_paging.py and the dashboard tests.
            "EVENTS_PER_PAGE": 500,
            "DASHBOARD_LIST_MAX": 500,
        })
    with app.app_context():
        db.create_all()
    run_command(app, "seed-demo")
    _live["app"] = app
    yield app
    with app.app_context():
        db.engine.dispose()


_live: dict = {}


class LiveClock(TotpClock):
    """The real time, plus a step for each code taken: the browser session runs for
    minutes, and the sign-in views' clock must not fall behind the sessions' checks."""

    def __init__(self, start: float):
        super().__init__(start)
        self._offset = start - _time.time()

    @property
    def now(self) -> float:
        return _time.time() + self._offset

    @now.setter
    def now(self, value: float) -> None:
        self._offset = value - _time.time()


@pytest.fixture(scope="session")
def totp_clock():
    """Replaces the per-test clock of tests/conftest.py: the demo accounts sign in again
    and again across the session, and a code works once, so the clock the server checks
    codes at moves on a step per sign-in, from the real time (it keeps pace with the real
    time, so the sessions it starts are never idle before the tests use them)."""
    clock = LiveClock(start=datetime.now().timestamp())
    with pytest.MonkeyPatch.context() as mp:
        for where in SIGN_IN_CLOCKS:
            mp.setattr(where, clock.moment)
        _live["clock"] = clock
        yield clock


def authenticator_code(email: str) -> str:
    """What the user's authenticator app shows now (the key seed-demo printed)."""
    with _live["app"].app_context():
        secret = db.session.scalar(select(User.totp_secret).where(User.email == email))
        db.session.remove()
    return pyotp.TOTP(secret).at(_live["clock"].advance())


def run_command(app, *args: str, input: str | None = None) -> str:
    """Run a `flask` command against the live server's database, as an operator would.

    The test runner invokes app.cli directly, not through FlaskGroup, so it does not push
    an app context for the command the way `flask seed-demo` does: push one here."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args), input=input)
        db.session.remove()
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server):
    # page.goto("/events/") then resolves against the live server.
    return live_server


# ---- accessibility ------------------------------------------------------------------

_axe = Axe()


def axe_check(page: Page) -> None:
    """Fail on any serious or critical axe-core violation on the page as it is now."""
    violations = _axe.run(page).response["violations"]
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    targets: "
        + ", ".join(str(node["target"]) for node in v["nodes"])
        for v in bad
    )
    assert not bad, f"axe found serious/critical violations on {page.url}:\n{details}"


# ---- signing in ---------------------------------------------------------------------


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real forms (notice, password, authenticator code) and wait
    for the dashboard."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_label("I have read the notice above").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Code").fill(authenticator_code(email))
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


@pytest.fixture
def signed_in(new_context):
    """signed_in(email) -> a page in its own browser context (own cookies), signed in.

    Lets one test act as two people at once, e.g. a planner and leadership. Keyword
    arguments go to the context, e.g. bypass_csp=True to test escaping without the CSP."""

    def make(email: str, **context_args) -> Page:
        page = new_context(**context_args).new_page()
        sign_in(page, email)
        return page

    return make


# ---- events -------------------------------------------------------------------------

_serial = itertools.count(1)


def unique(text: str) -> str:
    """Titles unique across the shared database, so tests never see each other's rows."""
    return f"{text} {next(_serial)}-{uuid.uuid4().hex[:6]}"


def local_start(days_ahead: int = 3, hour: int = 14) -> datetime:
    """A start `days_ahead` days from today in the agency's zone (inside the dashboard's
    14 days), as an aware local datetime."""
    today = datetime.now(AGENCY_ZONE).date()
    return datetime.combine(today + timedelta(days=days_ahead), time(hour), AGENCY_ZONE)


def field_value(moment: datetime) -> str:
    """The value a <input type=datetime-local> takes."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def fill_event_form(page: Page, *, title: str, venue: str = "Riverfront Park, 100 1st Ave N",
                    starts: datetime | None = None, hours: int = 2,
                    liaison: str | None = "Lee Liaison", notes: str | None = None) -> None:
    """Fill the event form the way a planner would (liaison=None leaves it unassigned)."""
    starts = starts or local_start()
    page.locator("#title").fill(title)
    page.locator("#kind").select_option(label="Rally")
    page.locator("#starts_at").fill(field_value(starts))
    page.locator("#ends_at").fill(field_value(starts + timedelta(hours=hours)))
    page.locator("#venue").fill(venue)
    page.locator("#permit_status").select_option(label="Applied")
    page.locator("#information_source").select_option(label="Permit application")
    page.locator("#liaison_id").select_option(label=liaison or "Unassigned")
    if notes is not None:
        page.locator("#logistics_notes").fill(notes)


def record_event(page: Page, title: str, **fields) -> str:
    """Record an event through the form as the signed-in planner; returns its URL."""
    page.goto("/events/new")
    fill_event_form(page, title=title, **fields)
    page.get_by_role("button", name="Record event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url


# ---- the operations plan --------------------------------------------------------------


def write_and_submit_plan(page: Page, event_url: str, assignments=(
        ("Bike team 1", "West End Ave", "09:30", "12:30", "Ride ahead of the march"),)) -> None:
    """The planner writes the plan's assignments (one "Add a row" per extra row), saves
    the draft and submits it for approval."""
    page.goto(event_url + "/plan/edit")
    for number, (unit, location, starts, ends, task) in enumerate(assignments):
        if number:
            page.locator("button[name=add_row][value=assignments]").click()
        page.locator(f"#assignments-{number}-unit").fill(unit)
        page.locator(f"#assignments-{number}-location").fill(location)
        page.locator(f"#assignments-{number}-starts").fill(starts)
        page.locator(f"#assignments-{number}-ends").fill(ends)
        page.locator(f"#assignments-{number}-task").fill(task)
    page.get_by_role("button", name="Save draft").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations plan")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("main")).to_contain_text("Submitted for approval")
