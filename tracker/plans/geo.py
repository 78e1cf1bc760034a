"""The plan's map: GeoJSON checked on the server, listed as text and drawn as SVG.

A plan version's map is a GeoJSON FeatureCollection of places: the route, staging areas,
closures, first aid and other points, lines or areas, each with a kind from KINDS and a
short label. It is geography only: never where participants or any person are or were
(tracker/data_inventory.py says so for the column).

`clean(text)` is the one door in: it refuses anything else with a message naming the
feature and what is wrong (ValidationError on the form field), and returns the map
rewritten in a canonical form (only the known members, coordinates rounded), so what is
stored is exactly what was checked. `summary()` gives the text alternative (the feature
list) and `svg()` a static drawing for the printed Incident Action Plan, both on the
server, without script."""

import itertools
import json
import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from markupsafe import Markup

from tracker import inputs
from tracker.errors import ValidationError

FIELD = "map_geojson"

#: kind -> (label, geometry types it may have, colour on the maps)
KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "route": ("Route", ("LineString",), "#1f5fbf"),
    "staging": ("Staging area", ("Point", "Polygon"), "#2e7d32"),
    "closure": ("Closure", ("Point", "LineString", "Polygon"), "#c62828"),
    "first_aid": ("First aid", ("Point", "Polygon"), "#ad1457"),
    "command_post": ("Command post", ("Point", "Polygon"), "#4527a0"),
    "detour": ("Detour", ("LineString",), "#ef6c00"),
    "other": ("Other", ("Point", "LineString", "Polygon"), "#455a64"),
}
GEOMETRIES = ("Point", "LineString", "Polygon")
DEFAULT_KIND = {"LineString": "route", "Polygon": "staging", "Point": "first_aid"}

LABEL_MAX = 120
MAX_BYTES = 256 * 1024
MAX_FEATURES = 200
MAX_POSITIONS = 10_000  # over the whole map
MAX_RINGS = 10  # an area's outline and its holes
DECIMALS = 7  # about a centimetre


@dataclass(frozen=True)
class Feature:
    number: int  # 1-based, as the messages and the list name it
    kind: str
    label: str
    geometry: str  # "Point", "LineString", "Polygon"
    coordinates: list

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind][0]

    @property
    def colour(self) -> str:
        return KINDS[self.kind][2]

    @property
    def shape(self) -> str:
        return {"Point": "point", "LineString": "line", "Polygon": "area"}[self.geometry]

    @property
    def where(self) -> str:
        """In words: the point, a line's ends and length, an area's first corner."""
        if self.geometry == "Point":
            return _position_text(self.coordinates)
        if self.geometry == "LineString":
            return (f"from {_position_text(self.coordinates[0])} to "
                    f"{_position_text(self.coordinates[-1])}, "
                    f"{_length_km(self.coordinates):.2f} km")
        return (f"{len(self.coordinates[0]) - 1} corners, first at "
                f"{_position_text(self.coordinates[0][0])}")


def kind_choices() -> list[tuple[str, str]]:
    return [(key, value[0]) for key, value in KINDS.items()]


def empty() -> str:
    return json.dumps({"type": "FeatureCollection", "features": []})


class _Problem(Exception):
    pass


def clean(text: str | None, field: str = FIELD) -> str | None:
    """The map as stored: None for no map, else canonical GeoJSON text. Raises
    ValidationError(field, message) for anything that is not a valid plan map."""
    if text is None or not text.strip():
        return None
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ValidationError(field, f"The map is too large (more than {MAX_BYTES // 1024} "
                                     "KB): draw fewer or simpler shapes.")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise ValidationError(field, "The map could not be read: it is not valid GeoJSON "
                                     "text.") from error
    try:
        features = _collection(data)
    except _Problem as problem:
        raise ValidationError(field, str(problem)) from None
    if not features:
        return None
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":"))


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _collection(data) -> list[dict]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _Problem("The map must be a GeoJSON FeatureCollection.")
    features = data.get("features")
    if not isinstance(features, list):
        raise _Problem("The map's features must be a list.")
    if len(features) > MAX_FEATURES:
        raise _Problem(f"The map has {len(features)} features: at most {MAX_FEATURES} "
                       "are allowed.")
    budget = [MAX_POSITIONS]
    return [_feature(number, item, budget) for number, item in enumerate(features, 1)]


