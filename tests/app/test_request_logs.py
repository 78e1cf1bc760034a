"""Log lines: one JSON object per line (or text), one line per request with its request id,
and no personal data or feed token in any of them."""

import io
import json
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.conftest import NOW, PASSWORD, login
from tracker import create_app, logs
from tracker.accounts.access import public
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.calendar import feeds
from tracker.extensions import db, limiter


@pytest.fixture
def app_config(app_config):
    return {**app_config, "LOG_FORMAT": "json"}


def _tracker_handler() -> logging.StreamHandler:
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == logs.HANDLER_NAME]
    return handler


@pytest.fixture
def output(app):
    """What the app's log handler writes, instead of standard error."""
    stream = io.StringIO()
    handler = _tracker_handler()
    previous, level = handler.setStream(stream), logging.getLogger().level
    yield stream
    handler.setStream(previous)
    logging.getLogger().setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def request_lines(stream: io.StringIO) -> list[dict]:
    return [line for line in json_lines(stream) if line["logger"] == "tracker.request"]


def test_one_json_line_per_request_with_the_audit_request_id(client, make_user, output):
    planner = make_user(Role.PLANNER)
    login(client, planner)
    created = client.post("/events/new", data={
        "title": "Vigil", "kind": "vigil", "starts_at": "2026-12-05T18:00",
        "ends_at": "2026-12-05T20:00", "venue": "Central park",
        "permit_status": "not_required", "information_source": "organizer_notice",
        "planner_id": str(planner.id), "liaison_id": ""})
    assert created.status_code == 302

    _password_line, login_line, create_line = request_lines(output)
    assert login_line["path"] == "/login/code"
    assert {k: create_line[k] for k in ("level", "method", "path", "status", "user_id")} == {
        "level": "INFO", "method": "POST", "path": "/events/new", "status": 302,
        "user_id": planner.id}
    assert create_line["message"] == "POST /events/new 302"
    assert isinstance(create_line["duration_ms"], float) and create_line["duration_ms"] >= 0
    moment = datetime.fromisoformat(create_line["time"].replace("Z", "+00:00"))
    assert moment.utcoffset() == UTC.utcoffset(None) and create_line["time"].endswith("Z")
    # The same id in the response header, the log line and the audit record of the change.
    assert create_line["request_id"] == created.headers["X-Request-ID"]
    record = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "event.create")).one()
    assert record.request_id == create_line["request_id"]
    assert login_line["request_id"] != create_line["request_id"]


def test_no_personal_data_query_string_or_password(client, make_user, output):
    user = make_user(Role.PLANNER, email="canary.person@agency.example.com",
                     name="Canary Person")
    login(client, user)
    client.get("/events/?title=Canarywood+March")
    client.post("/login", data={"email": "canary.person@agency.example.com",
                                "password": "wrong canary password", "acknowledge": "y"})
    text = output.getvalue()
    assert json_lines(output)  # every line is a JSON object
    for secret in ("canary", "Canary", PASSWORD, "Canarywood"):
        assert secret not in text
    assert [line["path"] for line in request_lines(output)] == [
        "/login", "/login/code", "/events/", "/login"]


def test_feed_tokens_are_cut_from_request_lines(client, make_user, output):
    owner = make_user(Role.PLANNER)
    _, token = feeds.create_feed(owner, owner, "Logged", feeds.FeedFilter(), NOW)
    db.session.commit()
    assert client.get(f"/calendar/feeds/{token}.ics").status_code == 200
    [line] = request_lines(output)
    assert line["path"] == f"/calendar/feeds/{token[:4]}\u2026.ics"
    assert token not in output.getvalue()


