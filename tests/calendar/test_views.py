"""Calendar feeds and downloads through the test client: the token's life (I-1), HTTP
caching, content, filters, personal data (I-2/P-4), audit rows (U-1) and the feeds CLI.
The iCalendar serializer itself is covered by test_calendar_parsers.py."""

import dataclasses
import gzip
import hashlib
import logging
import re
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text
from werkzeug.serving import make_server

from tests.conftest import NOW, login
from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.calendar import assembly, cache, content, feeds, fetch_counts
from tracker.calendar.models import CalendarFeed
from tracker.db import utcnow
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db
from tracker.logging_filters import RedactFeedTokens, redact
from tracker.outreach import services as outreach
from tracker.timezones import format_local

S = EventStatus
LINK = re.compile(r'value="(https|webcal)://[^/"]+(/calendar/feeds/([A-Za-z0-9_-]+)\.ics)"')
EVENT_TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?event"?\b')


# --- helpers --------------------------------------------------------------------------


def new_feed(client, name="My feed", include_cancelled=True, **fields):
    """Submit the form as a signed-in browser does; returns (page response, token)."""
    data = {"name": name, "kind": "", "status": "", **fields}
    if include_cancelled:
        data["include_cancelled"] = "y"
    response = client.post("/calendar/feeds/new", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    tokens = {m.group(3) for m in LINK.finditer(response.get_data(as_text=True))}
    assert len(tokens) == 1, response.get_data(as_text=True)
    return response, tokens.pop()


def path(token: str) -> str:
    return f"/calendar/feeds/{token}.ics"


def vevents(body: bytes) -> dict:
    return {str(c["UID"]): c for c in Calendar.from_ical(body).walk("VEVENT")}


def event_ids(anon, token) -> set[int]:
    response = anon.get(path(token))
    assert response.status_code == 200
    return {int(uid.split("@")[0].removeprefix("event-")) for uid in vevents(response.data)}


def unfolded(body: bytes) -> str:
    return body.decode().replace("\r\n ", "")


def audit(action: str) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)
                                   .order_by(AuditRecord.id)))


def raw_rows(table: str) -> str:
    return repr(db.session.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608


def only_feed(*where) -> CalendarFeed:
    db.session.expire_all()
    return db.session.scalars(select(CalendarFeed).where(*where)).one()


def signed_in(app, user):
    other = app.test_client()
    login(other, user)
    return other


def edit(actor, event, **changes):
    values = {f.name: getattr(event, f.name) for f in dataclasses.fields(events.EventData)
              if f.name != "related_ids"}
    events.update_event(actor, event, events.EventData(**{**values, **changes}), NOW)
    db.session.commit()


def move(actor, event, target, now=NOW):
    events.transition(actor, event, target, now)
    db.session.commit()


@pytest.fixture
def anon(app):
    """A calendar program: no session, no cookies."""
    return app.test_client()


# --- the token's life (I-1) -------------------------------------------------------------


def test_link_is_shown_once_and_only_its_hash_is_kept(client, anon, login_as):
    login_as(Role.PLANNER)
    response, token = new_feed(client, "Approved only", status="plan_approved")
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert f'value="https://localhost{path(token)}"' in page
    assert f'value="webcal://localhost{path(token)}"' in page
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)  # 256 bits, url-safe

    assert only_feed().token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in raw_rows("calendar_feed")
    assert token not in client.get("/calendar/feeds").get_data(as_text=True)

    fetched = anon.get(path(token))
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert fetched.data.startswith(b"BEGIN:VCALENDAR")
    assert token not in raw_rows("audit_record")


def test_the_token_never_reaches_the_database_files(client, anon, login_as,
                                                    database_files):
    login_as(Role.PLANNER)
    _, token = new_feed(client)
    assert anon.get(path(token)).status_code == 200
    files = database_files()  # SQLite: file, WAL, journal; PostgreSQL: also its WAL
    stored = hashlib.sha256(token.encode()).hexdigest().encode()
    assert any(stored in file.read_bytes() for file in files)  # the check sees what is kept
    for file in files:
        assert token.encode() not in file.read_bytes(), file.name


