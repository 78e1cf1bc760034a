"""The map on the plan's pages: drawn into the form's GeoJSON field, checked when the
draft is saved, shown with its feature list, its documents and the IAP links."""

import json

from tests.conftest import NOW, login
from tests.plans.test_geo import ROUTE, collection, feature
from tracker.accounts.roles import Role
from tracker.plans import services

MAP = collection(feature("LineString", ROUTE, kind="route", label="March route"),
                 feature("Point", [-87.631, 41.877], kind="staging", label="Lot B"))


def form_data(map_text: str) -> dict:
    return {"save": "1", "objectives-0-text": "Keep traffic moving.",
            "demobilization": "Units released at 13:00.", "map_geojson": map_text}


def test_the_edit_page_has_the_map_and_saves_it(client, make_user, make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    login(client, planner)
    page = client.get(f"/events/{event.id}/plan/edit").get_data(as_text=True)
    assert 'data-plan-map data-mode="edit"' in page and 'name="map_geojson"' in page
    assert "vendor/leaflet/leaflet.js" in page and "js/plan_map.js" in page
    response = client.post(f"/events/{event.id}/plan/edit", data=form_data(MAP))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    saved = services.find_plan(event.id).latest
    assert [f["properties"]["label"] for f in json.loads(saved.map_geojson)["features"]] == [
        "March route", "Lot B"]
    page = client.get(f"/events/{event.id}/plan").get_data(as_text=True)
    assert 'data-mode="view"' in page and "March route" in page and "Lot B" in page
    assert f"/plans/versions/{saved.id}/iap.pdf" in page
    assert f"/plans/versions/{saved.id}/documents" in page
    # The map is part of the version: its hash changes with the map.
    before = saved.content_hash
    client.post(f"/events/{event.id}/plan/edit", data={
        **form_data(collection(feature("LineString", ROUTE, kind="route", label="Moved"))),
        "version": str(saved.version)})
    assert services.find_plan(event.id).latest.content_hash != before


def test_a_bad_map_is_refused_beside_the_map_and_everything_typed_is_kept(
        client, make_user, make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    login(client, planner)
    hostile = collection(feature("Point", [200, 95], kind="route", label="<script>x</script>"))
    response = client.post(f"/events/{event.id}/plan/edit", data=form_data(hostile))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Map: Feature 1: longitude 200 is outside -180 to 180." in page
    assert "Keep traffic moving." in page and "Units released at 13:00." in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert services.find_plan(event.id) is None


def test_a_draft_plan_keeps_its_documents_in_the_next_draft(client, app, make_user,
                                                             make_event):
    from tests.plans.media_support import PDF
    from tracker import storage
    from tracker.extensions import db
    from tracker.plans import attachments

    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    first = services.save_draft(planner, event, {"demobilization": "At 13:00."}, NOW)
    attachments.add(planner, first, attachments.Upload("permit", "Permit", PDF),
                    storage.for_app(app), NOW)
    services.submit(planner, event, NOW)
    second = services.save_draft(planner, event, {"demobilization": "At 14:00."}, NOW)
    db.session.commit()
    assert second.number == 2
    assert [d.title for d in attachments.for_version(second.id)] == ["Permit"]


def test_comparing_versions_marks_the_map_changes(client, make_user, make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    services.save_draft(planner, event, {}, NOW, map_geojson=MAP)
    services.submit(planner, event, NOW)
    moved = collection(feature("LineString", ROUTE, kind="route", label="March route"),
                       feature("Point", [-87.631, 41.877], kind="staging", label="Lot C"))
    services.save_draft(planner, event, {}, NOW, map_geojson=moved)
    from tracker.extensions import db
    db.session.commit()
    login(client, planner)
    page = client.get(f"/events/{event.id}/plan/compare?a=1&b=2").get_data(as_text=True)
    assert "2. Staging area: Lot B (point," in page and "2. Staging area: Lot C (point," in page
    assert "1. Route: March route (line, from" in page
