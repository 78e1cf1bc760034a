"""Online-work authorizations through the web: request, authorize, concur, log work,
the expired state, every role, bad input."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import login
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.extensions import db
from tracker.records.authorization_models import OnlineAuthorization
from tracker.timezones import local_date


@pytest.fixture
def setup(app, make_user, make_event):
    liaison = make_user(Role.LIAISON)
    event = make_event()
    event.liaison_id = liaison.id
    db.session.commit()
    return {"liaison": liaison, "event": event, "privacy": make_user(Role.PRIVACY_OFFICER),
            "leader": make_user(Role.LEADERSHIP)}


def _request(today):
    return {"level": "monitoring", "purpose": "Timing and route posts for the march.",
            "predicate_reference": "Case 2026-0412", "platforms": ["social_networks"],
            "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=2)).isoformat()}


def test_request_authorize_concur_and_log_work(app, setup):
    today = local_date(utcnow())
    writer, leader, privacy = app.test_client(), app.test_client(), app.test_client()
    login(writer, setup["liaison"])
    login(leader, setup["leader"])
    login(privacy, setup["privacy"])
    event = setup["event"]
    assert writer.get(f"/events/{event.id}/online-work/new").status_code == 200
    assert writer.post(f"/events/{event.id}/online-work/new",
                       data=_request(today)).status_code == 302
    row = db.session.scalars(select(OnlineAuthorization)).one()
    url = f"/online-work/{row.id}"
    assert "Waiting for leadership and a privacy officer" in writer.get(url).get_data(
        as_text=True)
    queue = privacy.get("/reviews/").get_data(as_text=True)
    assert "Online-work requests waiting for you (1)" in queue
    waiting = leader.get("/online-work/").get_data(as_text=True)
    assert "Monitoring of public posts" in waiting and 'href="/online-work/"' in waiting
    assert writer.get("/online-work/").status_code == 403
    # Work before the authorization: refused.
    assert writer.post(f"{url}/work", data={"worked_on": today.isoformat(),
                                            "platform": "social_networks",
                                            "categories": ["timing"]}).status_code == 400
    assert leader.post(f"{url}/authorize", data={"decision": "agree"}).status_code == 302
    assert privacy.post(f"{url}/concur", data={"decision": "agree"}).status_code == 302
    assert "In force" in writer.get(url).get_data(as_text=True)
    assert writer.get(f"{url}/work").status_code == 200
    response = writer.post(f"{url}/work", data={
        "worked_on": today.isoformat(), "platform": "social_networks",
        "categories": ["timing", "route_and_site"]})
    assert response.status_code == 302
    page = writer.get(url).get_data(as_text=True)
    assert "Route and site, Timing" in page


def test_an_expired_authorization_is_shown_as_expired(app, client, setup):
    row = OnlineAuthorization(
        event_id=setup["event"].id, level="monitoring", purpose="Timing posts.",
        predicate_reference="Case 1", platforms=["social_networks"],
        starts_on=local_date(utcnow()) - timedelta(days=10),
        ends_on=local_date(utcnow()) - timedelta(days=8), status="authorized",
        requested_by_id=setup["liaison"].id, requested_at=utcnow())
    db.session.add(row)
    db.session.commit()
    login(client, setup["liaison"])
    assert "Expired" in client.get(f"/online-work/{row.id}").get_data(as_text=True)
    listing = client.get(f"/events/{setup['event'].id}/online-work").get_data(as_text=True)
    assert "Expired" in listing
    assert client.post(f"/online-work/{row.id}/work", data={
        "worked_on": local_date(utcnow()).isoformat(), "platform": "social_networks",
        "categories": ["timing"]}).status_code == 400


@pytest.mark.parametrize(("change", "message"), [
    ({"level": "monitoring", "predicate_reference": ""}, "needs a criminal predicate"),
    ({"platforms": []}, "at least one kind of platform"),
    ({"ends_on": "not a date"}, "Not a valid date"),
    ({"ends_on": "0001-01-01"}, "Enter a date between"),
    ({"purpose": "x\x00y" * 5}, ""),
])
def test_bad_requests(app, client, setup, change, message):
    login(client, setup["liaison"])
    today = local_date(utcnow())
    response = client.post(f"/events/{setup['event'].id}/online-work/new",
                           data={**_request(today), **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(OnlineAuthorization)).all() == []


@pytest.mark.parametrize("role", list(Role))
def test_other_staff_cannot_request(app, client, setup, make_user, role):
    login(client, make_user(role))
    response = client.post(f"/events/{setup['event'].id}/online-work/new",
                           data=_request(local_date(utcnow())))
    assert response.status_code == 403
