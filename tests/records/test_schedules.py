"""Records schedules of the event record's own text (28 CFR 23.20(h), SECURITY.md P-5):
the five-year review keeps (with a reason and a new date) or purges, and a purge leaves
no canary in the database files."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW
from tests.security.test_privacy_retention_storage import _database_bytes
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.checklist import services as checklist
from tracker.data_inventory import INVENTORY
from tracker.data_schedules import SCHEDULE_EVENT_TEXT, schedule_of, schedules
from tracker.errors import Forbidden, ValidationError
from tracker.events.models import Event
from tracker.extensions import db
from tracker.records import authorizations, products
from tracker.records import schedules as records_schedules
from tracker.records.models import RegisterItem
from tracker.records.product_models import ProductVersion

CANARY = "Ottoline Canarywhistle"
LATER = NOW + timedelta(days=5 * 366)  # past the default review date


@pytest.fixture
def concluded(make_user, make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner, logistics_notes=f"Staging lot kept by {CANARY}.")
    event.planner_id = planner.id
    db.session.commit()
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "pre.info_gathering_scope")
    checklist.answer(planner, entry, "yes", f"Predicate: threats posted by {CANARY}.", NOW)
    products.create(planner, event, "bulletin", products.Draft(
        title="March logistics", body=f"Route and timing; reported by {CANARY} on the phone.",
        recipients="County EM, duty officer", caveats="LES"), NOW)
    authorizations.request(planner, event, authorizations.Request(
        level="monitoring", purpose=f"Threat posts naming {CANARY}.",
        predicate_reference="Case 1", platforms=["social_networks"], starts_on=NOW.date(),
        ends_on=NOW.date() + timedelta(days=2)), NOW)
    db.session.add(RegisterItem(
        event_id=event.id, category="note", description=f"Call note mentioning {CANARY}",
        source="Phone", purpose="Safety", concerns_individuals=False,
        recorded_by_id=planner.id, recorded_at=NOW, due_on=NOW.date()))
    event.status = "concluded"
    db.session.commit()
    return event


def test_default_review_is_five_years_after_the_event(app, concluded):
    schedule = records_schedules.schedule_for(concluded)
    assert schedule.review_on == date(2031, 11, 27)  # the event ended 27 Nov 2026
    assert app.config["RECORDS_REVIEW_YEARS"] == 5
    assert records_schedules.due(NOW.date()) == []
    assert [s.event.id for s in records_schedules.due(LATER.date())] == [concluded.id]


def test_purge_erases_the_text_and_the_canary_leaves_the_database_file(
        app, concluded, make_user, database_files):
    privacy = make_user(Role.PRIVACY_OFFICER)
    assert CANARY.encode() in _database_bytes(database_files)
    counts = records_schedules.purge(privacy, concluded, LATER)
    db.session.commit()
    outcome = records_schedules.scrub(LATER)
    db.session.commit()
    assert outcome.erased
    assert counts["product_version"] == 1 and counts["register_item"] == 1
    db.session.expire_all()
    event = db.session.get(Event, concluded.id)
    assert event.logistics_notes == "" and event.title == "Rally at the courthouse"
    assert db.session.scalar(select(func.count(ProductVersion.id))) == 1  # structure stays
    assert CANARY.encode() not in _database_bytes(database_files)
    purge = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "records_schedule.purge")).one()
    assert purge.actor_id == privacy.id and purge.object_id == str(event.id)
    assert records_schedules.due(LATER.date()) == []
    with pytest.raises(ValidationError):
        records_schedules.purge(privacy, event, LATER)


def test_keep_sets_a_reason_and_a_new_date(concluded, make_user):
    privacy = make_user(Role.PRIVACY_OFFICER)
    new_date = LATER.date() + timedelta(days=365)
    row = records_schedules.keep(privacy, concluded, "Case 2026-0412 still open in court.",
                                 new_date, LATER)
    db.session.commit()
    assert (row.review_on, row.decision) == (new_date, "keep")
    assert records_schedules.due(LATER.date()) == []
    assert [s.event.id for s in records_schedules.due(new_date)] == [concluded.id]
    assert concluded.logistics_notes.startswith("Staging lot")


@pytest.mark.parametrize(("reason", "offset", "field"), [
    ("", 30, "reason"), ("too short", 30, "reason"), ("Open case 2026-7.", 0, "review_on"),
    ("Open case 2026-7.", -5, "review_on"), ("Open case 2026-7.", 6 * 366, "review_on"),
    ("Open case 2026-7.", None, "review_on"),
])
def test_bad_keep_decisions(concluded, make_user, reason, offset, field):
    review_on = None if offset is None else LATER.date() + timedelta(days=offset)
    with pytest.raises(ValidationError) as err:
        records_schedules.keep(make_user(Role.PRIVACY_OFFICER), concluded, reason, review_on,
                               LATER)
    assert err.value.field == field


def test_not_before_the_review_date_nor_while_the_event_is_open(concluded, make_user):
    privacy = make_user(Role.PRIVACY_OFFICER)
    with pytest.raises(ValidationError):
        records_schedules.purge(privacy, concluded, NOW)
    concluded.status = "planning"
    with pytest.raises(ValidationError):
        records_schedules.purge(privacy, concluded, LATER)


@pytest.mark.parametrize("role", [Role.PLANNER, Role.LIAISON, Role.LEADERSHIP, Role.ADMIN])
def test_only_a_privacy_officer_decides(concluded, make_user, role):
    with pytest.raises(Forbidden):
        records_schedules.purge(make_user(role), concluded, LATER)
    with pytest.raises(Forbidden):
        records_schedules.keep(make_user(role), concluded, "A good long reason.",
                               LATER.date() + timedelta(days=30), LATER)


def test_the_inventory_gives_every_column_a_schedule():
    listed = schedules()
    assert len(listed) == sum(len(c) for c in INVENTORY.values())
    assert schedule_of("event", "logistics_notes") == SCHEDULE_EVENT_TEXT
    assert schedule_of("product_version", "body") == SCHEDULE_EVENT_TEXT
    assert schedule_of("register_item", "description") == SCHEDULE_EVENT_TEXT
    assert schedule_of("checklist_entry", "justification") == SCHEDULE_EVENT_TEXT
    assert "erased" in schedule_of("outreach_contact", "person_name")
    assert schedule_of("event", "title") != SCHEDULE_EVENT_TEXT
