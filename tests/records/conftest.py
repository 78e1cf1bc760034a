"""Fixtures of the records tests: an event with its own planner and liaison, a privacy
officer, and a helper that adds a register item."""

from datetime import date

import pytest

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.extensions import db
from tracker.records import register

DAYS = {"open_source_post": 30, "photo_or_video": 30, "report": 90, "note": 30,
        "other": 30}


@pytest.fixture
def staffed_event(make_user, make_event):
    planner, liaison = make_user(Role.PLANNER), make_user(Role.LIAISON)
    event = make_event(planner, planner_id=planner.id, liaison_id=liaison.id)
    return event, planner, liaison


@pytest.fixture
def officer(make_user):
    return make_user(Role.PRIVACY_OFFICER)


def item_data(**overrides) -> register.ItemData:
    values = {"category": "open_source_post",
              "description": "Public post announcing the march route and start time",
              "source": "Public social-media page of the organizers",
              "purpose": "Traffic and crowd-safety planning"}
    values.update(overrides)
    return register.ItemData(**values)


@pytest.fixture
def add_item(staffed_event):
    event, planner, _ = staffed_event

    def add(actor=None, now=NOW, **overrides):
        item = register.add_item(actor or planner, event, item_data(**overrides), now,
                                 days_by_category=DAYS, event_end_on=event.ends_at.date(),
                                 today=now.date())
        db.session.commit()
        return item

    return add


def event_end(event) -> date:
    return event.ends_at.date()


@pytest.fixture
def people(make_user, make_event):
    """An event with its own planner and liaison, and one of each other role (and a
    second planner and liaison, who are not the event's)."""
    planner = make_user(Role.PLANNER)
    liaison = make_user(Role.LIAISON)
    event = make_event(actor=planner)
    event.planner_id, event.liaison_id = planner.id, liaison.id
    db.session.commit()
    return {"planner": planner, "liaison": liaison, "event": event,
            "privacy": make_user(Role.PRIVACY_OFFICER), "leader": make_user(Role.LEADERSHIP),
            "admin": make_user(Role.ADMIN), "other_liaison": make_user(Role.LIAISON),
            "other_planner": make_user(Role.PLANNER)}
