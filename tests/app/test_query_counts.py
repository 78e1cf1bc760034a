"""Pages run a fixed number of SQL statements, however many events exist or are shown
(no N+1 queries): counted with an SQLAlchemy listener on a small and a larger database."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event

from tests.conftest import NOW, login
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.extensions import db

ALL_ROLES = (Role.PLANNER, Role.LIAISON, Role.LEADERSHIP, Role.PRIVACY_OFFICER, Role.ADMIN)
PAGES = ["/", "/events/", "/events/?page=2", "/events/?kind=rally&mine=1", "/audit/"]


def statements(client, url: str) -> list[str]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    client.get(url)  # warm: the same caches either way
    db.session.remove()  # tests share the app context's session: start each page afresh
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return seen


def add_events(make_user, make_event, me, count: int) -> None:
    """Events in the dashboard's window, each assigned to `me` and to another user of its
    own (as planner or liaison), so every list on the pages shows rows and users."""
    soon = utcnow() + timedelta(hours=2)
    for n in range(count):
        planner = me if n % 2 == 0 else make_user(Role.PLANNER)
        liaison = make_user(Role.LIAISON) if n % 2 == 0 else me
        make_event(planner, title=f"Rally {n}", kind="rally", planner_id=planner.id,
                   liaison_id=liaison.id, starts_at=soon + timedelta(hours=n))


def _difference(few: list[str], many: list[str]) -> str:
    """The statements the larger database ran more often, shortened."""
    def short(statement: str) -> str:
        return re.sub(r"\(\?(, \?)*\)", "(...)", " ".join(statement.split()))[:160]

    extra = Counter(map(short, many)) - Counter(map(short, few))
    return "\n".join(f"{n} more: {s}" for s, n in extra.items())


@pytest.mark.parametrize("url", PAGES)
def test_pages_run_a_fixed_number_of_statements(app, client, make_user, make_event, url):
    app.config.update(EVENTS_PER_PAGE=5, DASHBOARD_LIST_MAX=4)
    me = make_user(*ALL_ROLES)
    add_events(make_user, make_event, me, 6)  # a second page with one row
    login(client, me)
    few = statements(client, url)
    add_events(make_user, make_event, me, 30)  # full pages, more rows everywhere
    many = statements(client, url)
    assert len(many) == len(few), _difference(few, many)
    assert NOW  # the events above are placed around the real clock, not the fixed one


def test_dashboard_lists_show_the_soonest_rows_and_link_to_all(app, client, make_user,
                                                               make_event):
    app.config["DASHBOARD_LIST_MAX"] = 4
    me = make_user(*ALL_ROLES)
    add_events(make_user, make_event, me, 7)
    login(client, me)
    page = client.get("/").get_data(as_text=True)
    assert "The first 4 of 7 are shown" in page
    assert "Rally 0" in page
    assert "The 4 soonest are shown." in page
    listed = client.get(re.search(r'href="(/events/\?[^"]+)">all 7 events', page)
                        .group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert all(f"Rally {n}<" in listed for n in range(7))