def test_regenerate_revoke_and_deactivation_stop_a_link_at_once(client, anon, login_as,
                                                                   make_user):
    owner = login_as(Role.PLANNER)
    _, old = new_feed(client)
    _, other = new_feed(client, "Second")
    feed_id = only_feed(CalendarFeed.name == "My feed").id
    assert anon.get(path(old)).status_code == 200  # now cached
    response = client.post(f"/calendar/feeds/{feed_id}/regenerate")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = {m.group(3) for m in LINK.finditer(response.get_data(as_text=True))}.pop()
    assert new != old and only_feed(CalendarFeed.name == "My feed").id == feed_id
    assert (anon.get(path(old)).status_code, anon.get(path(new)).status_code) == (404, 200)

    assert client.post(f"/calendar/feeds/{feed_id}/revoke").status_code == 302
    assert only_feed(CalendarFeed.name == "My feed").revoked_at is not None
    assert anon.get(path(new)).status_code == 404
    assert [r.object_id for r in audit("calendar.feed_revoke")] == [str(feed_id)]

    assert anon.get(path(other)).status_code == 200
    accounts.update_user(make_user(Role.ADMIN), owner, display_name=owner.display_name,
                         roles=[r.value for r in owner.roles], active=False, now=NOW)
    db.session.commit()
    assert anon.get(path(other)).status_code == 404
    denied = [(r.object_id, r.outcome, r.changes) for r in audit("calendar.feed_fetch")
              if r.outcome != "success"]
    assert denied == [(None, "denied", {"reason": "unknown"}),
                      (str(feed_id), "denied", {"reason": "revoked"}),
                      (str(feed_id + 1), "denied", {"reason": "owner deactivated"})]
    assert not {old, new, other} & set(re.findall(r"[\w-]{43,}", raw_rows("audit_record")))


def test_token_is_no_credential_anywhere_else(app, client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(planner)
    _, token = new_feed(client)
    stranger = app.test_client()
    stranger.set_cookie("token", token)
    for url, kwargs in [
        (f"/events/?token={token}", {}),
        (f"/events/{event.id}/calendar.ics?token={token}", {}),
        ("/events/", {"headers": {"token": token}}),
        ("/events/", {"headers": {"Authorization": f"Bearer {token}"}}),
        (f"/calendar/feeds?token={token}", {}),
        ("/calendar/feeds/new", {}),
    ]:
        response = stranger.get(url, **kwargs)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url
    bare = stranger.get(f"/calendar/feeds/{token}")
    assert bare.status_code == 404 and bare.mimetype != "text/calendar"


def test_feed_list_and_who_may_manage_a_feed(app, client, anon, login_as, make_user):
    owner = login_as(Role.PLANNER)
    _, token = new_feed(client, "Approved rallies", kind="rally", status="plan_approved")
    new_feed(client, "Everything mine", include_cancelled=False, assigned_to_owner="y")
    anon.get(path(token))
    used = db.session.scalars(select(CalendarFeed).order_by(CalendarFeed.id)).first()
    page = client.get("/calendar/feeds").get_data(as_text=True)
    for text_ in ("Approved rallies", "Rally, plan approved, cancelled included",
                  "Everything mine", "All kinds, any status, assigned to the owner, "
                  "cancelled left out", format_local(used.created_at),
                  format_local(used.last_used_at), "Never"):
        assert text_ in page
    assert "All feed links (administrator)" not in page
    for role in (Role.PLANNER, Role.LEADERSHIP, Role.PRIVACY_OFFICER):
        other = signed_in(app, make_user(role))
        assert other.post(f"/calendar/feeds/{used.id}/revoke").status_code == 404
        assert other.post(f"/calendar/feeds/{used.id}/regenerate").status_code == 404
    assert anon.get(path(token)).status_code == 200

    admin = make_user(Role.ADMIN, name="Ada Admin")
    as_admin = signed_in(app, admin)
    page = as_admin.get("/calendar/feeds").get_data(as_text=True)
    everyone = page.split("All feed links (administrator)", 1)[1]
    assert "Approved rallies" in everyone and owner.display_name in everyone
    assert as_admin.post(f"/calendar/feeds/{used.id}/regenerate").status_code == 404
    assert as_admin.post(f"/calendar/feeds/{used.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(CalendarFeed, used.id).revoked_by_id == admin.id
    assert anon.get(path(token)).status_code == 404


# --- logs (I-1: never logged in full) ---------------------------------------------------


def test_served_request_is_logged_without_the_token(app, caplog, make_user):
    owner = make_user(Role.PLANNER)
    _, token = feeds.create_feed(owner, owner, "Logged", feeds.FeedFilter(), NOW)
    db.session.commit()
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}{path(token)}"
        with urllib.request.urlopen(url) as response:
            assert response.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert f"GET /calendar/feeds/{token[:4]}\u2026.ics" in caplog.text
    assert token not in caplog.text
    assert token not in raw_rows("audit_record")
    # The same filter on a record made by hand, and the function behind it.
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s -',
                               (f"HEAD /calendar/feeds/{token}.ics?x=1 HTTP/1.1", 304), None)
    assert RedactFeedTokens().filter(record) and token not in record.getMessage()
    assert redact(f"/calendar/feeds/{token}.ics") == f"/calendar/feeds/{token[:4]}\u2026.ics"


