"""SECURITY.md R-4: any input gets an answer, never a 500. Every route of app.url_map is
requested by a user allowed on it (one holding every role, who owns the sample
objects), with hostile values in the path, the query string and the form: ids beyond
the database's integer range, dates outside the sane window, NUL and control characters.
Runs on SQLite and PostgreSQL (PostgreSQL refuses NUL in text and ints beyond 2^31)."""

import re
import secrets
from urllib.parse import urlencode

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from tests.conftest import NOW, login
from tests.security.test_access_matrix import (
    _body,
    _contact_with_hold,
    _inbox_message,
    _pending_review,
    _plan_and_action,
    _plan_document,
    _product_and_request,
    _register_items,
)
from tracker.accounts.roles import Role
from tracker.calendar import feeds
from tracker.extensions import db
from tracker.inputs import ID_MAX

HUGE = [2**31, 2**63]  # beyond PostgreSQL's INTEGER, and beyond SQLite's
NUL = "Road closure\x00"
CONTROL = "Road closure\r\nBcc: attacker@evil.example"
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
# Routes whose success ends the walk (signing out) are requested last.
LAST = {"accounts.logout"}
HOSTILE_QUERIES = [
    {"page": str(2**63 - 1), "since": "0001-01-01", "until": "9999-12-31"},
    {"page": "-5", "since": "9999-12-31", "until": "10000-01-01", "actor": str(2**63),
     "object_id": str(2**64), "mine": "1"},
    {"kind": NUL, "status": NUL, "action": NUL, "object_type": NUL, "object_id": NUL,
     "actor": NUL, "outcome": NUL, "next": NUL, "since": NUL, "page": NUL},
]


@pytest.fixture
def walk(app, client, make_user, make_event):
    """The signed-in user with every role, and the URL arguments of its sample objects."""
    actor = make_user(*Role)
    other = make_user(Role.PLANNER)
    # The actor is the event's planner and liaison: the records routes admit them too.
    event = make_event(actor=actor, planner_id=actor.id, liaison_id=actor.id)
    review = _pending_review(event, actor)
    contact, hold = _contact_with_hold(event, make_user)
    feed, _token = feeds.create_feed(actor, actor, "Mine", feeds.FeedFilter(), NOW)
    message = _inbox_message(actor)
    item, _kept = _register_items(event, other)
    product, online = _product_and_request(event, other)
    action = _plan_and_action(event, actor)
    version, document = _plan_document(app, event, actor)
    db.session.commit()
    login(client, actor)
    args = {"event_id": event.id, "user_id": other.id, "filename": "css/tracker.css",
            "stage": "pre_event", "number": 1, "review_id": review.id, "key": "pre.source",
            "contact_id": contact.id, "hold_id": hold.id, "feed_id": feed.id,
            "token": "not-a-valid-token", "message_id": message.id,
            "reminder_id": message.reminder_id, "item_id": item.id,
            "product_id": product.id, "authorization_id": online.id,
            "action_id": action.id, "version_id": version.id,
            "attachment_id": document.id}
    return actor, args


def _rules(app):
    rules = [(rule, method) for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(rules, key=lambda rm: (rm[0].endpoint in LAST, rm[0].endpoint, rm[1]))


def _url(app, rule, args: dict, **override) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{k: v for k, v in {**args, **override}.items()
                                         if k in rule.arguments})


def _paths(app, rule, args) -> list[str]:
    """The valid URL, then each path argument made hostile in turn."""
    urls = [_url(app, rule, args)]
    for name in sorted(rule.arguments):
        if isinstance(rule._converters[name], IntegerConverter):
            # url_for refuses what the converter refuses: build the path by hand.
            valid = _url(app, rule, args)
            for number in HUGE:
                urls.append(valid.replace(f"/{args[name]}", f"/{number}", 1))
            urls.append(_url(app, rule, args, **{name: ID_MAX}))
        elif name != "filename":
            urls.append(_url(app, rule, args, **{name: NUL}))
    return urls


def _bodies(endpoint: str, owner) -> list[dict]:
    """Form bodies: each a valid form with one kind of hostile value in every field."""
    valid = _body(endpoint, owner)
    fields = {**valid, "title": "t", "name": "n", "summary": "s", "note": "n",
              "version": "1"}

    def each(change):
        # A fresh token each: a saved body must not turn the next into a repeat. A file
        # is read (and closed) by the request that sends it: each body gets its own.
        token = secrets.token_urlsafe(18)
        return {k: change(k, v) for k, v in {**fields, **_files(endpoint, owner),
                                              "submit_token": token}.items()}

    def text(value):
        return isinstance(value, str) and not DATE.match(value) and not DATETIME.match(value)

    return [
        each(lambda k, v: v + NUL if text(v) else v),
        each(lambda k, v: v + CONTROL if text(v) else v),
        each(lambda k, v: str(2**63) if isinstance(v, str) and v.isdigit() else v),
        each(lambda k, v: "9999-12-31T23:59" if isinstance(v, str) and DATETIME.match(v)
             else "9999-12-31" if isinstance(v, str) and DATE.match(v) else v),
        each(lambda k, v: "0001-01-01T00:00" if isinstance(v, str) and DATETIME.match(v)
             else "0001-01-01" if isinstance(v, str) and DATE.match(v) else v),
        {**valid, "version": str(2**63), "submit_token": NUL * 3},
    ]


def _files(endpoint: str, owner) -> dict:
    """The file fields of a fresh valid body."""
    return {k: v for k, v in _body(endpoint, owner).items() if isinstance(v, tuple)}


