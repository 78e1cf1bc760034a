"""SECURITY.md R-3: two people editing the same record. A save from a form opened before
another save is a conflict (409) that shows what changed, keeps what was typed and can
be re-applied; nothing is overwritten silently. Runs on SQLite and PostgreSQL."""

import re

import pytest
from sqlalchemy import update

from tests.conftest import NOW, login
from tests.support.forms import main_form
from tracker.accounts.roles import Role
from tracker.checklist import catalog
from tracker.checklist import services as checklist
from tracker.errors import Conflict
from tracker.events import services as events
from tracker.events.models import Event
from tracker.extensions import db
from tracker.outreach import services as outreach
from tracker.outreach.models import OutreachContact


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def table(response) -> list[tuple[str, str, str]]:
    """The conflict panel's rows: (field, your value, saved now)."""
    html = response.get_data(as_text=True)
    body = html.split('class="conflict-changes"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>',
                      body, re.S)
    return [(f, re.sub(r"\s*<span.*", "", y, flags=re.S), c) for f, y, c in rows]


def test_stale_event_edit_is_a_conflict_that_keeps_both_saves(app, make_user, make_event):
    planner_a, planner_b = make_user(Role.PLANNER), make_user(Role.PLANNER)
    event = make_event(actor=planner_a, title="Vigil")
    a, b = signed_in(app, planner_a), signed_in(app, planner_b)
    url = f"/events/{event.id}/edit"
    form_a, form_b = main_form(a.get(url)), main_form(b.get(url))
    assert form_a["version"] == form_b["version"] == ["1"]

    form_a.update(title=["Vigil for peace"], starts_at=["2026-11-27T18:00"],
                  ends_at=["2026-11-27T21:00"])
    assert a.post(url, data=form_a).status_code == 302
    form_b.update(venue=["Town square"])
    response = b.post(url, data=form_b)

    assert response.status_code == 409
    db.session.expire_all()
    saved = db.session.get(Event, event.id)
    assert (saved.title, saved.venue, saved.version) == ("Vigil for peace",
                                                         "Courthouse steps", 2)
    rows = {f: (y, c) for f, y, c in table(response)}
    assert rows["Title"] == ("Vigil", "Vigil for peace")
    assert rows["Starts"][1] == "2026-11-27 18:00"
    assert "Venue or address" not in rows  # B's own change, nobody else's
    # The re-apply form: the current version, B's venue, A's title and times.
    again = main_form(response)
    assert again["version"] == ["2"]
    assert (again["title"], again["venue"]) == (["Vigil for peace"], ["Town square"])
    assert again["starts_at"] == ["2026-11-27T18:00"]

    assert b.post(url, data=again).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Event, event.id)
    assert (saved.title, saved.venue, saved.version) == ("Vigil for peace", "Town square", 3)
    assert saved.starts_at.hour == 0  # 18:00 Chicago is 00:00 UTC


