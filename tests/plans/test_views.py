"""The plan and after-action pages through the client: every role, bad input, the rows
added and removed without script, conflicts, comparison."""

from datetime import timedelta

import pytest

from tests.conftest import NOW, login
from tests.support.forms import main_form
from tests.support.plans import ASSIGNMENT, submit_plan
from tracker.accounts.roles import Role
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db
from tracker.plans import after_action, services


@pytest.fixture
def planner(make_user):
    return make_user(Role.PLANNER, name="Pat Planner")


@pytest.fixture
def event(planner, make_event, make_user):
    event = make_event(planner, planner_id=planner.id,
                       liaison_id=make_user(Role.LIAISON).id,
                       starts_at=NOW + timedelta(days=10))
    events.transition(planner, event, EventStatus.PLANNING, NOW)
    db.session.commit()
    return event


def _values(response) -> dict:
    return {k: v[-1] for k, v in main_form(response).items()}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_plan_compare_and_after_action(client, make_user, event,
                                                            planner, role):
    submit_plan(event, planner, NOW)
    services.save_draft(planner, event, {"assignments": [
        {**ASSIGNMENT, "task": "Escort the march"}]}, NOW)
    db.session.commit()
    login(client, make_user(role))
    page = client.get(f"/events/{event.id}/plan")
    assert page.status_code == 200 and "Escort the march" in page.get_data(as_text=True)
    compare = client.get(f"/events/{event.id}/plan/compare?a=1&b=2").get_data(as_text=True)
    assert "<del>" in compare and "Escort the march" in compare
    assert client.get(f"/events/{event.id}/after-action").status_code == 200
    detail = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f"/events/{event.id}/plan" in detail


@pytest.mark.parametrize("role", [Role.LIAISON, Role.LEADERSHIP, Role.PRIVACY_OFFICER,
                                  Role.ADMIN])
def test_other_roles_cannot_write(client, make_user, event, role):
    login(client, make_user(role))
    assert client.post(f"/events/{event.id}/plan/edit", data={}).status_code == 403
    assert client.post(f"/events/{event.id}/plan/submit", data={}).status_code == 403
    assert client.post(f"/events/{event.id}/after-action", data={}).status_code == 403
    assert services.find_plan(event.id) is None


def test_another_planner_cannot_write_the_events_plan(client, make_user, event):
    login(client, make_user(Role.PLANNER))
    assert client.get(f"/events/{event.id}/plan/edit").status_code == 403
    assert client.post(f"/events/{event.id}/plan/edit", data={}).status_code == 403


def test_rows_are_added_and_removed_without_saving(client, event, planner):
    login(client, planner)
    form = _values(client.get(f"/events/{event.id}/plan/edit"))
    form.update({f"assignments-0-{k}": v for k, v in ASSIGNMENT.items()})
    added = client.post(f"/events/{event.id}/plan/edit", data={**form, "add_row": "assignments"})
    assert added.status_code == 200
    values = _values(added)
    assert values["assignments-0-task"] == ASSIGNMENT["task"]  # typed values kept
    assert "assignments-1-unit" in values
    assert services.find_plan(event.id) is None  # nothing saved
    removed = client.post(f"/events/{event.id}/plan/edit",
                          data={**values, "remove_row": "assignments-0"})
    assert "assignments-0-unit" not in _values(removed)
    assert "assignments-1-unit" in _values(removed)


