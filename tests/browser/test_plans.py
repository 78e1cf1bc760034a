"""The operations plan in a real browser: the planner writes a plan with two assignments
(rows added without script), submits it, leadership approves the event, the planner
changes it (a new draft), the two versions are compared; and the after-action report of
the demo's concluded parade with its open corrective action. Axe on each page."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import (
    LEADERSHIP,
    PLANNER,
    axe_check,
    record_event,
    unique,
    write_and_submit_plan,
)
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.checklist import services as checklist
from tracker.db import utcnow
from tracker.events.models import Event
from tracker.extensions import db

pytestmark = pytest.mark.browser

ASSIGNMENTS = (
    ("Bike team 1", "West End Ave", "09:30", "12:30", "Ride ahead of the march"),
    ("Traffic post 7th Ave", "7th Ave N at Broadway", "10:30", "13:30",
     "Hold cross traffic while the march turns"),
)


def _answer_pre_event(app, title: str) -> None:
    """The pre-event items answered by their roles, as the demo staff would have done
    (the walk-through itself is tested in test_checklist)."""
    with app.app_context():
        users = list(db.session.scalars(select(User)))
        event = db.session.scalar(select(Event).where(Event.title == title))
        now = utcnow()
        stage = next(iter(checklist.entries_by_stage(
            checklist.get_for_event(event.id)).values()))
        for entry in stage:
            if entry.item.required and not entry.answered:
                role = Role(entry.item.responsible_role)
                who = next(u for u in users if u.has_role(role) and u.email.endswith(
                    "@demo.example.com"))
                safe = [o for o in entry.item.answer_options
                        if o not in entry.item.red_flag_answers]
                checklist.answer(who, entry, safe[0] if safe else "In the plan", "", now)
        db.session.commit()
        db.session.remove()


def test_write_submit_approve_change_and_compare(signed_in, live_app):
    planner = signed_in(PLANNER)
    title = unique("March for safe streets")
    event_url = record_event(planner, title)
    planner.get_by_role("button", name="Start planning").click()
    _answer_pre_event(live_app, title)

    planner.goto(event_url)
    planner.get_by_role("link", name="Operations plan").click()
    expect(planner.locator("main")).to_contain_text("No plan has been written")
    planner.get_by_role("link", name="Write the plan").click()
    # A bad time: the field says so and keeps what was typed.
    planner.locator("#assignments-0-unit").fill("Bike team 1")
    planner.locator("#assignments-0-starts").fill("25:99")
    planner.get_by_role("button", name="Save draft").first.click()
    expect(planner.locator("#assignments-0-starts-error")).to_contain_text("HH:MM")
    expect(planner.locator("#assignments-0-starts")).to_have_value("25:99")
    expect(planner.locator("#assignments-0-unit")).to_have_value("Bike team 1")
    axe_check(planner)

    write_and_submit_plan(planner, event_url, ASSIGNMENTS)
    rows = planner.locator("#sec-assignments").locator("xpath=..").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(planner.locator("main")).to_contain_text("Hold cross traffic while the march turns")
    axe_check(planner)

    leader = signed_in(LEADERSHIP)
    leader.goto(event_url)
    leader.get_by_role("button", name="Approve plan").click()
    expect(leader.locator(".status-large")).to_have_text("Plan approved")
    leader.goto(event_url + "/plan")
    expect(leader.locator("main")).to_contain_text("Showing version 1 (approved)")
    # Leadership reads the plan; writing it is the planner's.
    expect(leader.get_by_role("link", name="Edit (makes a new draft)")).to_have_count(0)

    planner.goto(event_url + "/plan")
    planner.get_by_role("link", name="Edit (makes a new draft)").click()
    expect(planner.locator("main")).to_contain_text("returns the event to planning")
    planner.locator("#assignments-1-task").fill("Hold cross traffic; open a lane for EMS")
    planner.get_by_role("button", name="Save draft").first.click()
    expect(planner.locator("main")).to_contain_text("Showing version 2 (draft)")
    planner.goto(event_url)
    expect(planner.locator(".status-large")).to_have_text("Planning")

    planner.goto(event_url + "/plan")
    planner.get_by_role("link", name="Compare versions").click()
    expect(planner.get_by_role("heading", level=1)).to_have_text("Compare versions of the plan")
    changed = planner.locator("tr.diff-replace")
    expect(changed).to_have_count(1)
    expect(changed.locator("del")).to_contain_text("Hold cross traffic while the march turns")
    expect(changed.locator("ins")).to_contain_text("open a lane for EMS")
    axe_check(planner)


def test_after_action_report_and_its_open_action(signed_in):
    planner = signed_in(PLANNER)
    # The demo's open corrective action, owned by the demo planner, on the dashboard.
    actions = planner.locator("section", has=planner.get_by_role(
        "heading", name="My open corrective actions"))
    expect(actions).to_contain_text("Agree detour-sign timing")
    actions.get_by_role("link", name="Broadway holiday parade").click()
    expect(planner.get_by_role("heading", level=1)).to_have_text("After-action report")
    expect(planner.locator("#injuries")).to_have_value("2")
    expect(planner.locator("main")).to_contain_text("Agree detour-sign timing")
    axe_check(planner)
    planner.locator("#arrests").fill("-4")
    planner.get_by_role("button", name="Save the report").click()
    expect(planner.locator("#arrests-error")).to_be_visible()
    expect(planner.locator("#arrests")).to_have_value("-4")
    axe_check(planner)
