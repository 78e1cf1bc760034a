"""The plan map's GeoJSON: what the server accepts, refuses, lists and draws."""

import json

import pytest

from tracker.errors import ValidationError
from tracker.plans import geo

ROUTE = [[-87.6298, 41.8781], [-87.6244, 41.8827], [-87.6200, 41.8850]]
AREA = [[[-87.63, 41.87], [-87.62, 41.87], [-87.62, 41.88], [-87.63, 41.87]]]


def collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def feature(shape: str, coordinates, **properties) -> dict:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": shape, "coordinates": coordinates}}


def refused(text: str) -> str:
    with pytest.raises(ValidationError) as caught:
        geo.clean(text)
    assert caught.value.field == "map_geojson"
    return caught.value.message


def test_route_staging_and_first_aid_are_kept_in_canonical_form():
    text = collection(
        feature("LineString", ROUTE, kind="route", label="March route", colour="red"),
        feature("Polygon", AREA, kind="staging", label="  Staging A "),
        feature("Point", [-87.625123456789, 41.88], kind="first_aid", label="Aid tent"))
    stored = json.loads(geo.clean(text))
    assert [f["properties"] for f in stored["features"]] == [
        {"kind": "route", "label": "March route"}, {"kind": "staging", "label": "Staging A"},
        {"kind": "first_aid", "label": "Aid tent"}]
    assert stored["features"][2]["geometry"]["coordinates"] == [-87.6251235, 41.88]
    assert geo.clean(geo.clean(text)) == geo.clean(text)  # stable


def test_no_map_is_none():
    assert geo.clean("") is None
    assert geo.clean("   ") is None
    assert geo.clean(collection()) is None


def test_a_feature_without_kind_gets_the_default_for_its_shape():
    stored = json.loads(geo.clean(collection(feature("LineString", ROUTE))))
    assert stored["features"][0]["properties"] == {"kind": "route", "label": ""}


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "not valid GeoJSON"),
    ('{"type": "FeatureCollection", "features": [NaN]}', "not valid GeoJSON"),
    ("[]", "FeatureCollection"),
    (json.dumps({"type": "Feature", "geometry": None}), "FeatureCollection"),
    (json.dumps({"type": "FeatureCollection", "features": {}}), "must be a list"),
    (collection({"type": "Point", "coordinates": [0, 0]}), "Feature 1 is not a GeoJSON"),
    (collection(feature("MultiPoint", [[0, 0]])), "point, a line or an area (MultiPoint)"),
    (collection(feature("GeometryCollection", [])), "point, a line or an area"),
    (collection(feature("Point", [0, 0]), feature("Point", [181, 0])),
     "Feature 2: longitude 181 is outside -180 to 180"),
    (collection(feature("Point", [0, -90.5])), "latitude -90.5 is outside -90 to 90"),
    (collection(feature("Point", [1e308 * 10, 0])), "not valid GeoJSON"),  # Infinity
    (collection(feature("Point", ["1", "2"])), "coordinates must be numbers"),
    (collection(feature("Point", [True, 2])), "coordinates must be numbers"),
    (collection(feature("Point", [1])), "[longitude, latitude]"),
    (collection(feature("LineString", [[0, 0]])), "at least two points"),
    (collection(feature("Polygon", [[[0, 0], [1, 0], [0, 0]]])), "at least three corners"),
    (collection(feature("Polygon", [[[0, 0], [1, 0], [1, 1], [0, 1]]])), "end where it"),
    (collection(feature("Point", [0, 0], kind="crowd")), "the kind must be one of"),
    (collection(feature("Point", [0, 0], kind="route")), "a route must be drawn as a line"),
    (collection(feature("Point", [0, 0], label=42)), "label must be text"),
    (collection(feature("Point", [0, 0], label="x" * 121)), "longer than 120"),
    (collection(feature("Point", [0, 0], label="a\x00b")), "NUL"),
    (collection(feature("Point", [0, 0], label="two\nlines")), "control character"),
])
def test_hostile_and_wrong_shapes_are_refused_with_a_reason(text, message):
    assert message in refused(text)


def test_too_many_features():
    text = collection(*[feature("Point", [0, 0])] * (geo.MAX_FEATURES + 1))
    assert "at most 200" in refused(text)


def test_too_many_positions_in_one_line():
    line = [[i / 10_000, 0] for i in range(geo.MAX_POSITIONS + 1)]
    assert "too many points" in refused(collection(feature("LineString", line)))


def test_too_many_positions_over_the_whole_map():
    line = [[i / 10_000, 0] for i in range(geo.MAX_POSITIONS // 4)]
    text = collection(*[feature("LineString", line)] * 5)
    assert "too many points" in refused(text)


def test_too_many_bytes():
    text = collection(feature("Point", [0, 0], label="x" * 100)) + " " * geo.MAX_BYTES
    assert "too large" in refused(text)


def test_deep_nesting_is_refused_not_a_crash():
    assert "not valid GeoJSON" in refused("[" * 100_000 + "]" * 100_000)
    deep = collection(feature("LineString", [[[[[[0]]]]]]))
    assert "[longitude, latitude]" in refused(deep)


def test_the_feature_list_and_the_drawing():
    stored = geo.clean(collection(
        feature("LineString", ROUTE, kind="route", label="March <b>route</b>"),
        feature("Point", [-87.625, 41.88], kind="first_aid", label="Aid")))
    items = geo.features(stored)
    assert [(f.number, f.kind_label, f.label, f.shape) for f in items] == [
        (1, "Route", "March <b>route</b>", "line"), (2, "First aid", "Aid", "point")]
    assert items[0].where.startswith("from 41.87810\u00b0N 87.62980\u00b0W to")
    assert items[0].where.endswith(" km")
    drawing = str(geo.svg(stored, title="Map <of> the march"))
    assert drawing.startswith("<svg") and "<polyline" in drawing and "<circle" in drawing
    assert "<of>" not in drawing and "&lt;of&gt;" in drawing
    assert geo.svg(None) == ""


def test_tile_origin_for_the_content_security_policy():
    assert geo.tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org")
    assert geo.tile_origin("https://{s}.tiles.example.gov:8443/{z}/{x}/{y}.png") == (
        "https://*.tiles.example.gov:8443")
    assert geo.tile_origin("/static/tiles/{z}/{x}/{y}.png") is None
    assert geo.tile_origin("") is None
    assert geo.tile_origin("javascript:alert(1)") is None


def test_a_map_stored_without_checking_shows_what_is_valid_or_nothing():
    unchecked = collection(feature("Point", [-86.78, 36.16], label="No kind given"))
    assert [(f.kind, f.label) for f in geo.features(unchecked)] == [
        ("first_aid", "No kind given")]
    assert geo.features(collection(feature("Point", [0, 0], label="x" * 500))) == []
    assert geo.features("not json") == []
    assert geo.svg("not json") == ""
