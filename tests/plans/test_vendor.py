"""The map's browser libraries are served from the tracker's own static files (no CDN),
with their licences, and match the versions pinned in package-lock.json."""

import filecmp
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "tracker" / "static" / "vendor"
COPIES = {
    "leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "leaflet/images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "leaflet/LICENSE": "leaflet/LICENSE",
    "leaflet-geoman/leaflet-geoman.min.js":
        "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js",
    "leaflet-geoman/leaflet-geoman.css": "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css",
    "leaflet-geoman/LICENSE": "@geoman-io/leaflet-geoman-free/LICENSE",
}


@pytest.mark.parametrize("package", ["leaflet", "leaflet-geoman"])
def test_vendored_with_licence_and_the_pinned_version(package):
    meta = json.loads((VENDOR / package / "package.json").read_text())
    assert "MIT" in (VENDOR / package / "LICENSE").read_text() or meta["license"]
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    name = meta["name"]
    assert lock[f"node_modules/{name}"]["version"] == meta["version"]


@pytest.mark.skipif(not (ROOT / "node_modules" / "leaflet").exists(),
                    reason="npm packages not installed (make install-test)")
@pytest.mark.parametrize(("copy", "origin"), COPIES.items())
def test_vendored_files_match_the_installed_packages(copy, origin):
    assert filecmp.cmp(VENDOR / copy, ROOT / "node_modules" / origin, shallow=False), (
        f"{copy} differs from node_modules/{origin}: run make vendor")


def test_pages_name_no_outside_script():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert "<script src=\"http" not in text and "//unpkg" not in text, template
