"""The event pages through the test client: create, edit, delete, list, status changes."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.events import services
from tracker.events.models import Event, EventStatus
from tracker.extensions import db

CANARY = "CANARY-3f9c1e"


def form(**overrides) -> dict:
    """A valid create/edit form as a browser sends it (local Chicago wall-clock times)."""
    values = {"title": "March down Main Street", "kind": "march",
              "starts_at": "2026-12-05T10:00", "ends_at": "2026-12-05T12:00",
              "venue": "Main Street", "route_description": "", "attendance_low": "",
              "attendance_high": "", "permit_status": "applied", "permit_reference": "",
              "permit_conditions": "", "information_source": "permit_application",
              "organizing_group": "", "planner_id": "", "liaison_id": "",
              "logistics_notes": ""}
    values.update(overrides)
    return values


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_rows(action=None) -> list[AuditRecord]:
    stmt = select(AuditRecord).order_by(AuditRecord.id)
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    return list(db.session.scalars(stmt))


def fresh(event_id: int) -> Event | None:
    db.session.expire_all()
    return db.session.get(Event, event_id)


def tbody(response) -> str:
    """The list table only: titles also appear in other page parts."""
    match = re.search(r"<tbody>(.*?)</tbody>", response.get_data(as_text=True), re.S)
    return match.group(1) if match else ""


# --- create ---------------------------------------------------------------------------


def test_create_saves_and_redirects_to_detail(client, login_as):
    planner = login_as(Role.PLANNER)
    response = client.post("/events/new", data=form(planner_id=str(planner.id)))
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert response.headers["Location"] == f"/events/{event.id}"
    assert (event.title, event.status, event.created_by_id, event.planner_id) == (
        "March down Main Street", "draft", planner.id, planner.id)
    # 10:00 CST (UTC-6) on 5 December
    assert event.starts_at == datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
    assert [r.object_id for r in audit_rows("event.create")] == [str(event.id)]


BAD_INPUT = [
    pytest.param({"title": ""}, "Enter a title.", id="missing-title"),
    pytest.param({"ends_at": "2026-12-05T09:00"}, "The end must be after the start.",
                 id="end-before-start"),
    pytest.param({"attendance_low": "500", "attendance_high": "100"},
                 "The high estimate must be at least the low estimate.", id="attendance"),
    pytest.param({"title": "T" * 201}, "200 characters", id="title-201-chars"),
    pytest.param({"kind": "riot"}, "Not a valid choice", id="unknown-kind"),
    pytest.param({"planner_id": "999"}, "Not a valid choice", id="unknown-planner"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUT)
def test_create_rejects_bad_input(client, login_as, overrides, message):
    login_as(Role.PLANNER)
    audit_before = count(AuditRecord)
    data = form(venue="Typed venue kept", **overrides)

    response = client.post("/events/new", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'value="Typed venue kept"' in page  # the planner does not retype everything
    if overrides.get("title"):
        assert f'value="{overrides["title"]}"' in page
    assert count(Event) == 0
    assert count(AuditRecord) == audit_before


def test_time_skipped_by_spring_forward_is_refused(client, login_as):
    login_as(Role.PLANNER)
    audit_before = count(AuditRecord)
    response = client.post("/events/new", data=form(starts_at="2026-03-08T02:30",
                                                     ends_at="2026-03-08T04:00"))
    assert response.status_code == 400
    assert "That time does not exist on this date" in response.get_data(as_text=True)
    assert count(Event) == 0
    assert count(AuditRecord) == audit_before


def test_repeated_autumn_hour_is_taken_as_first_occurrence(client, login_as):
    login_as(Role.PLANNER)
    response = client.post("/events/new", data=form(starts_at="2026-11-01T01:30",
                                                     ends_at="2026-11-01T03:00"))
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert event.starts_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # CDT, UTC-5
    assert event.ends_at == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # CST, UTC-6


# --- edit and the audit summary -------------------------------------------------------


def test_edit_saves_and_audits_fields_without_free_text(client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(actor=planner, title=f"{CANARY} old title")
    data = form(title=f"{CANARY} title", venue=f"{CANARY} venue", kind="vigil",
                logistics_notes=f"{CANARY} notes", organizing_group=f"{CANARY} group",
                starts_at="2026-12-06T09:00", ends_at="2026-12-06T11:00")

    response = client.post(f"/events/{event.id}/edit", data=data)

    assert response.status_code == 302
    saved = fresh(event.id)
    assert (saved.title, saved.kind) == (f"{CANARY} title", "vigil")
    assert saved.starts_at == datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
    [row] = audit_rows("event.update")
    changes = row.changes
    assert changes["kind"] == {"from": "rally", "to": "vigil"}
    assert changes["starts_at"]["to"] == "2026-12-06T15:00:00+00:00"
    for name in ("title", "venue", "logistics_notes", "organizing_group"):
        assert changes[name] == "changed", name
    # P-4: the canary, in the old and the new values, never reaches the audit trail.
    for audit_row in audit_rows():
        columns = {c.name: getattr(audit_row, c.name) for c in AuditRecord.__table__.columns}
        assert CANARY not in json.dumps(columns, default=str)


def test_edit_ignores_privileged_fields(client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(actor=planner)
    other = services.create_event(planner, services.EventData(
        title="Other", kind="rally", starts_at=NOW + timedelta(days=9),
        ends_at=NOW + timedelta(days=9, hours=1), venue="Square",
        information_source="other", permit_status="applied"), NOW)
    db.session.commit()
    extra = {"status": "closed", "created_by_id": "999", "id": str(other.id),
             "created_at": "2020-01-01T00:00"}
    response = client.post(f"/events/{event.id}/edit", data=form(title="Edited", **extra))
    assert response.status_code == 302
    saved = fresh(event.id)
    assert (saved.title, saved.status, saved.created_by_id) == ("Edited", "draft", planner.id)
    assert fresh(other.id).title == "Other"


def test_create_ignores_privileged_fields(client, login_as):
    planner = login_as(Role.PLANNER)
    extra = {"status": "closed", "created_by_id": "999", "id": "5", "role": "admin"}
    assert client.post("/events/new", data=form(**extra)).status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert (event.id, event.status, event.created_by_id) == (1, "draft", planner.id)


def test_edit_refused_once_cancelled(client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(actor=planner)
    services.transition(planner, event, EventStatus.CANCELLED, NOW)
    db.session.commit()
    response = client.post(f"/events/{event.id}/edit", data=form(title="Too late"))
    assert response.status_code == 400
    assert "can no longer be edited" in response.get_data(as_text=True)
    assert fresh(event.id).title == "Rally at the courthouse"
    assert audit_rows("event.update") == []


# --- delete ---------------------------------------------------------------------------


def test_delete_draft(client, login_as, make_event):
    event = make_event(actor=login_as(Role.PLANNER))
    response = client.post(f"/events/{event.id}/delete")
    assert (response.status_code, response.headers["Location"]) == (302, "/events/")
    assert fresh(event.id) is None
    assert [r.object_id for r in audit_rows("event.delete")] == [str(event.id)]


def test_delete_refused_once_planning_started(client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(actor=planner)
    services.transition(planner, event, EventStatus.PLANNING, NOW)
    db.session.commit()
    response = client.post(f"/events/{event.id}/delete", follow_redirects=True)
    assert "Only drafts can be deleted" in response.get_data(as_text=True)
    assert fresh(event.id) is not None
    assert audit_rows("event.delete") == []


# --- list filters and paging ----------------------------------------------------------


def chicago(day: int, hour: int, minute: int = 0) -> datetime:
    """A December 2026 wall-clock time in Chicago (CST, UTC-6) as a UTC instant."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) + timedelta(hours=6)


