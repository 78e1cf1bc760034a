"""What cannot be undone asks first: deleting a draft, cancelling an event, removing a
checklist template item, revoking a feed and deactivating a user."""

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.calendar import feeds
from tracker.calendar.models import CalendarFeed
from tracker.checklist import catalog
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


# --- removing a template item, revoking a feed, deactivating a user ---------------------


def test_removing_a_template_item_asks_on_a_page_first(client, login_as, make_event):
    make_event()  # the shipped template is in place
    login_as(Role.ADMIN)
    key = catalog.current_template().items[0].key
    version = catalog.current_template().version
    index = client.get("/admin/checklist/").get_data(as_text=True)
    assert f'href="/admin/checklist/items/{key}/delete"' in index
    confirm = client.get(f"/admin/checklist/items/{key}/delete")
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert f"publishes checklist version {version + 1}" in text and "Keep it" in text
    assert catalog.current_template().version == version  # asking publishes nothing
    assert client.get("/admin/checklist/items/no.such/delete").status_code == 404
    assert client.post(f"/admin/checklist/items/{key}/delete").status_code == 302
    assert key not in {i.key for i in catalog.current_template().items}


@pytest.mark.parametrize("role", [Role.PLANNER, Role.PRIVACY_OFFICER])
def test_only_administrators_see_the_item_confirmation(client, login_as, make_event, role):
    make_event()
    login_as(role)
    key = catalog.current_template().items[0].key
    assert client.get(f"/admin/checklist/items/{key}/delete").status_code == 403


def test_revoking_a_feed_asks_on_a_page_first(client, login_as, make_user):
    owner = login_as(Role.PLANNER)
    feed, _ = feeds.create_feed(owner, owner, "Weekend rallies", feeds.FeedFilter(), NOW)
    db.session.commit()
    listing = client.get("/calendar/feeds").get_data(as_text=True)
    assert f'href="/calendar/feeds/{feed.id}/revoke"' in listing
    confirm = client.get(f"/calendar/feeds/{feed.id}/revoke")
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Revoke the feed “Weekend rallies”?" in text and "stops working at once" in text
    db.session.expire_all()
    assert db.session.get(CalendarFeed, feed.id).revoked_at is None  # asking revokes nothing
    # Another planner's feed is not theirs to see, asked or not.
    other = make_user(Role.PLANNER)
    theirs, _ = feeds.create_feed(other, other, "Theirs", feeds.FeedFilter(), NOW)
    db.session.commit()
    assert client.get(f"/calendar/feeds/{theirs.id}/revoke").status_code == 404
    assert client.post(f"/calendar/feeds/{feed.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(CalendarFeed, feed.id).revoked_at is not None
    # Asked again, the page says it is done already.
    again = client.get(f"/calendar/feeds/{feed.id}/revoke", follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)


def test_deactivating_a_user_asks_first_and_ends_their_sessions(app, client, login_as,
                                                                 make_user):
    login_as(Role.ADMIN)
    person = make_user(Role.PLANNER, Role.LIAISON, name="Dana Planner")
    theirs = app.test_client()
    login(theirs, person)
    assert theirs.get("/").status_code == 200
    form = {"display_name": "Dana Planner", "roles": ["planner", "liaison"]}  # unticked
    confirm = client.post(f"/admin/users/{person.id}", data=form)
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Deactivate Dana Planner?" in text and person.email in text
    assert "signed out everywhere" in text
    assert 'name="confirm_deactivate" value="yes"' in text
    db.session.expire_all()
    assert db.session.get(type(person), person.id).active  # asking changes nothing
    assert theirs.get("/").status_code == 200
    done = client.post(f"/admin/users/{person.id}", data={**form, "confirm_deactivate": "yes"})
    assert done.status_code == 302
    db.session.expire_all()
    assert not db.session.get(type(person), person.id).active
    assert theirs.get("/").status_code == 302  # their session ended
    assert db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "user.update",
        AuditRecord.object_id == str(person.id))).all()


def test_bad_input_shows_the_form_not_the_confirmation(client, login_as, make_user):
    login_as(Role.ADMIN)
    person = make_user(Role.PLANNER)
    response = client.post(f"/admin/users/{person.id}", data={"display_name": "",
                                                             "roles": ["planner"]})
    assert response.status_code == 400
    assert "Deactivate and sign out" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(person), person.id).active


def test_saving_an_active_user_does_not_ask(client, login_as, make_user):
    login_as(Role.ADMIN)
    person = make_user(Role.PLANNER)
    response = client.post(f"/admin/users/{person.id}", data={
        "display_name": "Still here", "roles": ["planner"], "active": "y"})
    assert response.status_code == 302
