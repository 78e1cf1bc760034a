"""The audit trail in words: names for ids, labels for codes, local times with the zone,
links to what still exists, the raw values a click away; the filter by event; the CSV
export, audited and safe in a spreadsheet."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.audit.models import AuditRecord
from tracker.audit_trail import presenter
from tracker.audit_trail import query as trail
from tracker.checklist.models import ChecklistEntry, EventChecklist
from tracker.events import services as events
from tracker.extensions import db
from tracker.inputs import ID_MAX

WHEN = datetime(2026, 2, 3, 5, 30, tzinfo=UTC)  # 23:30 on the 2nd in Chicago


def body(response) -> str:
    match = re.search(r"<tbody>(.*?)</tbody>", response.get_data(as_text=True), re.S)
    return match.group(1)


def visible(html: str) -> str:
    """The row text a reader sees without opening "Record details"."""
    return re.sub(r"<details>.*?</details>", "", html, flags=re.S)


@pytest.fixture
def assigned(make_user, make_event):
    planner = make_user(Role.PLANNER, name="Pat Planner")
    liaison = make_user(Role.LIAISON, name="Lee Liaison")
    event = make_event(planner, title="March on Main")
    audit.record(planner, "event.update", "event", event.id, now=WHEN, changes={
        "liaison_id": {"from": None, "to": liaison.id},
        "kind": {"from": None, "to": "march"},
        "not_modified": {"from": False, "to": True},
        "title": "changed"})
    db.session.commit()
    return planner, liaison, event


# --- services ---------------------------------------------------------------------------


def test_present_gives_names_labels_and_local_times(app, assigned):
    _planner, liaison, event = assigned
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.at == WHEN))
    [row] = presenter.present([record])
    assert row.when == "Mon 2 Feb 2026, 23:30:00 CST"
    assert row.actor == "Pat Planner"
    assert row.action == "Edited an event"
    assert (row.target.text, row.target.endpoint) == (
        f"March on Main (event {event.id})", "events.detail")
    changes = {c.label: c.text for c in row.changes}
    assert changes == {"Liaison": "not set → Lee Liaison", "Kind": "not set → March",
                       "Not modified": "no → yes",
                       "Title": "changed (the text itself is not kept here)"}
    assert '"liaison_id"' in row.raw_changes and str(liaison.id) in row.raw_changes


def test_objects_no_longer_held_are_named_without_a_link(app, make_user, make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(planner)
    event_id = event.id
    events.delete_event(planner, event, datetime.now(UTC))
    db.session.commit()
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "event.delete"))
    [row] = presenter.present([record])
    assert row.action == "Deleted a draft event"
    assert row.target.endpoint is None
    assert row.target.text == f"event {event_id} (no longer held)"


def test_unknown_codes_still_read_as_words(app):
    assert presenter.action_label("widget.frobnicate") == "Widget frobnicate"
    assert presenter.field_label("counter_weight_id") == "Counter weight"


def test_filter_by_event_takes_its_checklist_answers_and_nothing_else(app, make_user,
                                                                      make_event):
    planner = make_user(Role.PLANNER)
    ours, theirs = make_event(planner), make_event(planner)
    entries = {str(i) for i in db.session.scalars(select(ChecklistEntry.id).join(
        EventChecklist).where(EventChecklist.event_id == ours.id))}
    entry_id = min(entries, key=int)
    audit.record(planner, "event.update", "event", ours.id)
    audit.record(planner, "event.update", "event", theirs.id)
    audit.record(planner, "checklist.answer", "checklist_entry", entry_id)
    db.session.commit()
    found = db.session.scalars(trail.query(trail.AuditFilter(event_id=ours.id))).all()
    about = {(r.object_type, r.object_id) for r in found}
    assert ("event", str(ours.id)) in about and ("checklist_entry", entry_id) in about
    # Everything else found is about our event: its answers taken from the record.
    assert about <= {("event", str(ours.id))} | {("checklist_entry", e) for e in entries}


def test_csv_cells_that_would_be_formulas_are_neutralised(app, make_user):
    planner = make_user(Role.PLANNER, name="=HYPERLINK(\"x\")")
    audit.record(planner, "event.update", "event", "+1", now=WHEN)
    db.session.commit()
    records = db.session.scalars(trail.query(trail.AuditFilter(object_id="+1"))).all()
    [header, row] = list(csv.reader(io.StringIO(presenter.to_csv(records))))
    assert header[:3] == ["When (local)", "When (UTC)", "Actor"]
    assert row[2] == "'=HYPERLINK(\"x\")"
    assert row[header.index("Object id")] == "'+1"


# --- views ------------------------------------------------------------------------------


def test_page_shows_words_not_codes(client, login_as, assigned):
    *_people, event = assigned
    login_as(Role.PRIVACY_OFFICER)
    response = client.get(f"/audit/?event={event.id}")
    assert response.status_code == 200
    html = body(response)
    shown = visible(html)
    assert "Lee Liaison" in shown and "Pat Planner" in shown
    assert "23:30:00 CST" in shown
    assert f'href="/events/{event.id}"' in shown
    for code in ("kind None", "not_modified", "liaison_id", "event.update", "None"):
        assert code not in shown, code
    # The stored values are a click away.
    assert "<summary>Record details</summary>" in html and "event.update" in html


@pytest.mark.parametrize("value", ["0", "-3", str(ID_MAX + 1), "abc", "1e9"])
def test_bad_event_number_is_a_message_not_an_error(client, login_as, assigned, value):
    login_as(Role.ADMIN)
    response = client.get(f"/audit/?event={value}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert "Pat Planner" in body(response)  # unfiltered, as for other bad filters


@pytest.mark.parametrize("role", [Role.PLANNER, Role.LIAISON, Role.LEADERSHIP])
def test_export_is_refused_to_other_roles(client, login_as, role):
    login_as(role)
    assert client.get("/audit/export.csv").status_code == 403
    assert db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "audit.export")).all() == []


@pytest.mark.parametrize("role", [Role.PRIVACY_OFFICER, Role.ADMIN])
def test_export_is_the_filtered_trail_and_is_audited(client, login_as, assigned, role):
    *_people, event = assigned
    reader = login_as(role)
    response = client.get(f"/audit/export.csv?event={event.id}&action=event.update")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(lines) == 2  # the header and the one update of that event
    assert lines[1][2] == "Pat Planner" and lines[1][5] == "event.update"
    [export] = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "audit.export")).all()
    assert export.actor_id == reader.id and export.changes["records"] == 1
    assert f"event_id {event.id}" in export.changes["filters"]