@pytest.fixture
def listed(login_as, make_user, make_event):
    """Four events that differ in kind, status, day and planner."""
    me = login_as(Role.PLANNER)
    other = make_user(Role.PLANNER)
    make_event(actor=me, title="Late rally", kind="rally", planner_id=me.id,
               starts_at=chicago(5, 23), ends_at=chicago(5, 23, 45))
    make_event(actor=me, title="Early march", kind="march", planner_id=other.id,
               starts_at=chicago(6, 1), ends_at=chicago(6, 2))
    make_event(actor=me, title="Vigil later", kind="vigil", planner_id=other.id,
               starts_at=chicago(10, 18), ends_at=chicago(10, 19))
    moving = make_event(actor=me, title="Planned parade", kind="parade",
                        starts_at=chicago(12, 10), ends_at=chicago(12, 12))
    services.transition(me, moving, EventStatus.PLANNING, NOW)
    db.session.commit()
    return me


@pytest.mark.parametrize(("query", "shown"), [
    ("kind=march", {"Early march"}),
    ("status=planning", {"Planned parade"}),
    ("mine=1", {"Late rally"}),
    # Local days: 23:00 on the 5th is 05:00 UTC on the 6th and still belongs to the 5th.
    ("since=2026-12-05&until=2026-12-05", {"Late rally"}),
    ("since=2026-12-06&until=2026-12-06", {"Early march"}),
    ("since=2026-12-07", {"Vigil later", "Planned parade"}),
    ("", {"Late rally", "Early march", "Vigil later", "Planned parade"}),
])
def test_list_filters(client, listed, query, shown):
    response = client.get(f"/events/?{query}")
    assert response.status_code == 200
    table = tbody(response)
    all_titles = {"Late rally", "Early march", "Vigil later", "Planned parade"}
    assert {t for t in all_titles if t in table} == shown


