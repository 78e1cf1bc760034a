"""SECURITY.md W-3: script payloads in every text field render inert.

A server of its own holds one record of everything with a script payload in every field
a person can type into; a user holding every role then opens every HTML page of the app
(every GET route in app.url_map) in Chromium, with the Content-Security-Policy bypassed
so that the escaping alone is under test. No dialog may fire, and the payloads must be
visible as text.
"""

import threading
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask import url_for
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.conftest import _live, axe_check, run_command
from tests.conftest import fresh_database
from tracker import create_app
from tracker.accounts import mfa
from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.calendar import feeds
from tracker.checklist import catalog, reviews
from tracker.checklist import services as checklist
from tracker.db import utcnow
from tracker.events import approvals
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db
from tracker.outreach import retention
from tracker.outreach import services as outreach

pytestmark = pytest.mark.browser

# Each one runs on its own wherever it is parsed as HTML (no click needed).
PAYLOADS = [
    '<script>alert("xss-script")</script><img src=x onerror=alert("xss-img1")>',
    '"><img src=x onerror=alert("xss-img2")>',
    "'><svg/onload=alert('xss-svg')>",
    '</textarea><img src=x onerror=alert("xss-textarea")>',
    '<a href="javascript:alert(1)">link</a><svg onload=alert("xss-link")>',
    '<iframe srcdoc="<script>parent.alert(1)</script>"></iframe>',
    "{{ 7*7 }} ${7*7} <style>*{display:none}</style><img src=x onerror=alert('xss-s')>",
    '<details open ontoggle=alert("xss-details")>',
]
_next = iter(range(10_000))
HANDLERS = """[...document.querySelectorAll('*')].some(
    e => [...e.attributes].some(a => a.name.startsWith('on')))"""


def payload(max_length: int = 300) -> str:
    return PAYLOADS[next(_next) % len(PAYLOADS)][:max_length]


# Text columns nobody types into: identifiers, hashes, enumerations, system text.
NOT_TYPED = {
    "audit_block": {"prev_digest", "digest", "key_id", "public_key", "signature"},
    "audit_block_record": {"record_hash"},
    "user": {"email", "password_hash", "totp_secret"},  # email: validated address
    "audit_record": {"actor_label", "action", "object_type", "object_id", "outcome",
                     "source_address", "request_id"},
    "calendar_feed": {"token_hash", "kind", "status"},
    "recovery_code": {"code_hash"},
    "reminder_preference": {"kind", "channel"},
    "user_role": {"role"},
    "user_session": {"token_hash", "end_reason"},
    "calendar_feed_cache": {"settings_key", "etag", "gzip_etag"},
    "checklist_template_item": {"key", "stage", "response_type", "responsible_role",
                                "due_anchor"},
    "event": {"kind", "permit_status", "information_source", "status"},
    "event_status_change": {"from_status", "to_status"},
    "outreach_contact": {"method", "purpose", "person_phone", "person_email"},  # validated
    "reminder": {"key", "kind", "state", "claim_token", "last_error", "channels_used"},
    "inbox_message": {"link"},
    "red_flag_review": {"status"},
    # A generated token and the app's own URL, never typed.
    "form_submission": {"token", "location"},
    # System text: a process name, an error from the database, a hash, an enumeration.
    "scheduler_leader": {"node"},
    "storage_scrub": {"problem"},
    "notice": {"link"},
    "plan_approval": {"fingerprint"},
    "event_material_change": {"status"},
}
# Pages that are not HTML, or that need a one-time state (a password step in progress).
NOT_PAGES = {"static", "calendar.feed", "calendar.download", "outreach.export_csv",
             "audit.export_csv", "calendar_view.feed",  # JSON (the calendar page shows it)
             "operations.healthz", "accounts.login", "accounts.login_code",
             "accounts.login_enrol"}


def _hostile_records(now, starts_at):
    user = accounts.create_user(None, email="hostile@agency.example.com",
                                display_name=payload(120), roles=[r.value for r in Role],
                                password="hostile test passphrase", now=now)
    mfa.begin_enrolment(user)
    user.totp_enrolled_at = now
    _hostile_checklist_version(user, now)
    event = events.create_event(user, events.EventData(
        title=payload(200), kind="rally", starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2), venue=payload(),
        information_source="permit_application", permit_status="applied",
        route_description=payload(), permit_reference=payload(100),
        permit_conditions=payload(), organizing_group=payload(200),
        logistics_notes=payload(), planner_id=user.id, liaison_id=user.id), now)
    events.transition(user, event, EventStatus.PLANNING, now, note=payload())
    _hostile_answers(user, event, now)
    # An approval's note, as leadership types it (shown on the event page and summary).
    approvals.record_approval(user, event, events._snapshot(event), payload(), now)
    contact = outreach.create_contact(user, event, outreach.ContactData(
        contacted_at=now - timedelta(days=1), method="phone", purpose="route",
        organization=payload(200), summary=payload(), outcome=payload(),
        person_name=payload(120), consent=True, follow_up_on=now.date()), now,
        retention_days=30)
    hold = retention.place_hold(user, contact, payload(), now.date() + timedelta(days=90),
                                now)
    feed, _token = feeds.create_feed(user, user, payload(100), feeds.FeedFilter(), now)
    return {"user": user, "event": event, "contact": contact, "hold": hold, "feed": feed}


