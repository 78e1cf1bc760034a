"""The event list counts a bounded window of pages ahead, not the whole table."""

import re
from datetime import timedelta

from tests.conftest import NOW
from tracker import paging
from tracker.accounts.roles import Role


def _count(response) -> str:
    return re.search(r'class="count">([^<]*)', response.get_data(as_text=True)).group(1)


def test_list_says_more_than_past_the_counted_window(app, client, login_as, make_event,
                                                      monkeypatch):
    planner = login_as(Role.PLANNER)
    for n in range(7):
        make_event(actor=planner, title=f"Paged event {n}",
                   starts_at=NOW + timedelta(days=n + 1))
    app.config["EVENTS_PER_PAGE"] = 1
    monkeypatch.setattr(paging, "PAGES_AHEAD", 2)
    assert _count(client.get("/events/")) == "More than 2 in all, page 1."
    assert _count(client.get("/events/?page=4")) == "More than 5 in all, page 4."
    assert _count(client.get("/events/?page=5")) == "More than 6 in all, page 5."
    page = client.get("/events/?page=6")
    assert _count(page) == "7 in all, page 6 of 7."
    assert 'rel="next"' in page.get_data(as_text=True)
    assert _count(client.get("/events/?page=9")) == "7 in all, page 9 of 7."


def test_list_counts_exactly_within_the_window(app, client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    for n in range(3):
        make_event(actor=planner, starts_at=NOW + timedelta(days=n + 1))
    app.config["EVENTS_PER_PAGE"] = 2
    assert _count(client.get("/events/")) == "3 in all, page 1 of 2."
