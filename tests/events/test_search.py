"""Full-text search over events (tracker/events/search.py): ranking, highlighting,
escaping, the index kept in step with edits and deletes, and never a search for people.
Runs on both databases (--db=postgresql)."""

from datetime import timedelta

import pytest

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.events import search
from tracker.events import services as events
from tracker.extensions import db
from tracker.outreach import services as outreach


def titles(query: str) -> list[str]:
    return [hit.event.title for hit in search.search(query)]


def test_finds_words_in_every_indexed_field(app, make_event):
    make_event(title="Rally at the Capitol", venue="Courthouse steps")
    make_event(title="Vigil", venue="Riverfront Park", route_description="Along Elmwood Street",
               organizing_group="Friends of Quillfeather", logistics_notes="Portable toilets")
    assert titles("Capitol") == ["Rally at the Capitol"]
    assert titles("riverfront") == ["Vigil"]
    assert titles("Elmwood") == ["Vigil"]
    assert titles("Quillfeather") == ["Vigil"]
    assert titles("toilets") == ["Vigil"]


def test_every_word_must_match(app, make_event):
    make_event(title="March to the Capitol", venue="Centennial Park")
    make_event(title="Rally at the Capitol", venue="Legislative Plaza")
    assert titles("Capitol Centennial") == ["March to the Capitol"]
    assert titles("Capitol nowhere") == []


def test_stemmed_words_match(app, make_event):
    make_event(title="Marching band parade", venue="Broadway")
    assert titles("march") == ["Marching band parade"]


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_notes(app, make_event):
    make_event(title="Vigil downtown", venue="Plaza", logistics_notes="Near the library")
    make_event(title="Library sit-in", venue="Main library steps")
    found = search.search("library")
    assert [h.event.title for h in found] == ["Library sit-in", "Vigil downtown"]
    assert found[0].rank != found[1].rank


def test_matched_words_are_highlighted(app, make_event):
    make_event(title="March to the Capitol", venue="Centennial Park")
    hit = search.search("capitol")[0]
    assert "<mark>Capitol</mark>" in str(hit.title)


def test_highlighting_escapes_the_event_text(app, make_event):
    make_event(title='<script>alert(1)</script> Capitol <b>rally</b>', venue="x & y")
    hit = search.search("capitol")[0]
    html = str(hit.title)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "<mark>Capitol</mark>" in html


def test_markers_in_the_text_cannot_open_an_element(app):
    assert str(search.highlighted("a \ue000<i>b\ue001 \ue000c")) == \
        "a <mark>&lt;i&gt;b</mark> c"


@pytest.mark.parametrize("query", ["", "   ", "***", '"', "NEAR(", "a OR", "title:x",
                                   "\x00", "'; DROP TABLE event; --", "x" * 5000])
def test_any_input_gives_an_answer(app, make_event, query):
    make_event(title="Rally")
    assert isinstance(search.search(query), list)


def test_query_syntax_is_not_interpreted(app, make_event):
    make_event(title="Rally at the Capitol")
    make_event(title="Vigil at the park")
    # An FTS5 OR (or PostgreSQL's websearch syntax) would find both.
    assert titles("Capitol OR park") == []


def test_the_index_follows_edits_and_deletes(app, make_event, event_data):
    event = make_event(title="Rally at Elmwood")
    assert titles("Elmwood") == ["Rally at Elmwood"]
    events.update_event(event.created_by, event, event_data(title="Rally at Oakridge"), NOW,
                        version=event.version)
    db.session.commit()
    assert titles("Elmwood") == []
    assert titles("Oakridge") == ["Rally at Oakridge"]
    actor = event.created_by
    events.delete_event(actor, event, NOW)
    db.session.commit()
    assert titles("Oakridge") == []


def test_a_contacts_name_finds_nothing(app, make_user, make_event):
    """SECURITY.md P-2: outreach contacts and personal details are never indexed."""
    planner, liaison = make_user(Role.PLANNER), make_user(Role.LIAISON, name="Ozymandias Lee")
    event = make_event(planner, title="Rally at the park", liaison_id=liaison.id,
                       planner_id=planner.id)
    outreach.create_contact(liaison, event, outreach.ContactData(
        contacted_at=NOW - timedelta(hours=1), method="phone", purpose="route",
        organization="Neighbors for Parks", summary="Route agreed with Zenobia.",
        person_name="Zenobia Quartermaine", person_phone="615-555-0199",
        person_email="zenobia@example.org", consent=True), NOW, 30)
    db.session.commit()
    for query in ("Zenobia", "Quartermaine", "zenobia@example.org", "5550199", "Ozymandias"):
        assert search.search(query) == [], query
    assert titles("park") == ["Rally at the park"]


# --- the page ------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(Role))
def test_every_signed_in_role_can_search(client, login_as, make_event, role):
    make_event(title="March to the Capitol")
    login_as(role)
    page = client.get("/events/search?q=capitol")
    assert page.status_code == 200
    assert b"<mark>Capitol</mark>" in page.data


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/events/search?q=x").status_code == 302


def test_the_page_escapes_the_query_and_keeps_it(client, login_as):
    login_as(Role.PLANNER)
    page = client.get("/events/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert page.status_code == 200
    assert b"<script>alert" not in page.data
    assert b'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in page.data


@pytest.mark.parametrize("query", ["", "%00", "%FF%FE", "*" * 300, "a" * 10000])
def test_bad_input_never_fails(client, login_as, query):
    login_as(Role.LEADERSHIP)
    assert client.get(f"/events/search?q={query}").status_code == 200


def test_no_match_says_so(client, login_as, make_event):
    make_event(title="Rally")
    login_as(Role.LIAISON)
    assert b"No events match" in client.get("/events/search?q=zzzz").data


def test_the_header_has_a_search_box(client, login_as):
    login_as(Role.LIAISON)
    assert b'action="/events/search"' in client.get("/").data
