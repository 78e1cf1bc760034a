"""What cannot be undone asks first: deleting a draft and cancelling an event."""

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.events import services as events
from tracker.events.models import Event, EventStatus
from tracker.extensions import db


def test_delete_asks_on_a_page_first(client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(planner)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'href="/events/{event.id}/delete">Delete this draft…</a>' in page
    confirm = client.get(f"/events/{event.id}/delete")
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert f"Delete the draft {event.title}?" in text and "Keep it" in text
    assert db.session.get(Event, event.id) is not None  # asking deletes nothing
    assert client.post(f"/events/{event.id}/delete").status_code == 302
    assert db.session.scalar(select(Event.id).where(Event.id == event.id)) is None


def test_cancel_asks_for_a_reason(client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(planner)
    # The status button no longer cancels at once: it leads to the confirmation page.
    response = client.post(f"/events/{event.id}/status", data={"target": "cancelled"})
    assert response.headers["Location"] == f"/events/{event.id}/cancel"
    db.session.expire_all()
    assert event.status == "draft"
    response = client.post(f"/events/{event.id}/cancel", data={"reason": "  "})
    assert response.status_code == 400
    assert "Say why the event is cancelled" in response.get_data(as_text=True)
    db.session.expire_all()
    assert event.status == "draft"
    response = client.post(f"/events/{event.id}/cancel",
                           data={"reason": "The organizers called it off."})
    assert response.status_code == 302
    db.session.expire_all()
    assert event.status == "cancelled"
    assert event.status_changes[-1].note == "The organizers called it off."
    assert db.session.scalar(select(AuditRecord.id).where(
        AuditRecord.action == "event.status_change")) is not None


@pytest.mark.parametrize("role", [Role.LIAISON, Role.PRIVACY_OFFICER])
def test_other_roles_cannot_cancel(client, login_as, make_event, role):
    event = make_event()
    login_as(role)
    assert client.get(f"/events/{event.id}/cancel").status_code == 403
    assert client.post(f"/events/{event.id}/cancel",
                       data={"reason": "Not mine to cancel."}).status_code == 403
    db.session.expire_all()
    assert event.status == "draft"


def test_a_closed_event_cannot_be_cancelled(client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(planner)
    events.cancel_event(planner, event, "Called off.", NOW)
    db.session.commit()
    response = client.post(f"/events/{event.id}/cancel", data={"reason": "Again."},
                           follow_redirects=True)
    assert "cannot move to that status" in response.get_data(as_text=True)
    db.session.expire_all()
    assert event.status == EventStatus.CANCELLED