def _status(client, method: str, url: str, body) -> int:
    """The answer's status; an exception (which tests propagate) counts as the 500 it
    would be, so one run lists every failing request."""
    try:
        response = client.open(url, method=method, data=body)
    except Exception as exc:
        db.session.rollback()
        return 500 if not isinstance(exc, AssertionError) else 599
    response.close()
    return response.status_code


def test_no_route_answers_500_to_hostile_input(app, client, walk):
    actor, args = walk
    failures, requests = [], 0
    for rule, method in _rules(app):
        for url in _paths(app, rule, args):
            if method == "GET":
                attempts = [(url, None)] + [
                    (f"{url}?{urlencode(q)}", None) for q in HOSTILE_QUERIES]
            else:
                attempts = [(url, body) for body in _bodies(rule.endpoint, actor)]
                if url != _url(app, rule, args):
                    attempts = attempts[:1]  # a hostile path: one body is enough
            for target, body in attempts:
                requests += 1
                status = _status(client, method, target, body)
                if status >= 500 and rule.endpoint != "operations.healthz":
                    failures.append((method, target, body, status))
                elif rule.endpoint == "operations.healthz":
                    assert status in (200, 503)
    assert requests > 500
    assert not failures, "\n".join(repr(f)[:300] for f in failures[:40])


@pytest.mark.parametrize(("url", "message"), [
    ("/events/?until=9999-12-31", "Enter a date between the years 1900 and 2200."),
    ("/events/?since=0001-01-01", "Enter a date between the years 1900 and 2200."),
    ("/audit/?until=9999-12-31", "Enter a date between the years 1900 and 2200."),
])
def test_dates_outside_the_window_are_filter_errors(client, login_as, url, message):
    login_as(Role.PLANNER, Role.ADMIN)
    response = client.get(url)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/events/?page=9223372036854775807",
                                 "/audit/?page=9223372036854775807", "/events/?page=-3",
                                 "/events/?page=x"])
def test_page_numbers_are_clamped(client, login_as, make_event, url):
    login_as(Role.PLANNER, Role.ADMIN)
    make_event()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64])
@pytest.mark.parametrize("path", ["/events/{}", "/events/{}/edit", "/outreach/{}/edit",
                                  "/reviews/{}", "/events/{}/checklist/pre_event/{}",
                                  "/products/{}", "/products/{}/versions/{}/review",
                                  "/online-work/{}", "/schedules/{}/keep"])
def test_ids_beyond_the_database_range_are_404(client, login_as, path, number):
    login_as(*Role)
    assert client.get(path.format(number, number)).status_code == 404


@pytest.mark.parametrize(("field", "value", "message"), [
    ("starts_at", "9999-12-31T10:00", "Enter a date between the years 1900 and 2200."),
    ("starts_at", "0001-01-01T10:00", "Enter a date between the years 1900 and 2200."),
    ("title", "Road closure\x00", "Remove the NUL character"),
    ("logistics_notes", "Marshals\x00", "Remove the NUL character"),
    ("title", "Road closure\r\nBcc: attacker@evil.example", "single line of text"),
    ("venue", "Town\tsquare", "single line of text"),
    ("organizing_group", "Group\u2028name", "single line of text"),
    ("logistics_notes", "Bell\x07", "Remove the control character (code 7)"),
])
def test_event_form_refuses_hostile_values_and_keeps_the_rest(client, login_as, field,
                                                              value, message):
    from tests.security.test_access_matrix import _event_form

    user = login_as(Role.PLANNER)
    data = {**_event_form(user.id), "logistics_notes": "Line one\r\nLine two", field: value}
    response = client.post("/events/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    kept = "Vigil in the park" if field == "venue" else "Central park"
    assert kept in page  # what was typed is kept


def test_multi_line_text_keeps_line_breaks_and_tabs(client, login_as):
    from tests.security.test_access_matrix import _event_form

    user = login_as(Role.PLANNER)
    data = {**_event_form(user.id), "logistics_notes": "Line one\r\n\tLine two"}
    assert client.post("/events/new", data=data).status_code == 302


@pytest.mark.parametrize(("field", "value", "message"), [
    ("contacted_at", "9999-12-31T10:00", "Enter a date between the years 1900 and 2200."),
    ("follow_up_on", "9999-12-31", "Enter a date between the years 1900 and 2200."),
    ("summary", "Route\x00", "Remove the NUL character"),
    ("person_name", "Sam\nOrganizer", "single line of text"),
])
def test_outreach_form_refuses_hostile_values(client, login_as, make_event, field, value,
                                              message):
    from tests.security.test_access_matrix import _contact_form

    event = make_event()
    login_as(Role.LIAISON)
    response = client.post(f"/events/{event.id}/outreach/new",
                           data={**_contact_form(), field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["Approved\x00", "Approved\r\nX-Injected: 1"])
def test_feed_name_refuses_nul_and_line_breaks(client, login_as, name):
    login_as(Role.PLANNER)
    response = client.post("/calendar/feeds/new", data={"name": name})
    assert response.status_code == 400


def test_checklist_short_answer_refuses_control_characters(client, login_as, make_event):
    from tracker.checklist import services as checklist

    user = login_as(Role.PLANNER)
    event = make_event(actor=user)
    entries = checklist.entries_by_stage(checklist.get_for_event(event.id))
    short = next((stage, n) for stage, items in entries.items()
                 for n, e in enumerate(items, 1) if e.item.response_type == "short_text"
                 and e.item.responsible_role == "planner")
    url = f"/events/{event.id}/checklist/{short[0].value}/{short[1]}"
    for value in ("In the plan\x00", "In the plan\r\nBcc: x"):
        assert client.post(url, data={"value": value}).status_code == 400
