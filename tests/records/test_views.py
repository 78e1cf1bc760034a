"""The records pages through the client: every role, bad input kept on the form."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, login
from tracker.accounts.roles import Role
from tracker.extensions import db
from tracker.records import register
from tracker.records.models import DisseminationRecord, RegisterItem

ITEM_FORM = {"category": "photo_or_video", "description": "Two photos of the route barriers",
             "source": "Officer's camera", "purpose": "Crowd-safety review",
             "predicate_review_id": ""}
RELEASE_FORM = {"what_kind": "summary", "what_ref": "After-action summary",
                "recipient_agency": "County Emergency Management",
                "recipient_role": "Duty officer",
                "need_to_know": "Plans the road closures for the next march.",
                "authority": "Mutual-aid agreement 2024-3", "method": "secure_email",
                "released_at": "2026-11-20T10:00"}


def _page(response) -> str:
    return response.get_data(as_text=True)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize(("who", "status"), [
    ("planner", 200), ("liaison", 200), ("other_planner", 403), ("other_liaison", 403),
    ("leadership", 200), ("privacy_officer", 200), ("admin", 200)])
def test_who_reads_the_records_page(client, staffed_event, make_user, add_item, who,
                                    status):
    event, planner, liaison = staffed_event
    add_item()
    user = {"planner": planner, "liaison": liaison,
            "other_planner": make_user(Role.PLANNER),
            "other_liaison": make_user(Role.LIAISON)}.get(who) or make_user(Role(who))
    login(client, user)
    response = client.get(f"/events/{event.id}/records")
    assert response.status_code == status
    if status == 200:
        page = _page(response)
        assert "Two photos" not in page and "march route" in page
        assert ("Add a register item" in page) == (who in ("planner", "liaison"))


def test_the_events_planner_adds_an_item(client, staffed_event):
    event, planner, _ = staffed_event
    login(client, planner)
    assert client.get(f"/events/{event.id}/records/items/new").status_code == 200
    response = client.post(f"/events/{event.id}/records/items/new", data=ITEM_FORM)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.id}/records"
    item = db.session.scalars(select(RegisterItem)).one()
    assert (item.category, item.recorded_by_id) == ("photo_or_video", planner.id)
    assert "Two photos of the route barriers" in _page(client.get(
        f"/events/{event.id}/records"))


@pytest.mark.parametrize(("change", "message"), [
    ({"description": ""}, "This field is required."),
    ({"category": "dossier"}, "Not a valid choice"),
    ({"source": "two\nlines"}, "control character"),
    ({"concerns_individuals": "y"}, "criminal predicate"),
    ({"concerns_individuals": "y", "predicate_reference": "Case 1",
      "predicate_review_id": "99999999999999999999"}, "red-flag review"),
    ({"purpose": "nul\x00"}, "NUL"),
])
def test_bad_items_are_refused_and_kept_on_the_form(client, staffed_event, change,
                                                    message):
    event, _, liaison = staffed_event
    login(client, liaison)
    response = client.post(f"/events/{event.id}/records/items/new",
                           data={**ITEM_FORM, **change})
    assert response.status_code == 400
    page = _page(response)
    assert message in page
    assert "Officer&#39;s camera" in page or "two" in page
    assert _count(RegisterItem) == 0


@pytest.mark.parametrize("role", list(Role))
def test_others_do_not_add_items_or_releases(client, staffed_event, make_user, role):
    event, _, _ = staffed_event
    login(client, make_user(role))
    for url, data in ((f"/events/{event.id}/records/items/new", ITEM_FORM),
                      (f"/events/{event.id}/records/releases/new", RELEASE_FORM)):
        assert client.get(url).status_code == 403
        assert client.post(url, data=data).status_code == 403
    assert _count(RegisterItem) == _count(DisseminationRecord) == 0


def test_disposing_from_the_item_page(client, staffed_event, add_item, officer):
    _, _, liaison = staffed_event
    destroyed, kept = add_item(), add_item()
    login(client, liaison)
    page = _page(client.get(f"/records/items/{destroyed.id}"))
    assert "Record its destruction" in page and "Decide on keeping it" not in page
    response = client.post(f"/records/items/{destroyed.id}/destroy",
                           data={"destruction_method": "x"})
    assert response.status_code == 400 and "at least 5" in _page(response)
    response = client.post(f"/records/items/{destroyed.id}/destroy",
                           data={"destruction_method": "Deleted from the shared drive",
                                 "version": str(destroyed.version)})
    assert response.status_code == 302
    response = client.post(f"/records/items/{kept.id}/keep", data={
        "keep_schedule": "Criminal case file CR-7", "keep_justification": "Short",
        "keep_until": (kept.due_on + timedelta(days=90)).isoformat()})
    assert response.status_code == 400 and "Criminal case file CR-7" in _page(response)
    response = client.post(f"/records/items/{kept.id}/keep", data={
        "keep_schedule": "Criminal case file CR-7",
        "keep_justification": "Evidence in the vandalism case 26-004417.",
        "keep_until": (kept.due_on + timedelta(days=90)).isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    assert register.get_item(destroyed.id).disposition == "destroyed"
    assert register.get_item(kept.id).keep_status == "pending"

    # The liaison cannot decide; a privacy officer can.
    assert client.post(f"/records/items/{kept.id}/decide",
                       data={"decision": "approved"}).status_code == 403
    other = client.application.test_client()
    login(other, officer)
    assert "Decide on keeping it" in _page(other.get(f"/records/items/{kept.id}"))
    assert other.post(f"/records/items/{kept.id}/decide",
                      data={"decision": "maybe"}).status_code == 400
    assert other.post(f"/records/items/{kept.id}/decide",
                      data={"decision": "approved"}).status_code == 302
    db.session.expire_all()
    assert register.get_item(kept.id).disposed


def test_a_privacy_officer_does_not_decide_their_own_proposal(client, add_item, officer):
    item = add_item()
    login(client, officer)
    assert client.post(f"/records/items/{item.id}/keep", data={
        "keep_schedule": "Litigation hold LH-3",
        "keep_justification": "A claim about the event is pending in court.",
        "keep_until": (item.due_on + timedelta(days=90)).isoformat()}).status_code == 302
    assert client.post(f"/records/items/{item.id}/decide",
                       data={"decision": "approved"}).status_code == 403


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.ADMIN, Role.PLANNER])
def test_readers_and_strangers_do_not_dispose(client, add_item, make_user, role):
    item = add_item()
    login(client, make_user(role))
    for action, data in (("destroy", {"destruction_method": "Deleted from the drive"}),
                         ("decide", {"decision": "approved"})):
        assert client.post(f"/records/items/{item.id}/{action}", data=data).status_code == 403
    db.session.expire_all()
    assert register.get_item(item.id).disposition is None


def test_recording_a_release(client, staffed_event):
    event, planner, _ = staffed_event
    login(client, planner)
    assert client.get(f"/events/{event.id}/records/releases/new").status_code == 200
    response = client.post(f"/events/{event.id}/records/releases/new",
                           data={**RELEASE_FORM, "need_to_know": "short"})
    assert response.status_code == 400
    assert "County Emergency Management" in _page(response)
    response = client.post(f"/events/{event.id}/records/releases/new", data=RELEASE_FORM)
    assert response.status_code == 302
    assert "County Emergency Management" in _page(client.get(f"/events/{event.id}/records"))
    assert _count(DisseminationRecord) == 1


@pytest.mark.parametrize("released_at", ["", "1200-01-01T10:00", "2099-01-01T10:00"])
def test_bad_release_times(client, staffed_event, released_at):
    event, planner, _ = staffed_event
    login(client, planner)
    response = client.post(f"/events/{event.id}/records/releases/new",
                           data={**RELEASE_FORM, "released_at": released_at})
    assert response.status_code == 400
    assert _count(DisseminationRecord) == 0


def test_internal_exports_are_listed_from_the_audit_trail(client, staffed_event, officer):
    event, _, liaison = staffed_event
    login(client, liaison)
    assert client.get(f"/events/{event.id}/outreach.csv").status_code == 200
    page = _page(client.get(f"/events/{event.id}/records"))
    assert "Outreach log (CSV)" in page and liaison.display_name in page


@pytest.mark.parametrize(("role", "status"), [(Role.PRIVACY_OFFICER, 200),
                                              (Role.LEADERSHIP, 200), (Role.PLANNER, 403)])
def test_past_due_page(client, add_item, make_user, role, status):
    add_item()
    login(client, make_user(role))
    assert client.get("/records/past-due").status_code == status


@pytest.mark.parametrize("url", ["/events/999/records", "/records/items/999",
                                 "/records/items/99999999999999999999999"])
def test_unknown_ids_are_404(client, officer, url):
    login(client, officer)
    assert client.get(url).status_code == 404
    assert client.post("/records/items/999/destroy",
                       data={"destruction_method": "Deleted"}).status_code == 404


def test_the_event_page_links_to_the_records(client, staffed_event, add_item):
    event, planner, _ = staffed_event
    add_item()
    login(client, planner)
    page = _page(client.get(f"/events/{event.id}"))
    assert "1 register item, 1 without a disposition" in page
    assert f'href="/events/{event.id}/records"' in page
    assert NOW  # the fixed clock of the suite


def test_correcting_an_item_before_its_disposition(client, staffed_event, add_item,
                                                   make_user):
    _, planner, liaison = staffed_event
    item = add_item()
    login(client, liaison)
    assert "Edit item" in _page(client.get(f"/records/items/{item.id}"))
    page = client.get(f"/records/items/{item.id}/edit")
    assert page.status_code == 200 and "march route" in _page(page)
    form = {**ITEM_FORM, "category": "open_source_post", "version": str(item.version)}
    response = client.post(f"/records/items/{item.id}/edit", data={**form, "source": ""})
    assert response.status_code == 400 and "This field is required." in _page(response)
    response = client.post(f"/records/items/{item.id}/edit", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert register.get_item(item.id).description == ITEM_FORM["description"]
    # A stale form is a conflict, never an overwrite.
    response = client.post(f"/records/items/{item.id}/edit",
                           data={**form, "description": "Stale text"})
    assert response.status_code == 409
    db.session.expire_all()
    assert register.get_item(item.id).description == ITEM_FORM["description"]
    other = client.application.test_client()
    login(other, make_user(Role.PLANNER))
    assert other.get(f"/records/items/{item.id}/edit").status_code == 403
    register.destroy(planner, register.get_item(item.id), "Deleted from the drive", NOW)
    db.session.commit()
    assert "Edit item" not in _page(client.get(f"/records/items/{item.id}"))
    response = client.post(f"/records/items/{item.id}/edit",
                           data={**form, "version": str(item.version)})
    assert response.status_code in (400, 409)
