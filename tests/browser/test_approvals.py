"""Approval bound to what was approved, in a real browser: approve, change a material
field, see the warning, save, see the plan back in planning with the change listed and
leadership's inbox message, approve again; and the compliance summary of a red flag that
was rejected and answered again."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import (
    LEADERSHIP,
    PLANNER,
    PRIVACY,
    axe_check,
    field_value,
    local_start,
    run_command,
    unique,
)
from tests.support.plans import submit_plan
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.checklist import services as checklist
from tracker.db import utcnow
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db

pytestmark = pytest.mark.browser


def _planned_event(app, title: str, starts) -> None:
    """An event in planning with its pre-event items answered by their roles, as the
    demo staff would have done (the walk-through itself is tested in test_checklist)."""
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
        planner, liaison = users[PLANNER], users["liaison@demo.example.com"]
        now = utcnow()
        event = events.create_event(planner, events.EventData(
            title=title, kind="march", starts_at=starts, ends_at=starts + timedelta(hours=3),
            venue="Centennial Park", information_source="organizer_notice",
            permit_status="granted", attendance_low=500, attendance_high=2500,
            planner_id=planner.id, liaison_id=liaison.id), now)
        by_role = {Role.PLANNER: planner, Role.LIAISON: liaison,
                   Role.LEADERSHIP: users[LEADERSHIP], Role.PRIVACY_OFFICER: users[PRIVACY]}
        stage = next(iter(checklist.entries_by_stage(
            checklist.get_for_event(event.id)).values()))
        for entry in stage:
            if entry.item.required and not entry.answered:
                safe = [o for o in entry.item.answer_options
                        if o not in entry.item.red_flag_answers]
                checklist.answer(by_role[entry.item.responsible_role], entry,
                                 safe[0] if safe else "In the operations plan", "", now)
        events.transition(planner, event, EventStatus.PLANNING, now)
        submit_plan(event, planner, now)  # approval needs a submitted operations plan
        db.session.commit()
        db.session.remove()


def _open(page: Page, title: str) -> None:
    page.goto("/events/")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_a_material_change_sends_the_approved_plan_back(signed_in, live_app):
    title = unique("March to the Capitol")
    starts = local_start(days_ahead=20, hour=10)
    _planned_event(live_app, title, starts)

    leader = signed_in(LEADERSHIP)
    _open(leader, title)
    leader.get_by_role("button", name="Approve plan").click()
    expect(leader.locator(".status-large")).to_have_text("Plan approved")
    expect(leader.locator(".approval-line")).to_contain_text(
        "Plan approved version 1 by Lou Leadership")
    axe_check(leader)

    planner = signed_in(PLANNER)
    _open(planner, title)
    planner.get_by_role("link", name="Edit event").click()
    expect(planner.locator("main")).to_contain_text("sends it back to planning")
    moved = starts + timedelta(days=7)
    planner.locator("#starts_at").fill(field_value(moved))
    planner.locator("#ends_at").fill(field_value(moved + timedelta(hours=3)))
    planner.get_by_role("button", name="Save changes").click()

    warning = planner.get_by_role("alert")
    expect(warning).to_contain_text("Saving sends the plan back to planning")
    expect(warning).to_contain_text("Start:")
    expect(warning).to_contain_text("Nothing is saved yet")
    # What was typed is still in the form.
    expect(planner.locator("#starts_at")).to_have_value(field_value(moved))
    axe_check(planner)
    planner.get_by_role("button", name="Save and send the plan back to planning").click()

    expect(planner.locator(".status-large")).to_have_text("Planning")
    expect(planner.locator(".history")).to_contain_text(
        "Returned to planning: the approved plan (approved version 1) changed")
    expect(planner.locator(".history")).to_contain_text("Start:")
    expect(planner.get_by_role("heading", name="Changed after approval")).to_be_visible()
    axe_check(planner)

    run_command(live_app, "reminders", "dispatch")
    leader.goto("/inbox")
    message = leader.locator("li, tr, article").filter(
        has_text=f"Approved plan changed, back in planning: {title}").first
    expect(message).to_be_visible()
    axe_check(leader)

    _open(leader, title)
    leader.get_by_role("button", name="Approve plan").click()
    expect(leader.locator(".status-large")).to_have_text("Plan approved")
    expect(leader.locator(".approval-line")).to_contain_text("Plan approved version 2")
    leader.get_by_role("link", name="Compliance summary").first.click()
    expect(leader.locator("#approvals-title")).to_be_visible()
    expect(leader.locator("main")).to_contain_text("Approved version 1 by Lou Leadership")
    expect(leader.locator("main")).to_contain_text("Approved version 2 by Lou Leadership")
    expect(leader.locator("main")).to_contain_text("exactly as approved in version 2")
    axe_check(leader)


def test_summary_shows_the_rejected_answer_and_the_new_one(signed_in):
    page = signed_in(PRIVACY)
    _open(page, "Metro Council public meeting")
    page.goto(page.url + "/summary")
    row = page.locator("tr").filter(has_text="requested from the fusion center")
    versions = row.locator(".answer-versions > li")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("Situational-awareness product only")
    expect(versions.nth(0)).not_to_contain_text("rejected")
    expect(versions.nth(1)).to_contain_text("Request that goes beyond situational awareness")
    expect(versions.nth(1)).to_contain_text("Superseded")
    expect(versions.nth(1)).to_contain_text("Red-flag review rejected by Pri Privacy")
    axe_check(page)