def test_list_filter_range_backwards_shows_error(client, listed):
    response = client.get("/events/?since=2026-12-10&until=2026-12-01")
    assert "The end of the range must not be before its start." in response.get_data(
        as_text=True)


# Bug: templates/_macros/forms.html pager() calls page_url, which tracker/templating.py
# (install, ~line 22) provides through a context processor. Macros imported with
# {% from ... import %} do not see the context, so any list with 2+ pages raises
# UndefinedError (500). Fix: app.add_template_global(_page_url, "page_url").
def test_list_pagination(app, client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    for n in range(5):
        make_event(actor=planner, title=f"Paged event {n}",
                   starts_at=NOW + timedelta(days=n + 1))
    app.config["EVENTS_PER_PAGE"] = 2
    first, last = client.get("/events/"), client.get("/events/?page=3")
    assert re.findall(r"Paged event \d", tbody(first)) == ["Paged event 0", "Paged event 1"]
    assert re.findall(r"Paged event \d", tbody(last)) == ["Paged event 4"]
    assert "5 in all, page 1 of 3" in first.get_data(as_text=True)
    assert "Paged event" not in tbody(client.get("/events/?page=4"))


# --- status transitions ---------------------------------------------------------------


@pytest.fixture
def planning_event(make_user, make_event, complete_stage):
    """An event in planning with a planner and (unless removed) a liaison named, its
    pre-event checklist complete."""
    planner = make_user(Role.PLANNER)
    liaison = make_user(Role.LIAISON)
    event = make_event(actor=planner, planner_id=planner.id, liaison_id=liaison.id)
    complete_stage(event, planner, "pre_event")
    services.transition(planner, event, EventStatus.PLANNING, NOW)
    db.session.commit()
    return event


def test_planner_starts_planning(client, login_as, make_event):
    event = make_event(actor=login_as(Role.PLANNER))
    response = client.post(f"/events/{event.id}/status", data={"target": "planning"})
    assert response.status_code == 302
    assert fresh(event.id).status == "planning"
    [row] = audit_rows("event.status_change")
    assert row.changes == {"status": {"from": "draft", "to": "planning"}}


def test_leadership_approves_plan(client, login_as, planning_event):
    login_as(Role.LEADERSHIP)
    response = client.post(f"/events/{planning_event.id}/status",
                           data={"target": "plan_approved", "note": "Approved."})
    assert response.status_code == 302
    assert fresh(planning_event.id).status == "plan_approved"


def test_approval_blocked_without_liaison(client, login_as, planning_event):
    planning_event.liaison_id = None
    db.session.commit()
    login_as(Role.LEADERSHIP)
    response = client.post(f"/events/{planning_event.id}/status",
                           data={"target": "plan_approved"})
    assert response.status_code == 409
    assert "Name a liaison officer" in response.get_data(as_text=True)
    assert fresh(planning_event.id).status == "planning"


def test_planner_cannot_approve(client, login_as, planning_event):
    planner = login_as(Role.PLANNER)
    response = client.post(f"/events/{planning_event.id}/status",
                           data={"target": "plan_approved"})
    assert response.status_code == 403
    assert fresh(planning_event.id).status == "planning"
    [row] = audit_rows("access.denied")
    assert (row.actor_id, row.outcome) == (planner.id, "denied")


def test_unknown_target_flashes_and_changes_nothing(client, login_as, make_event):
    event = make_event(actor=login_as(Role.PLANNER))
    response = client.post(f"/events/{event.id}/status", data={"target": "bogus"},
                           follow_redirects=True)
    assert "Choose a status change from the event page." in response.get_data(as_text=True)
    assert fresh(event.id).status == "draft"
    assert audit_rows("event.status_change") == []


def test_transition_not_in_lifecycle_is_refused(client, login_as, make_event):
    event = make_event(actor=login_as(Role.PLANNER))
    response = client.post(f"/events/{event.id}/status", data={"target": "closed"})
    assert response.status_code == 409
    assert "cannot move to that status" in response.get_data(as_text=True)
    assert fresh(event.id).status == "draft"