def _hostile_checklist_version(user, now):
    _note, specs = catalog.load_seed()
    spec = next(s for s in specs if s.key == "pre.source")
    catalog.save_item(user, "pre.source",
                      replace(spec, prompt=payload(), guidance=payload()), now, payload())


def _hostile_answers(user, event, now):
    entries = checklist.get_for_event(event.id).entries
    text_entry = next(e for e in entries if e.item.response_type == "short_text")
    checklist.answer(user, text_entry, payload(), "", now)
    flag = next(e for e in entries if e.item.key == "pre.undercover")
    checklist.answer(user, flag, "yes", payload(), now)
    reviews.decide(user, checklist.current_review(flag), "approved", payload(), now)
    # A second red flag stays pending, so the review queue and form show its text.
    other = next(e for e in entries if e.item.red_flag_answers and e is not flag
                 and e.item.response_type == "yes_no")
    checklist.answer(user, other, other.item.red_flag_answers[0], payload(), now)
    return text_entry


@pytest.fixture(scope="module")
def hostile(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    url = fresh_database(request, root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRACKER_INSTANCE_PATH", str(root / "instance"))
        app = create_app({"TESTING": True, "SECRET_KEY": "hostile-secret",
                          "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
    run_command(app, "seed-demo")  # publishes the shipped checklist, too
    with app.app_context():
        # Recorded six days ago for an event tomorrow: its 7-day reminder is due now.
        records = _hostile_records(utcnow() - timedelta(days=6),
                                   utcnow() + timedelta(days=1, hours=1))
        db.session.commit()
        ids = {name: row.id for name, row in records.items()}
        ids["review"] = reviews.pending()[0].id
        ids["secret"] = records["user"].totp_secret
        db.session.remove()
    run_command(app, "reminders", "dispatch")  # reminders about the event reach the inbox
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def test_every_typed_text_column_holds_a_payload(hostile):
    """The hostile record really covers every field a person types into: a new text
    column fails here until it is filled above (or listed as not typed)."""
    app, _base, _ids = hostile
    missing = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, sa.String | sa.Text):
                    continue
                if column.name in NOT_TYPED.get(table.name, set()):
                    continue
                hits = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                         .where(column.contains("alert(")
                                                | column.contains("<")))
                if not hits:
                    missing.append(f"{table.name}.{column.name}")
        db.session.remove()
    assert missing == []


def _pages(app, ids) -> list[str]:
    entries = {}
    args = {"event_id": ids["event"], "contact_id": ids["contact"], "hold_id": ids["hold"],
            "feed_id": ids["feed"], "review_id": ids["review"], "user_id": ids["user"],
            "key": "pre.source", "stage": "pre_event", "number": 1}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
                continue
            entries[url_for(rule.endpoint, **{a: args[a] for a in rule.arguments})] = 1
    return sorted(entries)


def _sign_in(page, base, secret):
    page.goto(f"{base}/login")
    page.locator("#email").fill("hostile@agency.example.com")
    page.locator("#password").fill("hostile test passphrase")
    page.get_by_label("I have read the notice above").check()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(_live["clock"].advance()))
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_no_payload_runs_on_any_page(hostile, new_context):
    app, base, ids = hostile
    page = new_context(bypass_csp=True).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"),
                                      dialog.dismiss()))
    _sign_in(page, base, ids["secret"])
    pages = _pages(app, ids)
    assert len(pages) >= 25
    shown_somewhere = set()
    for path in pages:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("load")
        text = page.locator("body").inner_text()
        shown_somewhere |= {p for p in PAYLOADS if p in text}
        # No element an attacker could have introduced exists in the page (the app
        # itself has no inline event handlers: its CSP forbids them).
        assert page.locator("img[src='x'], iframe[srcdoc]").count() == 0, path
        assert not page.evaluate(HANDLERS), path
    assert dialogs == []
    # The payloads are there, as text: escaped, not stripped.
    assert shown_somewhere == set(PAYLOADS)
    axe_check(page)
