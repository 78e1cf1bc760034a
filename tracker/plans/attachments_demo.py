"""Demo map and documents for the operations plans (called from tracker/plans/demo.py):
the march's route from Centennial Park to the State Capitol, its staging area, first aid
point and closure, and a permit PDF made at seed time with WeasyPrint."""

import json

from flask import current_app

from tracker import storage
from tracker.plans import attachments, geo

MARCH = "March from Centennial Park to the State Capitol"


def _feature(kind: str, label: str, shape: str, coordinates) -> dict:
    return {"type": "Feature", "properties": {"kind": kind, "label": label},
            "geometry": {"type": shape, "coordinates": coordinates}}


MAPS = {
    MARCH: [
        _feature("route", "March route: West End Ave, Broadway, 7th Ave N", "LineString", [
            [-86.8128, 36.1502], [-86.8040, 36.1503], [-86.7990, 36.1517],
            [-86.7955, 36.1535], [-86.7897, 36.1561], [-86.7834, 36.1585],
            [-86.7795, 36.1603], [-86.7822, 36.1640], [-86.7844, 36.1659]]),
        _feature("staging", "Staging A: Centennial Park north lot", "Polygon", [[
            [-86.8145, 36.1512], [-86.8118, 36.1512], [-86.8118, 36.1526],
            [-86.8145, 36.1526], [-86.8145, 36.1512]]]),
        _feature("first_aid", "EMS unit 12 first aid point", "Point", [-86.8131, 36.1519]),
        _feature("closure", "Rolling closure: West End Ave eastbound", "LineString", [
            [-86.8040, 36.1500], [-86.7955, 36.1532]]),
        _feature("command_post", "Command post: Capitol north steps", "Point",
                 [-86.7843, 36.1664]),
    ],
}

PERMIT_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Special event permit (demo)</title>
<style>body{font-family:sans-serif;margin:2cm}h1{font-size:18pt}td{padding:4pt 8pt}
.demo{border:2px solid #b50909;color:#b50909;padding:6pt;font-weight:bold}</style></head>
<body><p class="demo">DEMONSTRATION DOCUMENT: not a real permit.</p>
<h1>Metro Special Event Permit 2026-114</h1>
<table><tr><td>Event</td><td>{title}</td></tr>
<tr><td>Route</td><td>West End Ave, Broadway, 7th Ave N to the State Capitol</td></tr>
<tr><td>Conditions</td><td>Rolling closure of West End Ave eastbound 10:00 to 11:30;
7th Ave N at Broadway held 10:30 to 13:30; EMS at Centennial Park north lot.</td></tr>
</table></body></html>"""


def map_for(title: str) -> str | None:
    features = MAPS.get(title)
    if not features:
        return None
    return geo.clean(json.dumps({"type": "FeatureCollection", "features": features}))


def permit_pdf(title: str) -> bytes:
    """Rendered by the IAP's renderer, which fetches nothing."""
    from markupsafe import escape

    from tracker.plans.iap import pdf

    return pdf(PERMIT_HTML.replace("{title}", str(escape(title))))


def attach_permit(event, planner, version, now) -> None:
    """The march's permit, on the draft before it is submitted."""
    if event.title not in MAPS:
        return
    attachments.add(planner, version, attachments.Upload(
        "permit", "Metro special event permit 2026-114 (demo)", permit_pdf(event.title)),
        storage.for_app(current_app), now)
