"""SECURITY.md W-1: every state-changing request needs a CSRF token; a raw client
without one is refused on every POST route, and nothing changes."""

import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests import conftest
from tests.conftest import PASSWORD, current_code
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.extensions import db


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _sign_in_with_token(client, user):
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "acknowledge": "y", "csrf_token": token})
    assert response.status_code == 302
    token = _token(client.get("/login/code").get_data(as_text=True))
    response = client.post("/login/code", data={"code": current_code(user, conftest._clock),
                                                "csrf_token": token})
    assert response.status_code == 302


def _post_routes(app):
    """Every POST route with sample arguments (ids need not exist: the CSRF check comes
    before any lookup)."""
    samples = {"event_id": 1, "user_id": 1, "stage": "pre_event", "number": 1,
               "review_id": 1, "key": "pre.source", "contact_id": 1, "hold_id": 1,
               "feed_id": 1, "message_id": 1, "reminder_id": 1, "item_id": 1,
               "product_id": 1, "authorization_id": 1, "action_id": 1,
               "version_id": 1, "attachment_id": 1}
    with app.test_request_context():
        return sorted({(rule.endpoint, url_for(rule.endpoint, **{
            a: samples[a] for a in rule.arguments}))
            for rule in app.url_map.iter_rules() if "POST" in rule.methods})


def test_login_without_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "acknowledge": "y"})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)


def test_every_post_route_refuses_a_request_without_token(app, client, make_user):
    user = make_user(*Role)  # every role, so no route refuses for lack of one
    _sign_in_with_token(client, user)
    audited = db.session.scalar(select(func.count(AuditRecord.id)))
    routes = _post_routes(app)
    assert len(routes) >= 20
    for endpoint, url in routes:
        response = client.post(url, data={"title": "x", "target": "cancelled"})
        assert response.status_code == 400, endpoint
        assert "Form expired" in response.get_data(as_text=True), endpoint
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditRecord.id))) == audited


def test_a_wrong_token_is_refused_too(client, make_user):
    _sign_in_with_token(client, make_user(Role.PLANNER))
    response = client.post("/events/new", data={"csrf_token": "forged", "title": "x"})
    assert response.status_code == 400