def _feature(number: int, item, budget: list[int]) -> dict:
    where = f"Feature {number}"
    if not isinstance(item, dict) or item.get("type") != "Feature":
        raise _Problem(f"{where} is not a GeoJSON Feature.")
    geometry = item.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        shown = f" ({str(kind)[:40]})" if kind else ""
        raise _Problem(f"{where}: the shape must be a point, a line or an area{shown}.")
    shape = geometry["type"]
    coordinates = _coordinates(where, shape, geometry.get("coordinates"), budget)
    properties = item.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    kind = properties.get("kind", DEFAULT_KIND[shape])
    if kind not in KINDS:
        raise _Problem(f"{where}: the kind must be one of "
                       + ", ".join(v[0].lower() for v in KINDS.values()) + ".")
    if shape not in KINDS[kind][1]:
        allowed = " or ".join(_shape_name(s) for s in KINDS[kind][1])
        raise _Problem(f"{where}: a {KINDS[kind][0].lower()} must be drawn as {allowed}.")
    label = properties.get("label", "")
    if label is None:
        label = ""
    if not isinstance(label, str):
        raise _Problem(f"{where}: the label must be text.")
    label = label.strip()
    if len(label) > LABEL_MAX:
        raise _Problem(f"{where}: the label is longer than {LABEL_MAX} characters.")
    problem = inputs.text_problem(label, single_line=True)
    if problem:
        raise _Problem(f"{where}: {problem}")
    return {"type": "Feature", "properties": {"kind": kind, "label": label},
            "geometry": {"type": shape, "coordinates": coordinates}}


def _shape_name(shape: str) -> str:
    return {"Point": "a point", "LineString": "a line", "Polygon": "an area"}[shape]


def _coordinates(where: str, shape: str, raw, budget: list[int]):
    if shape == "Point":
        return _position(where, raw, budget)
    if shape == "LineString":
        line = _positions(where, raw, budget)
        if len(line) < 2:
            raise _Problem(f"{where}: a line needs at least two points.")
        return line
    if not isinstance(raw, list) or not raw or len(raw) > MAX_RINGS:
        raise _Problem(f"{where}: an area needs one outline (and at most {MAX_RINGS - 1} "
                       "holes).")
    rings = []
    for ring in raw:
        ring = _positions(where, ring, budget)
        if len(ring) < 4 or ring[0] != ring[-1]:
            raise _Problem(f"{where}: an area's outline needs at least three corners and "
                           "must end where it starts.")
        rings.append(ring)
    return rings


def _positions(where: str, raw, budget: list[int]) -> list:
    if not isinstance(raw, list):
        raise _Problem(f"{where}: the coordinates must be a list of positions.")
    if len(raw) > budget[0]:
        raise _Problem(f"The map has too many points: at most {MAX_POSITIONS} in all.")
    return [_position(where, item, budget) for item in raw]


def _position(where: str, raw, budget: list[int]) -> list[float]:
    budget[0] -= 1
    if budget[0] < 0:
        raise _Problem(f"The map has too many points: at most {MAX_POSITIONS} in all.")
    if not isinstance(raw, list) or len(raw) not in (2, 3):
        raise _Problem(f"{where}: a position must be [longitude, latitude].")
    lon, lat = raw[0], raw[1]
    for value in (lon, lat):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise _Problem(f"{where}: coordinates must be numbers.")
    if not -180 <= lon <= 180:
        raise _Problem(f"{where}: longitude {_short(lon)} is outside -180 to 180.")
    if not -90 <= lat <= 90:
        raise _Problem(f"{where}: latitude {_short(lat)} is outside -90 to 90.")
    return [round(float(lon), DECIMALS), round(float(lat), DECIMALS)]


def _short(value: float) -> str:
    text = f"{value:g}"
    return text if len(text) <= 24 else text[:24] + "..."


# ---- reading a stored map -------------------------------------------------------------


def features(stored: str | None) -> list[Feature]:
    """The features of a stored map, in order. The map is read through `clean` again, so
    a map that reached the database another way (an import, an older row) is shown only
    as far as it is valid: an invalid one shows no feature rather than failing the page."""
    try:
        stored = clean(stored)
    except ValidationError:
        return []
    if not stored:
        return []
    data = json.loads(stored)
    return [Feature(number, f["properties"]["kind"], f["properties"]["label"],
                    f["geometry"]["type"], f["geometry"]["coordinates"])
            for number, f in enumerate(data["features"], 1)]


