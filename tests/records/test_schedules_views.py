"""Records schedules through the web: the queue section, keep and purge, the retention
page listing every schedule, every role."""

from datetime import timedelta

import pytest

from tests.conftest import login
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.events.models import Event
from tracker.extensions import db
from tracker.timezones import local_date


@pytest.fixture
def due_event(app, make_event):
    """An event concluded six years ago: its text is due for review."""
    event = make_event(logistics_notes="Staging lot B", starts_at=utcnow() - timedelta(
        days=6 * 366))
    event.status = "concluded"
    db.session.commit()
    return event


def test_the_queue_keep_and_purge(app, client, due_event, make_event, login_as):
    login_as(Role.PRIVACY_OFFICER)
    queue = client.get("/reviews/").get_data(as_text=True)
    assert "Event text due for its records review (1)" in queue
    assert client.get(f"/schedules/{due_event.id}/keep").status_code == 200
    bad = client.post(f"/schedules/{due_event.id}/keep", data={"reason": "Open case 12.",
                                                               "review_on": "1999-01-01"})
    assert bad.status_code == 400 and "Open case 12." in bad.get_data(as_text=True)
    next_review = local_date(utcnow()) + timedelta(days=200)
    response = client.post(f"/schedules/{due_event.id}/keep", data={
        "reason": "Case 2026-0412 is still open in court.",
        "review_on": next_review.isoformat()})
    assert response.status_code == 302
    assert "(0)" in client.get("/reviews/").get_data(as_text=True).split(
        "Event text due")[1][:60]
    retention = client.get("/retention/").get_data(as_text=True)
    assert "Event text: records schedules" in retention
    assert "Case 2026-0412 is still open in court." in retention
    assert "logistics_notes" in retention  # the inventory's schedule of each column

    other = make_event(logistics_notes="Gate C", starts_at=utcnow() - timedelta(days=6 * 366))
    other.status = "closed"
    db.session.commit()
    assert client.get(f"/schedules/{other.id}/purge").status_code == 200
    assert client.post(f"/schedules/{other.id}/purge").status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, other.id).logistics_notes == ""
    assert "Text purged" in client.get("/schedules/").get_data(as_text=True)
    assert client.post(f"/schedules/{other.id}/purge").status_code == 400  # only once


@pytest.mark.parametrize("role", [Role.PLANNER, Role.LIAISON, Role.LEADERSHIP, Role.ADMIN])
def test_only_privacy_officers_decide(app, client, due_event, make_user, role):
    login(client, make_user(role))
    assert client.post(f"/schedules/{due_event.id}/purge").status_code == 403
    db.session.expire_all()
    assert db.session.get(Event, due_event.id).logistics_notes == "Staging lot B"
    listing = client.get("/schedules/")
    assert listing.status_code == (200 if role in (Role.LEADERSHIP, Role.ADMIN) else 403)


def test_unknown_event(app, client, login_as):
    login_as(Role.PRIVACY_OFFICER)
    assert client.get("/schedules/999/keep").status_code == 404
    assert client.post("/schedules/999/purge").status_code == 404
