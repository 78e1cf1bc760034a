"""The committed FullCalendar files are the ones pinned in package-lock.json (copied by
`make vendor-fullcalendar`), with their licence, and need no inline styles."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "tracker/static/vendor/fullcalendar"
MODULE = ROOT / "node_modules/fullcalendar"
COPIES = {
    "fullcalendar.global.js": "all/global.js",
    "theme-classic.global.js": "themes/classic/global.js",
    "skeleton.css": "skeleton.css",
    "theme-classic.css": "themes/classic/theme.css",
    "palette-classic.css": "themes/classic/palette.css",
    "LICENSE.md": "LICENSE.md",
}


def test_the_vendored_version_is_the_pinned_one():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/fullcalendar"]["version"]
    assert json.loads((VENDOR / "package.json").read_text())["version"] == pinned
    assert f"v{pinned}" in (VENDOR / "fullcalendar.global.js").read_text()[:300]
    assert "MIT License" in (VENDOR / "LICENSE.md").read_text()


@pytest.mark.skipif(not MODULE.exists(), reason="npm packages not installed")
@pytest.mark.parametrize("copy,source", COPIES.items())
def test_the_copies_match_node_modules(copy, source):
    assert (VENDOR / copy).read_bytes() == (MODULE / source).read_bytes()


def test_the_bundle_injects_no_style_element():
    # Version 6 created a <style> element, which the CSP (no 'unsafe-inline') blocks.
    bundle = (VENDOR / "fullcalendar.global.js").read_text()
    assert "insertRule" not in bundle and "data-fullcalendar" not in bundle
