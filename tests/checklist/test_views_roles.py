"""Through the web: only the responsible role answers, each stage in its time, and the
items that restate the event record."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tracker.accounts.roles import Role
from tracker.checklist import services
from tracker.checklist.models import AnswerRecord
from tracker.extensions import db


@pytest.fixture
def staff(make_user):
    return {role: make_user(role, name=f"{role.label} person") for role in
            (Role.PLANNER, Role.LIAISON, Role.LEADERSHIP, Role.PRIVACY_OFFICER)}


@pytest.fixture
def future_event(staff, make_event):
    """A draft 18 days ahead of the real clock (the views ask for the time themselves)."""
    planner = staff[Role.PLANNER]
    return make_event(planner, planner_id=planner.id, liaison_id=staff[Role.LIAISON].id,
                      starts_at=datetime.now(UTC) + timedelta(days=18))


def url(event, key):
    checklist = services.get_for_event(event.id)
    for stage, entries in services.entries_by_stage(checklist).items():
        for number, entry in enumerate(entries, start=1):
            if entry.item.key == key:
                return f"/events/{event.id}/checklist/{stage.value}/{number}", entry
    raise AssertionError(key)


def answers() -> int:
    return db.session.scalar(select(func.count(AnswerRecord.id)))


@pytest.mark.parametrize(("key", "role"), [
    ("pre.undercover", "Leadership"), ("pre.views_collection", "Privacy (P/CRCL) officer")])
def test_planner_reads_but_cannot_answer_for_another_role(client, staff, future_event,
                                                          key, role):
    login(client, staff[Role.PLANNER])
    path, entry = url(future_event, key)
    page = client.get(path).get_data(as_text=True)
    assert f"Only someone with the {role} role answers this item" in page
    assert 'name="value"' not in page
    before = answers()
    assert client.post(path, data={"value": "no"}).status_code == 403
    assert answers() == before and entry.value is None


def test_post_event_item_of_a_future_event_is_refused_with_when_it_opens(
        client, staff, future_event):
    login(client, staff[Role.LEADERSHIP])  # the role that answers it
    path, entry = url(future_event, "post.policy_training")
    page = client.get(path).get_data(as_text=True)
    assert "Post-event items open when the event ends" in page
    assert 'name="value"' not in page
    before = answers()
    response = client.post(path, data={"value": "done"})
    assert response.status_code == 400
    assert "Post-event items open when the event ends" in response.get_data(as_text=True)
    assert answers() == before
    db.session.expire_all()
    assert entry.value is None


def test_operational_item_opens_when_marked_in_progress(client, staff, future_event):
    future_event.status = "in_progress"
    db.session.commit()
    login(client, staff[Role.LEADERSHIP])
    path, entry = url(future_event, "ops.command_post")
    assert client.post(path, data={"value": "done"}).status_code == 302
    db.session.expire_all()
    assert entry.value == "done"


def test_record_item_shows_the_record_and_a_link_to_change_it(client, staff, future_event):
    login(client, staff[Role.PLANNER])
    path, _entry = url(future_event, "pre.permit_status")
    page = client.get(path).get_data(as_text=True)
    assert "This item restates the event record" in page
    assert "Permit status: <strong>Applied</strong>" in page
    assert f'href="/events/{future_event.id}/edit">Change it on the event' in page
    assert "taken from the event record" in page
    assert 'name="value"' not in page


def test_a_contradicting_answer_is_shown_and_fixed_from_the_record(client, staff,
                                                                   future_event):
    path, entry = url(future_event, "pre.permit_status")
    entry.value = "Permit granted"  # given before the item followed the record
    db.session.commit()
    login(client, staff[Role.LIAISON])
    page = client.get(path).get_data(as_text=True)
    assert "is \u201cPermit granted\u201d, but the event record says permit status: " \
           "\u201cApplied\u201d" in page
    assert "Answer from the event record" not in page  # only planners change the record
    assert client.post(path).status_code == 403
    client.post("/logout")
    login(client, staff[Role.PLANNER])
    assert client.post(path).status_code == 302
    db.session.expire_all()
    assert entry.value == "Application pending" and entry.history[-1].from_record