def _position_text(position) -> str:
    lon, lat = position[0], position[1]
    return (f"{abs(lat):.5f}\u00b0{'N' if lat >= 0 else 'S'} "
            f"{abs(lon):.5f}\u00b0{'E' if lon >= 0 else 'W'}")


def _length_km(line) -> float:
    total = 0.0
    for (lon1, lat1, *_), (lon2, lat2, *_) in itertools.pairwise(line):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))
    return total


# ---- a static drawing ----------------------------------------------------------------

SVG_WIDTH, SVG_HEIGHT, SVG_MARGIN = 640, 420, 24


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(min(lat, 85.0), -85.0)
    return lon, math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _all_positions(feature: Feature) -> list:
    if feature.geometry == "Point":
        return [feature.coordinates]
    if feature.geometry == "LineString":
        return feature.coordinates
    return [p for ring in feature.coordinates for p in ring]


def svg(stored: str | None, title: str = "Plan map") -> Markup:
    """The map's shapes as an SVG drawing (no tiles), numbered as in the feature list:
    what the printed plan shows, since a PDF runs no script."""
    items = features(stored)
    if not items:
        return Markup("")
    projected = [_mercator(p[0], p[1]) for f in items for p in _all_positions(f)]
    xs, ys = [p[0] for p in projected], [p[1] for p in projected]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-4)
    scale = min((SVG_WIDTH - 2 * SVG_MARGIN) / max(max(xs) - min(xs), span * 0.05),
                (SVG_HEIGHT - 2 * SVG_MARGIN) / max(max(ys) - min(ys), span * 0.05))
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def point(position) -> tuple[float, float]:
        x, y = _mercator(position[0], position[1])
        return (round(SVG_WIDTH / 2 + (x - cx) * scale, 1),
                round(SVG_HEIGHT / 2 - (y - cy) * scale, 1))

    def path(positions) -> str:
        return " ".join(f"{x},{y}" for x, y in map(point, positions))

    # Every value goes through Markup.format, which escapes it.
    parts = [Markup('<svg xmlns="http://www.w3.org/2000/svg" class="plan-map-drawing" '
                    'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
                    'aria-label="{t}"><title>{t}</title>'
                    '<rect x="0" y="0" width="{w}" height="{h}" fill="#f7f7f2" '
                    'stroke="#999"/>').format(w=SVG_WIDTH, h=SVG_HEIGHT, t=title)]
    for feature in sorted(items, key=lambda f: GEOMETRIES.index(f.geometry), reverse=True):
        colour = feature.colour
        if feature.geometry == "Polygon":
            rings = " ".join("M " + path(ring) + " Z" for ring in feature.coordinates)
            parts.append(Markup('<path d="{}" fill="{c}" fill-opacity="0.25" stroke="{c}" '
                                'stroke-width="2" fill-rule="evenodd"/>').format(
                                    rings, c=colour))
            anchor = point(feature.coordinates[0][0])
        elif feature.geometry == "LineString":
            parts.append(Markup('<polyline points="{}" fill="none" stroke="{}" '
                                'stroke-width="4" stroke-linejoin="round" '
                                'stroke-linecap="round"/>').format(
                                    path(feature.coordinates), colour))
            anchor = point(feature.coordinates[0])
        else:
            anchor = point(feature.coordinates)
            parts.append(Markup('<circle cx="{}" cy="{}" r="7" fill="{}" stroke="#fff" '
                                'stroke-width="2"/>').format(anchor[0], anchor[1], colour))
        parts.append(Markup('<text x="{}" y="{}" font-size="14" font-family="sans-serif" '
                            'font-weight="bold" fill="#111" stroke="#fff" stroke-width="3" '
                            'paint-order="stroke">{}</text>').format(
                                anchor[0] + 9, anchor[1] - 9, feature.number))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


# ---- the tile server -------------------------------------------------------------------


def tile_origin(tile_url: str | None) -> str | None:
    """The origin the browser fetches tiles from, for the CSP's img-src: None when the
    tiles are the tracker's own (a relative URL) or there are none."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    host = parts.hostname
    if "{" in host:  # a subdomain template such as {s}.tile.example.org
        host = "*." + host.split(".", 1)[1]
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"