def test_bad_input_shows_field_errors_and_keeps_what_was_typed(client, event, planner):
    login(client, planner)
    form = _values(client.get(f"/events/{event.id}/plan/edit"))
    form.update({f"assignments-0-{k}": v for k, v in ASSIGNMENT.items()})
    form["assignments-0-starts"] = "9 o'clock"
    form["command-0-position"] = "Incident commander"  # without who fills it
    response = client.post(f"/events/{event.id}/plan/edit", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a time as HH:MM" in page and "Enter the agency unit or staff" in page
    assert 'href="#assignments-0-starts"' in page
    assert _values(response)["assignments-0-starts"] == "9 o'clock"
    assert services.find_plan(event.id) is None


@pytest.mark.parametrize("junk", ["\x00", "x" * 3000])
def test_hostile_text_is_refused_not_a_500(client, event, planner, junk):
    login(client, planner)
    form = _values(client.get(f"/events/{event.id}/plan/edit"))
    form.update({f"assignments-0-{k}": v for k, v in ASSIGNMENT.items()})
    form["assignments-0-unit"] = junk
    assert client.post(f"/events/{event.id}/plan/edit", data=form).status_code == 400


def test_save_submit_and_a_stale_form(client, event, planner):
    login(client, planner)
    form = _values(client.get(f"/events/{event.id}/plan/edit"))
    form.update({f"assignments-0-{k}": v for k, v in ASSIGNMENT.items()})
    assert client.post(f"/events/{event.id}/plan/edit", data=form).status_code == 302
    first = _values(client.get(f"/events/{event.id}/plan/edit"))
    second = dict(first, **{"assignments-0-task": "Changed in another tab"})
    assert client.post(f"/events/{event.id}/plan/edit", data=second).status_code == 302
    stale = dict(first, **{"assignments-0-task": "Stale change"})
    response = client.post(f"/events/{event.id}/plan/edit", data=stale)
    assert response.status_code == 409
    assert "Stale change" in response.get_data(as_text=True)
    version = services.find_plan(event.id).latest
    assert version.sections["assignments"][0]["task"] == "Changed in another tab"
    page = client.get(f"/events/{event.id}/plan")
    submit_values = main_form(page, 'action="/events/')
    client.post(f"/events/{event.id}/plan/submit",
                data={k: v[-1] for k, v in submit_values.items()})
    assert services.find_plan(event.id).latest.status == "submitted"


def test_compare_refuses_unknown_versions(client, event, planner):
    submit_plan(event, planner, NOW)
    db.session.commit()
    login(client, planner)
    assert client.get(f"/events/{event.id}/plan/compare?a=1&b=7").status_code == 400
    assert client.get(f"/events/{event.id}/plan/compare?a=x&b=99999999999").status_code == 400


def test_copy_from_an_earlier_event(client, event, planner, make_event):
    submit_plan(event, planner, NOW)
    target = make_event(planner, planner_id=planner.id, title="Next march")
    db.session.commit()
    login(client, planner)
    page = client.get(f"/events/{target.id}/plan/copy").get_data(as_text=True)
    assert event.title in page
    bad = client.post(f"/events/{target.id}/plan/copy", data={"source_id": "abc"})
    assert bad.status_code == 400
    good = client.post(f"/events/{target.id}/plan/copy", data={"source_id": str(event.id)})
    assert good.status_code == 302
    assert services.find_plan(target.id).latest.sections["assignments"] == [ASSIGNMENT]


def test_after_action_form_errors_and_actions(client, event, planner, make_user):
    event.ends_at = NOW - timedelta(hours=1)
    event.starts_at = NOW - timedelta(hours=3)
    db.session.commit()
    login(client, planner)
    bad = client.post(f"/events/{event.id}/after-action",
                      data={"arrests": "-3", "injuries": "many", "lessons": "Kept"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Kept" in page
    assert after_action.find_report(event.id) is None
    assert client.post(f"/events/{event.id}/after-action",
                       data={"arrests": "1", "reviewed_on": "2026-11-20"}).status_code == 302
    owner = make_user(Role.LEADERSHIP, name="Lou Owner")
    missing = client.post(f"/events/{event.id}/after-action/actions",
                          data={"description": "Fix signs", "owner_id": str(owner.id)})
    assert missing.status_code == 400 and "Fix signs" in missing.get_data(as_text=True)
    assert client.post(f"/events/{event.id}/after-action/actions", data={
        "description": "Fix signs", "owner_id": str(owner.id),
        "due_on": "2026-12-20"}).status_code == 302
    action = after_action.find_report(event.id).actions[0]
    # The owner sees it on the dashboard, and closes it.
    other = client.application.test_client()
    login(other, owner)
    assert "Fix signs" in other.get("/").get_data(as_text=True)
    empty = other.post(f"/events/{event.id}/after-action/actions/{action.id}/close",
                       data={f"close-{action.id}-version": str(action.version)})
    assert empty.status_code == 400
    done = other.post(f"/events/{event.id}/after-action/actions/{action.id}/close",
                      data={f"close-{action.id}-closing_note": "Agreed in writing"})
    assert done.status_code == 302
    assert "Fix signs" not in other.get("/").get_data(as_text=True)


def test_the_compliance_summary_includes_the_plan_and_the_report(client, event, planner,
                                                                 complete_stage, make_user):
    complete_stage(event, planner)
    events.transition(make_user(Role.LEADERSHIP), event, EventStatus.PLAN_APPROVED, NOW)
    later = event.ends_at + timedelta(days=1)
    after_action.save_report(planner, event, after_action.ReportData(
        injuries=3, lessons="Agree staging earlier", reviewed_on=later.date()), later)
    db.session.commit()
    login(client, make_user(Role.PRIVACY_OFFICER))
    page = client.get(f"/events/{event.id}/summary").get_data(as_text=True)
    version = services.find_plan(event.id).latest
    assert f"Approved plan: version 1, content hash <code>{version.content_hash[:16]}" in page
    assert "<th scope=\"row\">Injuries</th><td>3</td>" in page
    assert "Agree staging earlier" in page
