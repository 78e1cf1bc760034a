"""The leadership overview (/overview): who may see it, the 30-day timeline with
readiness, the monthly counts (grouped in the database by the agency's months), the SVG
charts and their tables. Runs on both databases (--db=postgresql)."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.checklist import services as checklist
from tracker.checklist.models import RedFlagReview
from tracker.dashboard import charts, overview
from tracker.events import services as events
from tracker.events.models import PlanApproval
from tracker.extensions import db

CHICAGO = ZoneInfo("America/Chicago")
LEAD = timedelta(hours=48)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CHICAGO).astimezone(UTC)


def month_key(instant: datetime) -> str:
    return f"{instant.astimezone(CHICAGO):%Y-%m}"


def approve(event, at: datetime, user) -> None:
    db.session.add(PlanApproval(event_id=event.id, version=len(event.approvals) + 1,
                                approved_by_id=user.id, approved_at=at,
                                fingerprint="0" * 64, content={}))
    db.session.commit()


# --- months and counts ---------------------------------------------------------------

def test_months_are_the_agency_months(app):
    spans = overview.months(local(2027, 3, 20, 12), 12, 3)
    assert len(spans) == 16
    assert spans[0].key == "2026-03" and spans[-1].key == "2027-06"
    march = next(m for m in spans if m.key == "2027-03")
    assert march.since == local(2027, 3, 1) and march.until == local(2027, 4, 1)


def test_events_by_kind_counts_each_agency_month(app, make_event):
    now = NOW
    this = now.astimezone(CHICAGO).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # 11:30 PM on the last day of the previous month is already the next month in UTC:
    # it must count in the agency's month.
    eve = (this - timedelta(days=1)).replace(hour=21, minute=30)
    make_event(title="A", kind="rally", starts_at=eve.astimezone(UTC))
    make_event(title="B", kind="rally", starts_at=(this + timedelta(days=2)).astimezone(UTC))
    make_event(title="C", kind="vigil", starts_at=(this + timedelta(days=3)).astimezone(UTC))
    make_event(title="Far", kind="vigil", starts_at=now + timedelta(days=200))
    table = overview.events_by_kind(now)
    before, current = month_key(eve.astimezone(UTC)), month_key(this.astimezone(UTC))
    assert table.counts[(before, "rally")] == 1
    assert table.counts[(current, "rally")] == 1
    assert table.counts[(current, "vigil")] == 1
    assert sum(table.counts.values()) == 3  # "Far" is beyond the next 3 months


def test_cancelled_events_are_not_counted_by_kind(app, make_event):
    event = make_event(title="Off", starts_at=NOW + timedelta(days=2))
    events.cancel_event(event.created_by, event, "Called off.", NOW)
    db.session.commit()
    assert overview.events_by_kind(NOW).counts == {}


def test_red_flags_per_month(app, make_user, make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(planner)
    entries = [e for e in checklist.get_for_event(event.id).entries
               if e.item.red_flag_answers and e.item.responsible_role == Role.PLANNER.value]
    assert entries, "the template has red-flag items"
    entry = entries[0]
    checklist.answer(planner, entry, entry.item.red_flag_answers[0],
                     "A partner agency reported a specific threat; Lt. Demo authorised.", NOW)
    db.session.commit()
    review = checklist.current_review(entry)
    last_month = NOW - timedelta(days=40)
    review.opened_at = last_month
    review.status = "rejected"
    review.decided_at = NOW
    db.session.commit()
    table = overview.red_flags(NOW)
    assert table.counts[(month_key(last_month), "raised")] == 1
    assert table.counts[(month_key(NOW), "rejected")] == 1
    assert (month_key(NOW), "approved") not in table.counts
    assert db.session.query(RedFlagReview).count() == 1


def test_plans_on_time_late_and_missing(app, make_user, make_event):
    leader = make_user(Role.LEADERSHIP)
    start = NOW - timedelta(days=5)
    on_time = make_event(title="On time", starts_at=start)
    late = make_event(title="Late", starts_at=start)
    make_event(title="Missing", starts_at=start)
    make_event(title="Future", starts_at=NOW + timedelta(days=5))  # not started: left out
    approve(on_time, start - LEAD - timedelta(minutes=1), leader)
    approve(late, start - LEAD + timedelta(minutes=1), leader)
    approve(late, start - timedelta(days=10), leader)  # a later version: the first counts
    table = overview.plans_on_time(NOW, LEAD)
    key = month_key(start)
    assert table.value(next(m for m in table.months if m.key == key), "on_time") == 2
    assert table.counts.get((key, "late"), 0) == 0
    assert table.counts[(key, "missing")] == 1


def test_plans_exactly_at_the_deadline_are_on_time(app, make_user, make_event):
    leader = make_user(Role.LEADERSHIP)
    start = NOW - timedelta(days=3)
    event = make_event(title="Edge", starts_at=start)
    approve(event, start - LEAD, leader)
    assert overview.plans_on_time(NOW, LEAD).counts[(month_key(start), "on_time")] == 1


def test_counts_take_a_fixed_number_of_queries(app, make_event):
    for n in range(30):
        make_event(title=f"E{n}", starts_at=NOW - timedelta(days=n * 9))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        overview.events_by_kind(NOW)
        overview.red_flags(NOW)
        overview.plans_on_time(NOW, LEAD)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 4
    assert all("GROUP BY" in s for s in statements)


def test_timeline_has_readiness_by_day(app, make_event):
    soon = make_event(title="Soon", starts_at=NOW + timedelta(days=2))
    make_event(title="Later", starts_at=NOW + timedelta(days=45))
    days = overview.timeline(NOW)
    rows = [row for _day, found in days for row in found]
    assert [e.title for e, _ready in rows] == ["Soon"]
    assert rows[0][1].required_left > 0 and not rows[0][1].ready
    assert days[0][0] == soon.starts_at.astimezone(CHICAGO).date()


# --- the SVG builder -------------------------------------------------------------------

def test_svg_is_well_formed_with_bars_in_proportion():
    svg = str(charts.stacked_bars("Title <&>", ["Jan", "Feb"], [
        charts.Series("A", (2, 0)), charts.Series("B <x>", (2, 1))]))
    root = ET.fromstring(svg)  # noqa: S314 (our own output)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "Title <&>"
    bars = root.findall(f".//{ns}rect[@class='bar']")
    assert [(b.get("data-series"), b.get("data-value")) for b in bars] == [
        ("A", "2"), ("B <x>", "2"), ("B <x>", "1")]
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] == pytest.approx(heights[1]) == pytest.approx(2 * heights[2])
    assert "<x>" not in svg and "<script" not in svg


def test_svg_with_no_data_draws_no_bars():
    svg = str(charts.stacked_bars("Empty", ["Jan"], [charts.Series("A", (0,))]))
    assert 'class="bar"' not in svg
    ET.fromstring(svg)  # noqa: S314 (our own output)


# --- the page ------------------------------------------------------------------------

@pytest.mark.parametrize("role,status", [
    (Role.LEADERSHIP, 200), (Role.PRIVACY_OFFICER, 200), (Role.PLANNER, 403),
    (Role.LIAISON, 403), (Role.ADMIN, 403)])
def test_who_may_see_the_overview(client, login_as, role, status):
    login_as(role)
    assert client.get("/overview").status_code == status


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/overview").status_code == 302


def test_the_page_shows_charts_tables_and_timeline(client, login_as, make_event):
    # The page reads the real clock.
    make_event(title="Rally <b>soon</b>", starts_at=datetime.now(UTC) + timedelta(days=2))
    login_as(Role.LEADERSHIP)
    page = client.get("/overview?bogus=%00").get_data(as_text=True)
    assert page.count("<svg") == 3
    assert page.count('class="table chart-data"') == 3
    assert "Rally &lt;b&gt;soon&lt;/b&gt;" in page and "<b>soon" not in page
    assert "Not ready" in page
    assert "<script" not in page


def test_the_navigation_links_to_the_overview_for_leadership_only(client, login_as):
    login_as(Role.LEADERSHIP)
    assert b'href="/overview"' in client.get("/").data


def test_planners_have_no_overview_link(client, login_as):
    login_as(Role.PLANNER)
    assert b'href="/overview"' not in client.get("/").data
