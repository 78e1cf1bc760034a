"""An event change runs a bounded number of SQL statements, whatever the number of
users, checklist items or reminders: each area acts only on the fields it depends on and
looks users and roles up once per change. Counted with an SQLAlchemy listener around the
service call and its commit, as the views make them."""

from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event

from tests.conftest import NOW, login
from tests.events.test_views import form
from tracker.accounts.roles import Role
from tracker.events import services
from tracker.events.models import Event
from tracker.extensions import db

TITLE_EDIT_MAX = 15
TIME_EDIT_MAX = 40
CREATE_MAX = 60


@contextmanager
def counted():
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)


def _summary(seen: list[str]) -> str:
    return "\n".join(" ".join(s.split())[:150] for s in seen)


@pytest.fixture
def staff(make_user):
    """A planner and a liaison to assign, and several holders of every other role, so a
    per-item or per-user look-up would show in the counts."""
    planner = make_user(Role.PLANNER)
    liaison = make_user(Role.LIAISON)
    for role in (Role.LEADERSHIP, Role.PRIVACY_OFFICER, Role.ADMIN, Role.PLANNER,
                 Role.LIAISON):
        for _ in range(3):
            make_user(role)
    return planner, liaison


def _data(event_data, planner, liaison, **overrides):
    return event_data(planner_id=planner.id, liaison_id=liaison.id, **overrides)


def _created(staff, event_data):
    planner, liaison = staff
    event = services.create_event(planner, _data(event_data, planner, liaison), NOW)
    db.session.commit()
    return event


def _edit(event: Event) -> services.EventData:
    values = services._snapshot(event)
    return services.EventData(**values)


def test_event_creation(staff, event_data):
    _created(staff, event_data)  # the installation's first event publishes the template
    planner, liaison = staff
    data = _data(event_data, planner, liaison)
    db.session.expire_all()
    with counted() as seen:
        services.create_event(planner, data, NOW)
        db.session.commit()
    print(f"create: {len(seen)} statements")
    assert len(seen) <= CREATE_MAX, _summary(seen)


def test_title_only_edit(staff, event_data):
    event = _created(staff, event_data)
    planner = staff[0]
    data = replace(_edit(event), title="A new title")
    db.session.expire_all()
    with counted() as seen:
        changed = services.update_event(planner, event, data, NOW)
        db.session.commit()
    assert changed == {"title"}
    print(f"title edit: {len(seen)} statements")
    assert len(seen) <= TITLE_EDIT_MAX, _summary(seen)


def test_time_edit(staff, event_data):
    event = _created(staff, event_data)
    planner = staff[0]
    data = _edit(event)
    data = replace(data, starts_at=data.starts_at + timedelta(days=2),
                   ends_at=data.ends_at + timedelta(days=2))
    db.session.expire_all()
    with counted() as seen:
        changed = services.update_event(planner, event, data, NOW)
        db.session.commit()
    assert changed == {"starts_at", "ends_at"}
    print(f"time edit: {len(seen)} statements")
    assert len(seen) <= TIME_EDIT_MAX, _summary(seen)


def test_title_only_edit_through_the_form(client, staff):
    """The view path: the request's own statements (session, user, the event, the form's
    choices) come on top of the change's; reported, and bounded at the change's limit
    plus what an event page costs to load."""
    planner, liaison = staff
    login(client, planner)
    values = form(planner_id=str(planner.id), liaison_id=str(liaison.id))
    assert client.post("/events/new", data=values).status_code == 302
    event_id = db.session.scalar(
        db.select(Event.id).order_by(Event.id.desc()).limit(1))
    db.session.remove()
    with counted() as seen:
        response = client.post(f"/events/{event_id}/edit", data={**values, "title": "B"})
    assert response.status_code == 302
    print(f"title edit through the form: {len(seen)} statements")
    assert len(seen) <= TITLE_EDIT_MAX + 15, _summary(seen)
