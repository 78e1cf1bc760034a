"""SECURITY.md W-3: script payloads in every text field render inert.

A server of its own holds one record of everything with a script payload in every field
a person can type into; a user holding every role then opens every HTML page of the app
(every GET route in app.url_map) in Chromium, with the Content-Security-Policy bypassed
so that the escaping alone is under test. No dialog may fire, and the payloads must be
visible as text.
"""

import json
import threading
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask import current_app, url_for
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
from tracker.plans import sections as plan_sections
from tracker.plans import services as plans
from tracker.plans.models import AfterActionReport, CorrectiveAction
from tracker.records import authorizations, dissemination, products, register
from tracker.records.schedule_models import RecordsSchedule

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
    # Products, online work and schedules: enumerations.
    "product": {"kind"}, "product_version": {"status"},
    "online_authorization": {"level", "status", "leadership_decision", "privacy_decision"},
    "online_work_entry": {"platform"}, "records_schedule": {"decision"},
    "register_item": {"category", "disposition", "keep_status"},
    "dissemination_record": {"what_kind", "method"},
    "plan_version": {"status", "content_hash"},
    "corrective_action": {"status"},
    # Found in the uploaded content or made by the store, never typed.
    "plan_attachment": {"kind", "media_type", "extension", "sha256", "storage_key"},
}
# Pages that are not HTML, or that need a one-time state (a password step in progress).
NOT_PAGES = {"static", "calendar.feed", "calendar.download", "outreach.export_csv",
             "audit.export_csv", "plan_attachments.download", "plan_iap.pdf",
             "calendar_view.feed",  # JSON (the calendar page shows it)
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
    item = _hostile_register(user, event, now)
    product, online = _hostile_products(user, event, now)
    _hostile_plan(user, event, now)
    version, document = _hostile_plan_media(user, event, now)
    return {"user": user, "event": event, "contact": contact, "hold": hold, "feed": feed,
            "item": item, "product": product, "authorization": online,
            "version": version, "attachment": document}


def _hostile_register(user, event, now):
    """Register items (one destroyed, one kept and decided) and a release, every typed
    field a payload; the item page shown is the kept one."""
    def add():
        return register.add_item(user, event, register.ItemData(
            "note", payload(), payload(200), payload(), predicate_reference=payload(120)),
            now, days_by_category={"note": 30}, event_end_on=event.ends_at.date(),
            today=now.date())

    destroyed, kept = add(), add()
    register.destroy(user, destroyed, payload(200), now)
    register.propose_keep(user, kept, payload(120), payload(), kept.due_on + timedelta(
        days=30), now)
    officer = accounts.create_user(None, email="hostile-po@agency.example.com",
                                   display_name=payload(120), roles=["privacy_officer"],
                                   password="hostile test passphrase", now=now)
    register.decide_keep(officer, kept, "rejected", payload(), now)
    dissemination.record_release(
        user, event, what_kind="summary", what_ref=payload(200),
        recipient_agency=payload(200), recipient_role=payload(120),
        need_to_know=payload(), authority=payload(200), method="email", now=now)
    return kept


def _hostile_products(user, event, now):
    """A product returned with a payload comment and revised; an authorization with
    payloads in every typed field; a records schedule kept for a payload reason."""
    def draft():
        return products.Draft(title=payload(200).replace("\n", " "), body=payload() + " " * 20
                              + "padding", recipients=payload(), caveats=payload())
    product = products.create(user, event, "bulletin", draft(), now)
    products.submit(user, product.latest, now)
    products.review(user, product.latest, "returned", {
        "q_protected_without_nexus": False, "q_identifies_by_views": False,
        "q_sources_stated": False, "q_distribution_limited": True}, payload(), now)
    products.revise(user, product, draft(), now)
    online = authorizations.request(user, event, authorizations.Request(
        level="monitoring", purpose=payload() + " purpose", predicate_reference=payload(100),
        platforms=["social_networks"], starts_on=now.date() + timedelta(days=1),
        ends_on=now.date() + timedelta(days=9)), now)
    authorizations.authorize(user, online, True, payload(), now)
    authorizations.concur(user, online, True, payload(), now)
    db.session.add(RecordsSchedule(event_id=event.id, review_on=now.date(), decision="keep",
                                   reason=payload(), decided_by_id=user.id, decided_at=now))
    db.session.flush()
    return product, online



def _hostile_plan_media(user, event, now):
    """A map with payload labels on the plan's first version (drawn on the map, listed
    beside it, printed in the IAP), and a document with a payload title on the draft."""
    from tests.plans.media_support import PDF
    from tracker import storage
    from tracker.plans import attachments, geo

    plan = plans.find_plan(event.id)
    shapes = [{"type": "Feature", "properties": {"kind": kind, "label": payload(120)},
               "geometry": {"type": shape, "coordinates": coordinates}}
              for kind, shape, coordinates in (
                  ("route", "LineString", [[-87.63, 41.87], [-87.62, 41.88]]),
                  ("first_aid", "Point", [-87.625, 41.875]))]
    plan.versions[0].map_geojson = geo.clean(json.dumps(
        {"type": "FeatureCollection", "features": shapes}))
    draft = plan.latest
    document = attachments.add(user, draft, attachments.Upload("permit", payload(200), PDF),
                               storage.for_app(current_app), now)
    return draft, document


def _hostile_plan(user, event, now):
    """Two versions of the plan with a payload in every cell (the plan page, the version
    page and the comparison show them), and an after-action report with a payload in
    every text and in its corrective actions (written directly: the event is ahead)."""
    sections = {}
    for section in plan_sections.SECTIONS:
        if section.has_rows:
            sections[section.name] = [{c.name: (
                ("10:00" if c.name == "starts" else "11:00") if c.time else payload(c.limit))
                for c in section.columns}]
        else:
            sections[section.name] = payload()
    plans.save_draft(user, event, sections, now, map_geojson=json.dumps({
        "type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
            "type": "Point", "coordinates": [-86.78, 36.16]},
            "properties": {"kind": "first_aid", "label": payload(120)}}]}))
    plans.submit(user, event, now)
    sections["demobilization"] = payload()
    plans.save_draft(user, event, sections, now)
    report = AfterActionReport(event_id=event.id, created_by_id=user.id, created_at=now,
                               went_as_planned=payload(), did_not_go_as_planned=payload(),
                               lessons=payload(), arrests=1)
    report.actions.append(CorrectiveAction(description=payload(), owner_id=user.id,
                                           due_on=now.date(), created_at=now))
    report.actions.append(CorrectiveAction(description=payload(), owner_id=user.id,
                                           due_on=now.date(), created_at=now,
                                           status="closed", closed_by_id=user.id,
                                           closed_at=now, closing_note=payload()))
    db.session.add(report)


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
    assert missing == [], " ".join(missing)


def _pages(app, ids) -> list[str]:
    entries = {}
    args = {"event_id": ids["event"], "contact_id": ids["contact"], "hold_id": ids["hold"],
            "feed_id": ids["feed"], "review_id": ids["review"], "user_id": ids["user"],
            "key": "pre.source", "stage": "pre_event", "number": 1,
            "product_id": ids["product"], "authorization_id": ids["authorization"],
            "item_id": ids["item"], "version_id": ids["version"],
            "attachment_id": ids["attachment"]}
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
