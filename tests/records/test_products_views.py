"""Products through the web: the round trip, every role, bad input."""

import re

import pytest
from sqlalchemy import select

from tests.conftest import login
from tracker.accounts.roles import Role
from tracker.extensions import db
from tracker.records import dissemination
from tracker.records.product_models import Product

BODY = ("Permitted march of about 300 on Main Street, 10:00 to 12:00. Source: permit "
        "application (reliable).")
GOOD = {"q_protected_without_nexus": "no", "q_identifies_by_views": "no",
        "q_sources_stated": "yes", "q_distribution_limited": "yes"}


@pytest.fixture
def setup(app, make_user, make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    event.planner_id = planner.id
    db.session.commit()
    return {"planner": planner, "event": event, "privacy": make_user(Role.PRIVACY_OFFICER)}


def _token(page: str) -> str:
    found = re.search(r'name="submit_token"[^>]*value="([^"]+)"', page)
    return found.group(1) if found else ""


def _version(page: str) -> str:
    found = re.search(r'name="version"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else ""


def test_round_trip_returned_revised_approved_released(app, setup):
    planner_client, privacy_client = app.test_client(), app.test_client()
    login(planner_client, setup["planner"])
    login(privacy_client, setup["privacy"])
    event = setup["event"]
    new = planner_client.get(f"/events/{event.id}/products/new")
    assert new.status_code == 200
    response = planner_client.post(f"/events/{event.id}/products/new", data={
        "kind": "bulletin", "title": "March logistics", "body": BODY,
        "recipients": "County EM, duty officer", "caveats": "LES",
        "submit_token": _token(new.get_data(as_text=True))})
    assert response.status_code == 302
    product = db.session.scalars(select(Product)).one()
    url = f"/products/{product.id}"
    assert planner_client.post(f"{url}/versions/1/submit").status_code == 302
    queue = privacy_client.get("/reviews/").get_data(as_text=True)
    assert "Products waiting for review (1)" in queue and "March logistics" in queue

    form = privacy_client.get(f"{url}/versions/1/review").get_data(as_text=True)
    bad = privacy_client.post(f"{url}/versions/1/review", data={
        "decision": "returned", "note": "", **GOOD, "submit_token": _token(form)})
    assert bad.status_code == 400 and "This field is required." in bad.get_data(as_text=True)
    response = privacy_client.post(f"{url}/versions/1/review", data={
        **GOOD, "q_sources_stated": "no", "decision": "returned",
        "note": "State where the crowd estimate comes from.", "submit_token": _token(form)})
    assert response.status_code == 302
    detail = planner_client.get(url).get_data(as_text=True)
    assert "Returned with comments" in detail and "crowd estimate comes from" in detail
    # A returned version cannot be released.
    assert planner_client.get(f"{url}/versions/1/release").status_code == 200
    refused = planner_client.post(f"{url}/versions/1/release", data={
        "recipient_agency": "County EM", "recipient_role": "Duty officer",
        "need_to_know": "Plans road closures for the march.", "authority": "MOU",
        "method": "secure_email"})
    assert refused.status_code == 400

    edit = planner_client.get(f"{url}/edit").get_data(as_text=True)
    assert "saving makes version 2" in edit
    response = planner_client.post(f"{url}/edit", data={
        "title": "March logistics", "body": BODY + " Estimate: the organizers.",
        "recipients": "County EM, duty officer", "caveats": "LES", "version": _version(edit)})
    assert response.status_code == 302
    planner_client.post(f"{url}/versions/2/submit")
    form = privacy_client.get(f"{url}/versions/2/review").get_data(as_text=True)
    response = privacy_client.post(f"{url}/versions/2/review", data={
        **GOOD, "decision": "approved", "note": "", "submit_token": _token(form)})
    assert response.status_code == 302
    release = planner_client.get(f"{url}/versions/2/release").get_data(as_text=True)
    response = planner_client.post(f"{url}/versions/2/release", data={
        "recipient_agency": "County EM", "recipient_role": "Duty officer",
        "need_to_know": "Plans road closures for the march.", "authority": "MOU",
        "method": "secure_email", "submit_token": _token(release)})
    assert response.status_code == 302
    assert len(dissemination.for_event(event.id)) == 1
    detail = planner_client.get(url).get_data(as_text=True)
    assert "Released (frozen)" in detail and "Earlier versions" in detail


def test_bad_input_keeps_what_was_typed(app, client, setup):
    login(client, setup["planner"])
    event = setup["event"]
    response = client.post(f"/events/{event.id}/products/new", data={
        "kind": "bulletin", "title": "Typed title\x00", "body": "too short",
        "recipients": "", "caveats": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "too short" in page
    response = client.post(f"/events/{event.id}/products/new", data={
        "kind": "dossier", "title": "T", "body": BODY, "recipients": "R", "caveats": "C"})
    assert response.status_code == 400
    assert client.get("/products/99999999999999999999").status_code == 404
    assert client.get("/products/999").status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_other_staff_cannot_write_the_events_products(app, client, setup, make_user, role):
    login(client, make_user(role))
    response = client.post(f"/events/{setup['event'].id}/products/new", data={
        "kind": "bulletin", "title": "T", "body": BODY, "recipients": "R", "caveats": "C"})
    assert response.status_code == 403
    assert db.session.scalars(select(Product)).all() == []