def test_a_failing_feed_request_is_logged_without_the_token(app, anon, caplog, make_user):
    owner = make_user(Role.PLANNER)
    _, token = feeds.create_feed(owner, owner, "Broken", feeds.FeedFilter(), NOW)
    db.session.execute(text("DROP TABLE calendar_feed_cache"))  # a database fault
    db.session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    caplog.set_level(logging.INFO)
    assert anon.get(path(token)).status_code == 500
    assert "/calendar/feeds/" in caplog.text
    assert token not in caplog.text


# --- HTTP behaviour ---------------------------------------------------------------------


def test_strong_etag_304_head_and_any_accept_header(client, anon, login_as, make_event):
    make_event(login_as(Role.PLANNER))
    _, token = new_feed(client)
    first = anon.get(path(token))
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[^"]+"', etag)  # strong: quoted, no W/
    again = anon.get(path(token), headers={"If-None-Match": etag})
    assert (again.status_code, again.headers["ETag"], again.data) == (304, etag, b"")
    other = anon.get(path(token), headers={"If-None-Match": '"not-the-etag"'})
    assert other.status_code == 200 and other.data == first.data
    head = anon.head(path(token))
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == etag
    assert head.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert head.headers["Content-Length"] == str(len(first.data))
    for accept in ("text/html", "application/json"):  # and none at all, above
        response = anon.get(path(token), headers={"Accept": accept})
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_if_none_match_uses_the_weak_comparison(client, anon, login_as):
    login_as(Role.PLANNER)
    _, token = new_feed(client)
    etag = anon.get(path(token)).headers["ETag"]
    # e.g. after a proxy compressed the response and weakened the validator
    assert anon.get(path(token), headers={"If-None-Match": f"W/{etag}"}).status_code == 304


def test_last_modified_never_moves_backwards(client, anon, make_user, make_event):
    planner = make_user(Role.PLANNER)
    login(client, planner)
    now = utcnow()
    early, late = make_event(planner, title="Early"), make_event(planner, title="Late")
    move(planner, early, S.PLANNING, now - timedelta(days=5))
    move(planner, late, S.PLANNING, now)
    _, token = new_feed(client, status="planning")

    def fetch():
        response = anon.get(path(token))
        assert response.status_code == 200
        return response.last_modified, response.headers["ETag"]

    modified, etag = fetch()
    time.sleep(1.05)  # Last-Modified counts whole seconds
    edit(planner, early, venue="City Hall")
    changed, changed_etag = fetch()
    assert changed_etag != etag and changed >= modified
    move(planner, late, S.POSTPONED, now)  # the newest event leaves the feed
    left, left_etag = fetch()
    assert left_etag != changed_etag and left >= changed
    assert fetch() == (left, left_etag)


def test_refresh_interval_follows_the_setting(app, client, anon, login_as):
    login_as(Role.PLANNER)
    _, token = new_feed(client)
    body = unfolded(anon.get(path(token)).data)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert "X-PUBLISHED-TTL:PT1H\r\n" in body
    app.config["CALENDAR_REFRESH_MINUTES"] = 15
    _, token = new_feed(client, "Quarter-hourly")
    body = unfolded(anon.get(path(token)).data)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n" in body
    assert "X-PUBLISHED-TTL:PT15M\r\n" in body


def test_cached_feeds_follow_the_settings_not_another_fetchers_host(app, client, anon,
                                                                     login_as, make_event):
    make_event(login_as(Role.PLANNER))
    _, token = new_feed(client)
    anon.get(path(token), base_url="http://attacker.example")
    body = unfolded(anon.get(path(token)).data)
    assert "attacker.example" not in body and "http://localhost/events/" in body
    app.config["CALENDAR_REFRESH_MINUTES"] = 15  # e.g. changed, then the app restarted
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M" in unfolded(anon.get(path(token)).data)


# --- cache ------------------------------------------------------------------------------


def test_unchanged_feed_is_served_from_the_cache(app, client, anon, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(planner)
    _, token = new_feed(client)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        def fetch():
            statements.clear()
            body = anon.get(path(token)).data
            return body, list(statements)

        first, built = fetch()
        second, cached = fetch()
        assert second == first
        assert any(EVENT_TABLE.search(s) for s in built)
        assert len(cached) < len(built)
        assert not any(EVENT_TABLE.search(s) for s in cached), cached
        edit(planner, event, title="Rally moved indoors")
        third, rebuilt = fetch()
        assert any(EVENT_TABLE.search(s) for s in rebuilt)
        assert "Rally moved indoors" in unfolded(third)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)


def _rebuilt_from_scratch(anon, token) -> bytes:
    """What a worker with nothing cached would serve."""
    cache.memory.clear()
    db.session.execute(text("DELETE FROM calendar_feed_cache"))
    db.session.commit()
    return anon.get(path(token)).data


def test_gzip_is_offered_and_compressed_once_per_version(client, anon, login_as,
                                                         make_event, monkeypatch):
    planner = login_as(Role.PLANNER)
    event = make_event(planner)
    _, token = new_feed(client)
    plain = anon.get(path(token))
    assert "Accept-Encoding" in plain.headers["Vary"] and "Content-Encoding" not in (
        plain.headers)
    compressions = []
    real = assembly.zlib.compressobj
    monkeypatch.setattr(assembly.zlib, "compressobj",
                        lambda *a: compressions.append(a) or real(*a))
    gz = {"Accept-Encoding": "gzip, deflate"}
    first, second = anon.get(path(token), headers=gz), anon.get(path(token), headers=gz)
    assert compressions == []  # compressed when the version was rendered
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first.headers["Vary"]
    assert gzip.decompress(first.data) == plain.data and second.data == first.data
    assert first.headers["ETag"] != plain.headers["ETag"]
    assert first.headers["Content-Length"] == str(len(first.data))
    again = anon.get(path(token), headers={**gz, "If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.data, again.headers["ETag"]) == (
        304, b"", first.headers["ETag"])
    # The plain validator does not stand for the compressed bytes, nor the reverse.
    assert anon.get(path(token), headers={**gz, "If-None-Match": plain.headers["ETag"]}
                    ).status_code == 200
    assert anon.get(path(token), headers={"If-None-Match": first.headers["ETag"]}
                    ).status_code == 200
    refused = anon.get(path(token), headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data
    head = anon.head(path(token), headers=gz)
    assert head.data == b"" and head.headers["Content-Length"] == str(len(first.data))
    edit(planner, event, title="Rally moved indoors")
    assert "Rally moved indoors" in unfolded(gzip.decompress(
        anon.get(path(token), headers=gz).data))


def test_an_edit_is_spliced_into_the_stored_rendering(client, anon, make_user, make_event,
                                                      monkeypatch):
    planner, other = make_user(Role.PLANNER), make_user(Role.PLANNER)
    login(client, planner)
    made = [make_event(planner, title=f"Rally {n}", planner_id=planner.id,
                       starts_at=NOW + timedelta(days=n)) for n in range(1, 7)]
    _, token = new_feed(client, status="draft")
    anon.get(path(token))
    loads = []
    real = content.feed_events
    monkeypatch.setattr(content, "feed_events",
                        lambda *a, **k: loads.append(k.get("only")) or real(*a, **k))

    edit(planner, made[2], title="Rally moved indoors")  # new text in place
    edit(planner, made[0], starts_at=NOW + timedelta(days=9, hours=1),
         ends_at=NOW + timedelta(days=9, hours=3))  # moves to the end
    cache.memory.clear()  # another worker continues from the stored rendering
    spliced = anon.get(path(token)).data
    move(planner, made[4], S.PLANNING)  # leaves a feed of drafts
    new = make_event(planner, title="New vigil", starts_at=NOW + timedelta(days=3, hours=1))
    events.delete_event(planner, made[5], NOW)
    db.session.commit()
    spliced_again = anon.get(path(token))
    assert loads == [{made[2].id, made[0].id}, {made[4].id, new.id, made[5].id}]
    order = [int(uid.split("@")[0].removeprefix("event-"))
             for uid in vevents(spliced_again.data)]
    assert order == [made[1].id, made[2].id, new.id, made[3].id, made[0].id]
    assert "Rally moved indoors" in unfolded(spliced)
    assert _rebuilt_from_scratch(anon, token) == spliced_again.data
    assert loads[-1] is None

    # A change to a user may change any event (a planner's name): rebuilt whole.
    accounts.update_user(make_user(Role.ADMIN), planner, display_name="Pat Renamed",
                         roles=["planner"], active=True, now=NOW)
    db.session.commit()
    assert "Planner: Pat Renamed" in unfolded(anon.get(path(token)).data)
    assert loads[-1] is None and other.id


def test_a_worker_without_a_copy_serves_the_stored_bytes(client, anon, login_as,
                                                         make_event):
    make_event(login_as(Role.PLANNER))
    _, token = new_feed(client)
    first = anon.get(path(token))
    statements: list[str] = []
    sa_event.listen(db.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *a: statements.append(statement))
    cache.memory.clear()
    not_modified = anon.get(path(token), headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304
    assert not any("gzip_body" in s for s in statements), statements  # bytes not read
    second = anon.get(path(token))
    assert (second.data, second.headers["ETag"]) == (first.data, first.headers["ETag"])
    assert not any(EVENT_TABLE.search(s) for s in statements), statements
    assert any("gzip_body" in s for s in statements)  # read once from the database


# --- audit (U-1) ------------------------------------------------------------------------


def test_each_fetch_is_audited_without_the_token(client, anon, login_as, make_event):
    """A fetch that returns the calendar writes one audit record; a 304 discloses
    nothing new and is counted per feed and hour instead (SECURITY.md U-1)."""
    planner = login_as(Role.PLANNER)
    make_event(planner), make_event(planner, title="Second rally")
    _, token = new_feed(client)
    feed = only_feed()
    where = {"REMOTE_ADDR": "198.51.100.23"}
    etag = anon.get(path(token), environ_base=where).headers["ETag"]
    for _ in range(3):
        assert anon.get(path(token), environ_base=where,
                        headers={"If-None-Match": etag}).status_code == 304
    rows = audit("calendar.feed_fetch")
    assert [(r.object_type, r.object_id, r.outcome, r.source_address, r.actor_id,
             r.changes) for r in rows] == [
        ("calendar_feed", str(feed.id), "success", "198.51.100.23", None, {"events": 2})]
    assert all(r.request_id and r.at for r in rows)
    # The first 304 is written at once; the next two wait in the worker for a minute.
    [(hour, counted)] = fetch_counts.counts_of(feed.id).items()
    assert counted == 1 and hour == fetch_counts.hour_of(hour)
    assert only_feed().last_used_at is not None
    assert token not in raw_rows("audit_record")


def test_not_modified_counts_are_written_at_most_once_a_minute(app):
    counter = fetch_counts.NotModifiedCounter()
    start = datetime(2026, 11, 24, 15, 59, 30, tzinfo=UTC)
    assert counter.count(7, start) == {(7, datetime(2026, 11, 24, 15, tzinfo=UTC)): 1}
    assert counter.count(7, start + timedelta(seconds=20)) is None
    assert counter.count(8, start + timedelta(seconds=40)) is None
    due = counter.count(7, start + timedelta(seconds=61))
    assert due == {(7, datetime(2026, 11, 24, 15, tzinfo=UTC)): 1,
                   (8, datetime(2026, 11, 24, 16, tzinfo=UTC)): 1,
                   (7, datetime(2026, 11, 24, 16, tzinfo=UTC)): 1}


def test_not_modified_counts_add_up_in_one_row_per_feed_and_hour(client, login_as):
    login_as(Role.PLANNER)
    new_feed(client)
    feed = only_feed()
    hour = datetime(2026, 11, 24, 15, tzinfo=UTC)
    fetch_counts.add({(feed.id, hour): 3})
    fetch_counts.add({(feed.id, hour): 2, (feed.id, hour + timedelta(hours=1)): 1})
    db.session.commit()
    assert fetch_counts.counts_of(feed.id) == {hour: 5, hour + timedelta(hours=1): 1}


# --- content ----------------------------------------------------------------------------


def test_an_event_over_its_life(app, client, anon, make_user, make_event, complete_stage):
    app.config["PUBLIC_BASE_URL"] = "https://tracker.example.gov"
    planner = make_user(Role.PLANNER, name="Pat Planner")
    leader = make_user(Role.LEADERSHIP)
    login(client, planner)
    event = make_event(planner, title="March on Main", kind="march", venue="Main Street",
                       planner_id=planner.id, liaison_id=make_user(Role.LIAISON).id)
    _, token = new_feed(client)
    uid = f"event-{event.id}@event-tracker"

    def current():
        found = vevents(anon.get(path(token)).data)
        assert list(found) == [uid]
        item = found[uid]
        return (str(item["SUMMARY"]), str(item["STATUS"]), int(item["SEQUENCE"]))

    item = vevents(anon.get(path(token)).data)[uid]
    assert str(item["DESCRIPTION"]).splitlines() == [
        "Kind: March", "Status: Draft", "Permit: Applied", "Planner: Pat Planner",
        f"Event page: https://tracker.example.gov/events/{event.id}"]
    assert (str(item["LOCATION"]), item["CATEGORIES"].cats) == ("Main Street", ["March"])
    assert current() == ("March on Main (tentative)", "TENTATIVE", 0)
    edit(planner, event, title="March on Main Street")
    assert current() == ("March on Main Street (tentative)", "TENTATIVE", 0)
    edit(planner, event, venue="City Hall")
    assert current()[2] == 1
    edit(planner, event, starts_at=event.starts_at + timedelta(hours=1))
    assert current()[2] == 2
    complete_stage(event, planner, "pre_event")
    move(planner, event, S.PLANNING)
    assert current() == ("March on Main Street (tentative)", "TENTATIVE", 3)
    move(leader, event, S.PLAN_APPROVED)
    assert current() == ("March on Main Street", "CONFIRMED", 4)
    item = vevents(anon.get(path(token)).data)[uid]
    assert "Status: Plan approved" in str(item["DESCRIPTION"])
    assert str(item["LOCATION"]) == "City Hall"
    move(leader, event, S.CANCELLED)
    assert current() == ("CANCELLED: March on Main Street", "CANCELLED", 5)


def test_cancelled_events_stay_for_the_configured_days(app, client, anon, login_as,
                                                      make_event):
    planner = login_as(Role.PLANNER)
    now = utcnow()
    stays, gone = make_event(planner, title="Stays"), make_event(planner, title="Gone")
    soon = make_event(planner, title="Leaves soon")
    move(planner, stays, S.CANCELLED, now - timedelta(days=29))
    move(planner, gone, S.CANCELLED, now - timedelta(days=30, seconds=1))
    move(planner, soon, S.CANCELLED, now - timedelta(days=30) + timedelta(seconds=2))
    _, token = new_feed(client)
    assert event_ids(anon, token) == {stays.id, soon.id}
    # The cached rendering expires when the next cancelled event is due to leave.
    time.sleep(max(0.0, (now + timedelta(seconds=2) - utcnow()).total_seconds()) + 0.1)
    assert event_ids(anon, token) == {stays.id}
    app.config["CALENDAR_CANCELLED_DAYS"] = 0
    _, token = new_feed(client, "No cancelled")
    assert event_ids(anon, token) == set()


def test_feed_filters(app, client, anon, make_user, make_event):
    me, other = make_user(Role.PLANNER, Role.LIAISON), make_user(Role.PLANNER)
    liaison = make_user(Role.LIAISON)
    login(client, me)
    mine = make_event(other, kind="rally", planner_id=me.id)
    liaising = make_event(other, kind="march", planner_id=other.id, liaison_id=me.id)
    move(other, liaising, S.PLANNING)
    cancelled = make_event(other, kind="vigil", liaison_id=liaison.id)
    move(other, cancelled, S.CANCELLED, utcnow())
    nobodys = make_event(other, kind="rally")
    expected = [
        ({"kind": "march"}, {liaising.id}),
        ({"status": "planning"}, {liaising.id}),
        ({"status": "cancelled"}, {cancelled.id}),
        ({"assigned_to_owner": "y"}, {mine.id, liaising.id}),
        ({"kind": "rally", "assigned_to_owner": "y"}, {mine.id}),
        ({"include_cancelled": False}, {mine.id, liaising.id, nobodys.id}),
        ({}, {mine.id, liaising.id, cancelled.id, nobodys.id}),
    ]
    for n, (fields, ids) in enumerate(expected):
        _, token = new_feed(client, f"Feed {n}", **fields)
        assert event_ids(anon, token) == ids, fields


def test_no_personal_data_in_feeds_or_downloads(client, anon, make_user, make_event):
    canaries = ["Zebulon Canaryfield", "615-555-0199", "zq-canary@example.org",
                "Canary Collective ZQ", "Canary Outreach Org", "canary summary ZQ"]
    planner, liaison = make_user(Role.PLANNER), make_user(Role.LIAISON)
    event = make_event(planner, planner_id=planner.id, liaison_id=liaison.id,
                       organizing_group=canaries[3])
    outreach.create_contact(liaison, event, outreach.ContactData(
        contacted_at=NOW - timedelta(hours=2), method="phone", purpose="route",
        organization=canaries[4], summary=canaries[5], person_name=canaries[0],
        person_phone=canaries[1], person_email=canaries[2], consent=True), NOW, 30)
    db.session.commit()
    login(client, planner)
    _, token = new_feed(client)
    feed = anon.get(path(token))
    download = client.get(f"/events/{event.id}/calendar.ics")
    assert feed.status_code == download.status_code == 200
    for body in (unfolded(feed.data), unfolded(download.data), raw_rows("audit_record")):
        assert f"event-{event.id}@" in body or "calendar.download" in body
        for canary in canaries:
            assert canary.lower() not in body.lower()


# --- the single-event download -----------------------------------------------------------


def test_download_needs_sign_in_and_is_audited(app, anon, make_user, make_event):
    event = make_event(title="Vigil for peace")
    response = anon.get(f"/events/{event.id}/calendar.ics")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    leader = make_user(Role.LEADERSHIP)
    response = signed_in(app, leader).get(f"/events/{event.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="event-{event.id}.ics"')
    assert list(vevents(response.data)) == [f"event-{event.id}@event-tracker"]
    assert [(r.actor_id, r.object_type, r.object_id) for r in audit("calendar.download")] == [
        (leader.id, "event", str(event.id))]
    assert signed_in(app, leader).get("/events/99999/calendar.ics").status_code == 404


# --- the feeds CLI ----------------------------------------------------------------------


def test_cli_creates_and_revokes_a_feed(app, runner, anon, make_user, make_event):
    owner = make_user(Role.PLANNER, email="owner@agency.example.com")
    make_event(owner)
    app.config["PUBLIC_BASE_URL"] = None
    result = runner.invoke(args=["feeds", "create", "owner@agency.example.com", "--name",
                                 "Approved", "--status", "plan_approved",
                                 "--base-url", "https://tracker.example.gov"])
    assert result.exit_code == 0, result.output
    https = re.search(r"https://tracker\.example\.gov(/calendar/feeds/[\w-]+\.ics)",
                      result.output)
    assert https and f"webcal://tracker.example.gov{https.group(1)}" in result.output
    feed = only_feed()
    assert (feed.owner_id, feed.name, feed.status) == (owner.id, "Approved", "plan_approved")
    response = anon.get(https.group(1))
    assert response.status_code == 200 and vevents(response.data) == {}
    token = https.group(1).removeprefix("/calendar/feeds/").removesuffix(".ics")
    assert token not in raw_rows("audit_record")
    assert audit("calendar.feed_create")[-1].source_address == "cli:feeds-create"

    result = runner.invoke(args=["feeds", "revoke", str(feed.id)])
    assert result.exit_code == 0 and f"Feed {feed.id} revoked." in result.output
    assert anon.get(https.group(1)).status_code == 404
    again = runner.invoke(args=["feeds", "revoke", str(feed.id)])
    assert again.exit_code != 0 and "already revoked" in again.output
    assert runner.invoke(args=["feeds", "revoke", "999"]).exit_code != 0


def test_cli_refuses_without_base_url_or_with_unknown_email(app, runner, make_user):
    make_user(Role.PLANNER, email="owner@agency.example.com")
    app.config["PUBLIC_BASE_URL"] = None
    result = runner.invoke(args=["feeds", "create", "owner@agency.example.com", "--name", "X"])
    assert result.exit_code != 0
    assert "Give --base-url or set PUBLIC_BASE_URL." in result.output
    result = runner.invoke(args=["feeds", "create", "nobody@agency.example.com", "--name",
                                 "X", "--base-url", "https://tracker.example.gov"])
    assert result.exit_code != 0 and "No active user nobody@agency.example.com" in result.output
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 0
    app.config["PUBLIC_BASE_URL"] = "https://configured.example.gov/"
    result = runner.invoke(args=["feeds", "create", "owner@agency.example.com", "--name", "X"])
    assert result.exit_code == 0 and "https://configured.example.gov/calendar/feeds/" in (
        result.output)