def test_a_second_stale_save_is_refused_again(app, make_user, make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    client = signed_in(app, planner)
    url = f"/events/{event.id}/edit"
    old = main_form(client.get(url))
    fresh = main_form(client.get(url))
    fresh["title"] = ["First"]
    assert client.post(url, data=fresh).status_code == 302
    old["title"] = ["Second"]
    assert client.post(url, data=old).status_code == 409
    assert client.post(url, data=old).status_code == 409
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "First"


def test_status_change_meanwhile_is_reported_without_field_changes(app, make_user,
                                                                   make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    client = signed_in(app, planner)
    url = f"/events/{event.id}/edit"
    opened = main_form(client.get(url))
    assert client.post(f"/events/{event.id}/status",
                       data={"target": "planning"}).status_code == 302
    opened["venue"] = ["Town square"]
    response = client.post(url, data=opened)
    assert response.status_code == 409
    assert "None of the fields on this form differ" in response.get_data(as_text=True)
    assert client.post(url, data=main_form(response)).status_code == 302


def test_service_refuses_an_edit_from_another_version(make_user, make_event, event_data):
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    with pytest.raises(Conflict) as caught:
        events.update_event(planner, event, event_data(title="Stale"), NOW, version=7)
    assert caught.value.current_version == 1
    db.session.rollback()
    assert db.session.get(Event, event.id).title != "Stale"


def test_a_save_racing_another_between_check_and_write_is_a_conflict(
        app, make_user, make_event, monkeypatch):
    """The version check passed, then another save committed before this one's UPDATE:
    the UPDATE matches no row and the page is the same conflict, with nothing written."""
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    client = signed_in(app, planner)
    url = f"/events/{event.id}/edit"
    opened = main_form(client.get(url))

    def other_save_commits_first(*args, **kwargs):
        with db.engine.begin() as other:
            other.execute(update(Event).where(Event.id == event.id).values(
                title="Saved by someone else", version=Event.version + 1))

    original = events.update_event

    def racing(actor, target, data, now, version=None):
        other_save_commits_first()
        return original(actor, target, data, now, version=version)

    monkeypatch.setattr(events, "update_event", racing)
    opened["venue"] = ["Town square"]
    response = client.post(url, data=opened)
    assert response.status_code == 409
    db.session.expire_all()
    saved = db.session.get(Event, event.id)
    assert (saved.title, saved.venue) == ("Saved by someone else", "Courthouse steps")


def test_stale_checklist_answer_is_a_conflict(app, make_user, make_event):
    planner_a, planner_b = make_user(Role.PLANNER), make_user(Role.PLANNER)
    event = make_event(actor=planner_a)
    a, b = signed_in(app, planner_a), signed_in(app, planner_b)
    url = f"/events/{event.id}/checklist/pre_event/2"
    form_a, form_b = main_form(a.get(url)), main_form(b.get(url))
    form_a.update(value=["yes"])
    assert a.post(url, data=form_a).status_code == 302
    form_b.update(value=["no"])
    response = b.post(url, data=form_b)

    assert response.status_code == 409
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "pre.protected_activity")
    db.session.refresh(entry)
    assert (entry.value, len(entry.history)) == ("yes", 1)
    assert table(response)[0][1:] == ("No", "Yes")
    again = main_form(response)
    assert again["value"] == ["no"]  # what B chose, ready to re-apply
    assert b.post(url, data=again).status_code == 302
    db.session.refresh(entry)
    assert (entry.value, len(entry.history)) == ("no", 2)


def test_stale_outreach_edit_by_two_liaison_officers(app, make_user, make_event):
    liaison_a, liaison_b = make_user(Role.LIAISON), make_user(Role.LIAISON)
    event = make_event()
    contact = outreach.create_contact(liaison_a, event, outreach.ContactData(
        contacted_at=NOW, method="phone", purpose="route", summary="Route agreed."),
        NOW, retention_days=30)
    db.session.commit()
    a, b = signed_in(app, liaison_a), signed_in(app, liaison_b)
    url = f"/outreach/{contact.id}/edit"
    form_a, form_b = main_form(a.get(url)), main_form(b.get(url))
    form_a.update(summary=["Route agreed; marshals at every corner."], method=["email"])
    assert a.post(url, data=form_a).status_code == 302
    form_b.update(outcome=["Follow up next week."])
    response = b.post(url, data=form_b)

    assert response.status_code == 409
    db.session.expire_all()
    saved = db.session.get(OutreachContact, contact.id)
    assert (saved.summary, saved.method, saved.outcome) == (
        "Route agreed; marshals at every corner.", "email", "")
    assert {f for f, _, _ in table(response)} == {"Summary", "How"}
    again = main_form(response)
    assert again["method"] == ["email"] and again["outcome"] == ["Follow up next week."]
    assert b.post(url, data=again).status_code == 302
    db.session.expire_all()
    saved = db.session.get(OutreachContact, contact.id)
    assert (saved.method, saved.outcome) == ("email", "Follow up next week.")


def test_stale_checklist_item_edit_is_a_conflict(app, make_user):
    catalog.ensure_template(NOW)
    db.session.commit()
    admin_a, admin_b = make_user(Role.ADMIN), make_user(Role.ADMIN)
    a, b = signed_in(app, admin_a), signed_in(app, admin_b)
    url = "/admin/checklist/items/pre.source"
    form_a, form_b = main_form(a.get(url)), main_form(b.get(url))
    form_a.update(prompt=["Where did the agency hear of it?"], note=["Plainer words"])
    assert a.post(url, data=form_a).status_code == 302
    form_b.update(guidance=["Ask the permit office."], note=["More guidance"])
    response = b.post(url, data=form_b)
    assert response.status_code == 409
    assert catalog.current_template().version == 2
    assert ("Prompt", "How did the agency first learn about this event?",
            "Where did the agency hear of it?") in table(response)
    again = main_form(response)
    assert again["version"] == ["2"]
    assert b.post(url, data=again).status_code == 302
    item = next(i for i in catalog.current_template().items if i.key == "pre.source")
    assert (item.prompt, item.guidance) == ("Where did the agency hear of it?",
                                            "Ask the permit office.")


def test_services_refuse_answers_contacts_and_items_from_another_version(
        make_user, make_event):
    planner, liaison, admin = (make_user(Role.PLANNER), make_user(Role.LIAISON),
                               make_user(Role.ADMIN))
    event = make_event(actor=planner)
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "pre.protected_activity")
    assert checklist.answer(planner, entry, "yes", "", NOW, version=1)
    db.session.commit()
    assert entry.version == 2
    with pytest.raises(Conflict):
        checklist.answer(planner, entry, "no", "", NOW, version=1)
    db.session.rollback()

    contact = outreach.create_contact(liaison, event, outreach.ContactData(
        contacted_at=NOW, method="phone", purpose="route"), NOW, retention_days=30)
    db.session.commit()
    with pytest.raises(Conflict):
        outreach.update_contact(liaison, contact, outreach.ContactData(
            contacted_at=NOW, method="email", purpose="route"), NOW, 30, version=5)
    db.session.rollback()

    template = catalog.ensure_template(NOW)
    spec = catalog.ItemSpec.from_item(template.items[0])
    with pytest.raises(Conflict):
        catalog.save_item(admin, spec.key, spec, NOW, "Edit", version=template.version + 1)
    db.session.rollback()
    assert (db.session.get(OutreachContact, contact.id).method, entry.value) == (
        "phone", "yes")
