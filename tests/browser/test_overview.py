"""The leadership overview in a real browser: three SVG charts, each beside a table
whose numbers match the database, the readiness timeline, and axe. Also the search page
(searching "Capitol" finds the demo march) with axe."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LEADERSHIP, PLANNER, _live, axe_check
from tracker.dashboard import overview
from tracker.db import utcnow

pytestmark = pytest.mark.browser


def test_overview_charts_match_the_database(signed_in):
    page = signed_in(LEADERSHIP)
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leadership overview")
    expect(page.locator("svg.chart")).to_have_count(3)
    with _live["app"].app_context():
        by_kind = overview.events_by_kind(utcnow())
    table = page.locator('table[data-chart="kinds"]')
    for (month_key, kind), count in by_kind.counts.items():
        cell = table.locator(f'tr[data-month="{month_key}"] td[data-series="{kind}"]')
        expect(cell).to_have_text(str(count))
    # The chart draws the same numbers as the table.
    bars = page.locator("#chart-kinds svg rect.bar")
    drawn = sum(int(v) for v in bars.evaluate_all("els => els.map(e => e.dataset.value)"))
    assert drawn == sum(by_kind.counts.values()) > 0
    # The demo march is in the timeline with its readiness.
    timeline = page.locator(".timeline")
    expect(timeline.get_by_role("link", name="March from Centennial Park to the State Capitol")
           ).to_be_visible()
    expect(timeline.get_by_text("Not ready").first).to_be_visible()
    axe_check(page)


def test_planners_are_refused_the_overview(signed_in):
    page = signed_in(PLANNER)
    assert page.goto("/overview").status == 403


def test_search_finds_the_demo_march(signed_in):
    page = signed_in(PLANNER)
    page.get_by_role("searchbox", name="Search events").fill("Capitol")
    page.get_by_role("searchbox", name="Search events").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search events")
    result = page.get_by_role("link", name="March from Centennial Park to the State Capitol")
    expect(result).to_be_visible()
    expect(page.locator(".search-results mark").first).to_have_text("Capitol")
    axe_check(page)
    result.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("March from Centennial")
