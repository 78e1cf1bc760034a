"""The plan's map in a real browser: a planner draws the route and a staging area, labels
them, saves, and sees them again after a reload; the map pages pass axe; the approved
demo march's Incident Action Plan downloads as a PDF that reads back with its sections.
Tile requests are answered here, so nothing leaves the machine."""

import re
import subprocess
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PLANNER, axe_check, record_event, unique

pytestmark = pytest.mark.browser

# A 1x1 transparent PNG: every tile.
BLANK_TILE = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
MARCH = "March from Centennial Park to the State Capitol"


def keep_local(page: Page, base_url: str) -> list[str]:
    """Answer tile requests with a blank tile and refuse anything else not local."""
    tiles: list[str] = []
    local = urlsplit(base_url).netloc

    def handle(route):
        url = route.request.url
        if urlsplit(url).netloc == local:
            route.continue_()
        elif "tile" in urlsplit(url).netloc:
            tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
        else:
            route.abort()

    page.route("**/*", handle)
    return tiles


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def map_box(page: Page) -> tuple[float, float]:
    area = page.locator("#plan-map")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    return box["x"], box["y"]


def draw_route(page: Page) -> None:
    page.locator("#plan-map .leaflet-pm-icon-polyline").click()
    x, y = map_box(page)
    # Clear of the toolbar and its Finish / Cancel buttons at the top left.
    for dx, dy in ((500, 120), (680, 220), (860, 160)):
        page.mouse.click(x + dx, y + dy)
    page.mouse.click(x + 860, y + 160)  # the last point again ends the line


def draw_staging_area(page: Page) -> None:
    page.locator("#plan-map .leaflet-pm-icon-rectangle").click()
    x, y = map_box(page)
    page.mouse.move(x + 490, y + 290)
    page.mouse.click(x + 500, y + 300)
    page.mouse.move(x + 560, y + 330, steps=4)
    page.mouse.click(x + 620, y + 360)


def test_draw_save_reload(signed_in, base_url):
    page = signed_in(PLANNER)
    errors = watch_errors(page)
    tiles = keep_local(page, base_url)
    event_url = record_event(page, unique("Vigil with a mapped route"))
    page.goto(event_url + "/plan/edit")
    expect(page.locator("#plan-map .leaflet-pm-icon-polyline")).to_be_visible()
    axe_check(page)

    draw_route(page)
    expect(page.locator("#plan-map-label")).to_be_focused()
    expect(page.locator("#plan-map-kind")).to_have_value("route")
    page.locator("#plan-map-label").fill("Route along Main Street")
    draw_staging_area(page)
    expect(page.locator("#plan-map-kind")).to_have_value("staging")
    page.locator("#plan-map-label").fill("Staging lot B")
    shapes = page.locator("#plan-map-list")
    expect(shapes).to_contain_text("1. Route (line): Route along Main Street")
    expect(shapes).to_contain_text("2. Staging area (area): Staging lot B")
    page.locator("#section-demobilization textarea").fill("Units released at the end.")
    page.get_by_role("button", name="Save draft").first.click()
    expect(page.locator(".alert-success, .flash-success, [role=status]").first).to_contain_text(
        "Saved version 1")

    page.reload()  # the plan page: the saved map, drawn and listed
    expect(page.locator(".plan-map-features")).to_contain_text("Route along Main Street")
    expect(page.locator(".plan-map-features")).to_contain_text("Staging lot B")
    expect(page.locator("#plan-map path.leaflet-interactive")).to_have_count(2)
    axe_check(page)
    # Read-only map by keyboard: focus it, pan with the arrows, zoom with +.
    page.locator("#plan-map").focus()
    before = page.locator("#plan-map .leaflet-map-pane").get_attribute("style")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("+")
    page.wait_for_timeout(400)
    assert page.locator("#plan-map .leaflet-map-pane").get_attribute("style") != before

    page.goto(event_url + "/plan/edit")  # and the editor starts from what was saved
    expect(page.locator("#plan-map-list")).to_contain_text("Staging lot B")
    expect(page.locator("#plan-map path.leaflet-interactive")).to_have_count(2)
    assert tiles, "the map asked for tiles (answered here)"
    assert errors == []


def test_approved_march_iap_downloads(signed_in, base_url, tmp_path):
    page = signed_in(PLANNER)
    keep_local(page, base_url)
    page.goto("/events/")
    page.get_by_role("link", name=MARCH).first.click()
    page.goto(page.url.rstrip("/") + "/plan")
    expect(page.locator(".plan-map-features")).to_contain_text("March route")
    expect(page.get_by_role("link", name=re.compile("special event permit"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the IAP as PDF").click()
    path = tmp_path / "iap.pdf"
    download.value.save_as(path)
    text = " ".join(subprocess.run(  # noqa: S603
        ["pdftotext", str(path), "-"], capture_output=True, text=True,  # noqa: S607
        check=True).stdout.split())
    for expected in ("Incident Action Plan", MARCH, "Approved by", "Approval fingerprint",
                     "ICS 202", "ICS 203", "ICS 204: Bike team 1", "ICS 205", "ICS 206",
                     "March route", "Metro special event permit 2026-114"):
        assert expected in text, expected
    page.get_by_role("link", name="Open the Incident Action Plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Incident Action Plan")
    axe_check(page)