def test_an_error_is_one_line_with_its_traceback(app, client, output):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @public
    def fails():
        raise RuntimeError("the page broke")

    app.add_url_rule("/fails", view_func=fails)
    assert client.get("/fails").status_code == 500
    lines = json_lines(output)  # would fail on a multi-line traceback
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["message"] == "Exception on /fails [GET]"
    assert "RuntimeError: the page broke" in error["exception"]
    [request_line] = request_lines(output)
    assert request_line["status"] == 500
    assert request_line["request_id"] == error["request_id"]


def test_probes_log_at_debug_only(app, client, output):
    client.get("/healthz")
    assert request_lines(output) == []
    logging.getLogger().setLevel(logging.DEBUG)
    client.get("/healthz")
    assert [line["path"] for line in request_lines(output)] == ["/healthz"]


class TestRefusedBeforeTheView:
    """The CSRF check and the rate limiter answer from hooks that run before the view:
    their responses must still log their own request id, not the previous request's."""

    @pytest.fixture
    def app_config(self, app_config):
        # The limiter keeps the first default limit it is given, process-wide: start
        # from, and give back, the tracker's own setting (none).
        limiter.limit_manager.set_default_limits([])
        yield {**app_config, "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True,
               "RATELIMIT_DEFAULT": "1 per minute"}
        limiter.limit_manager.set_default_limits([])

    def test_each_refusal_logs_its_own_request_id(self, client, output):
        responses = [client.get("/login"), client.post("/login", data={}),
                     client.get("/login")]
        assert [r.status_code for r in responses] == [200, 400, 429]
        lines = request_lines(output)
        assert [line["status"] for line in lines] == [200, 400, 429]
        ids = [line["request_id"] for line in lines]
        assert ids == [r.headers["X-Request-ID"] for r in responses]
        assert len(set(ids)) == 3


def _new_app(tmp_path, monkeypatch, **config):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "instance"))
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}",
                       "SECRET_KEY": "s" * 40, **config})


def test_json_under_the_production_switch_text_otherwise(tmp_path, monkeypatch):
    assert _new_app(tmp_path, monkeypatch, PRODUCTION=True).config["LOG_FORMAT"] == "json"
    assert _new_app(tmp_path, monkeypatch).config["LOG_FORMAT"] == "text"
    monkeypatch.setenv("TRACKER_LOG_FORMAT", "text")
    assert _new_app(tmp_path, monkeypatch, PRODUCTION=True).config["LOG_FORMAT"] == "text"
    assert isinstance(_tracker_handler().formatter, logs.TextFormatter)


def test_an_unknown_format_stops_the_start(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        _new_app(tmp_path, monkeypatch, LOG_FORMAT="xml")


def test_text_lines_carry_the_same_fields(tmp_path, monkeypatch):
    app = _new_app(tmp_path, monkeypatch, TESTING=True, LOG_FORMAT="text")
    stream = io.StringIO()
    _tracker_handler().setStream(stream)
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/login")
    [line] = [line for line in stream.getvalue().splitlines() if "tracker.request" in line]
    request_id = response.headers["X-Request-ID"]
    assert line.endswith(f" INFO tracker.request [{request_id}] GET /login 200 "
                         "client=127.0.0.1")
    datetime.fromisoformat(line.split(" ")[0].replace("Z", "+00:00"))


@pytest.mark.parametrize(("proxies", "logged"), [(0, "10.0.0.2"), (1, "203.0.113.7")])
def test_the_client_address_is_logged_as_the_proxy_forwarded_it(app_config, tmp_path,
                                                                monkeypatch, proxies, logged):
    """Behind nginx (PROXY_COUNT=1) the line carries the client's address from
    X-Forwarded-For; without the setting, the header is ignored and the peer is logged."""
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "proxied"))
    app = create_app({**app_config, "PROXY_COUNT": proxies})
    stream = io.StringIO()
    previous = _tracker_handler().setStream(stream)
    try:
        app.test_client().get("/login", environ_base={
            "REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.7"})
    finally:
        _tracker_handler().setStream(previous)
    [line] = request_lines(stream)
    assert line["client"] == logged
