"""The collected-information register: recording items, their due dates, dispositions,
the privacy officer's decision on keeping one, and what is past due."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tests.records.conftest import DAYS, item_data
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.checklist import services as checklist
from tracker.errors import Conflict, Forbidden, ValidationError
from tracker.extensions import db
from tracker.records import register


def _audit(action):
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_the_events_planner_and_liaison_add_items_due_by_category(staffed_event, add_item):
    event, planner, liaison = staffed_event
    post = add_item(planner)
    report = add_item(liaison, category="report")
    end = event.ends_at.date()
    assert post.due_on == end + timedelta(days=30)
    assert report.due_on == end + timedelta(days=90)
    assert (post.recorded_by_id, post.recorded_at) == (planner.id, NOW)
    rows = _audit("register.create")
    assert len(rows) == 2 and rows[0].changes["category"] == {"from": None,
                                                               "to": "open_source_post"}
    # Free text never reaches the audit trail.
    assert "march route" not in str(rows[0].changes)


def test_an_item_recorded_after_the_event_is_due_from_the_day_it_was_recorded(
        staffed_event, add_item):
    event, _, _ = staffed_event
    later = event.ends_at + timedelta(days=10)
    item = add_item(now=later, category="note")
    assert item.due_on == later.date() + timedelta(days=DAYS["note"])


@pytest.mark.parametrize("role", list(Role))
def test_nobody_else_adds_items(staffed_event, make_user, role):
    event, _, _ = staffed_event
    with pytest.raises(Forbidden):
        register.add_item(make_user(role), event, item_data(), NOW, days_by_category=DAYS,
                          event_end_on=event.ends_at.date(), today=NOW.date())


@pytest.mark.parametrize(("overrides", "field"), [
    ({"category": "dossier"}, "category"),
    ({"description": ""}, "description"),
    ({"description": "x" * 2001}, "description"),
    ({"source": "two\nlines"}, "source"),
    ({"purpose": "nul \x00"}, "purpose"),
    ({"concerns_individuals": True}, "predicate_reference"),
    ({"concerns_individuals": True, "predicate_reference": "Case 26-1"},
     "predicate_review_id"),
    ({"concerns_individuals": True, "predicate_reference": "Case 26-1",
      "predicate_review_id": 999}, "predicate_review_id"),
])
def test_bad_items_are_field_errors(staffed_event, add_item, overrides, field):
    with pytest.raises(ValidationError) as caught:
        add_item(**overrides)
    assert caught.value.field == field


def _review(event, planner, status="pending"):
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "pre.info_gathering_scope")
    checklist.answer(planner, entry, "yes", "A documented predicate and written approval.",
                     NOW)
    review = checklist.current_review(entry)
    review.status = status
    db.session.commit()
    return review


def test_an_item_about_individuals_needs_its_predicate_and_review(staffed_event, add_item,
                                                                   make_event):
    event, planner, _ = staffed_event
    review = _review(event, planner)
    item = add_item(concerns_individuals=True, predicate_reference="Case 26-004417",
                    predicate_review_id=review.id)
    assert item.predicate_review_id == review.id
    # A review of another event's checklist, or a rejected one, supports nothing.
    other = make_event(planner, planner_id=planner.id)
    with pytest.raises(ValidationError, match="this event"):
        add_item(concerns_individuals=True, predicate_reference="Case 1",
                 predicate_review_id=_review(other, planner).id)
    review.status = "rejected"
    db.session.commit()
    with pytest.raises(ValidationError, match="rejected"):
        add_item(concerns_individuals=True, predicate_reference="Case 1",
                 predicate_review_id=review.id)


def test_destroying_records_who_when_and_how(staffed_event, add_item):
    _, _, liaison = staffed_event
    item = add_item()
    register.destroy(liaison, item, "Screenshot deleted from the shared drive", NOW,
                     version=item.version)
    db.session.commit()
    assert item.disposed and item.disposition == "destroyed"
    assert (item.disposed_by_id, item.disposed_at) == (liaison.id, NOW)
    assert _audit("register.destroy")[0].changes["disposition"]["to"] == "destroyed"
    with pytest.raises(ValidationError, match="already"):
        register.destroy(liaison, item, "Again and again", NOW)


def test_a_stale_form_cannot_dispose(staffed_event, add_item):
    _, planner, _ = staffed_event
    item = add_item()
    with pytest.raises(Conflict):
        register.destroy(planner, item, "Deleted from the drive", NOW, version=item.version + 1)


def test_destruction_needs_a_method(staffed_event, add_item):
    _, planner, _ = staffed_event
    with pytest.raises(ValidationError) as caught:
        register.destroy(planner, add_item(), "gone", NOW)
    assert caught.value.field == "destruction_method"


@pytest.mark.parametrize("role", [Role.PLANNER, Role.LIAISON, Role.LEADERSHIP, Role.ADMIN])
def test_others_do_not_dispose(add_item, make_user, role):
    item = add_item()
    with pytest.raises(Forbidden):
        register.destroy(make_user(role), item, "Deleted from the drive", NOW)


def _propose(item, actor, **overrides):
    values = {"schedule": "Criminal case file CR-7",
              "justification": "Evidence in the vandalism case 26-004417.",
              "keep_until": item.due_on + timedelta(days=365)}
    values.update(overrides)
    register.propose_keep(actor, item, values["schedule"], values["justification"],
                          values["keep_until"], NOW)


def test_keeping_needs_a_privacy_officers_approval(staffed_event, add_item, officer,
                                                   make_user):
    _, planner, _ = staffed_event
    item = add_item(predicate_reference="Case 26-004417")
    _propose(item, planner)
    db.session.commit()
    assert item.disposition == "kept" and item.keep_status == "pending"
    assert not item.disposed
    assert [i.id for i in register.keep_proposals()] == [item.id]
    with pytest.raises(Forbidden):
        register.decide_keep(planner, item, "approved", "", NOW)
    register.decide_keep(officer, item, "approved", "", NOW)
    db.session.commit()
    assert item.disposed and item.keep_decided_by_id == officer.id
    assert _audit("register.keep_approved")


def test_a_privacy_officer_does_not_approve_their_own_proposal(add_item, officer,
                                                                make_user):
    item = add_item()
    _propose(item, officer)
    with pytest.raises(Forbidden):
        register.decide_keep(officer, item, "approved", "", NOW)
    register.decide_keep(make_user(Role.PRIVACY_OFFICER), item, "approved", "", NOW)
    assert item.disposed


def test_a_refused_proposal_needs_another_disposition(staffed_event, add_item, officer):
    _, planner, _ = staffed_event
    item = add_item()
    _propose(item, planner)
    with pytest.raises(ValidationError) as caught:
        register.decide_keep(officer, item, "rejected", "", NOW)
    assert caught.value.field == "keep_decision_note"
    register.decide_keep(officer, item, "rejected", "No criminal link: destroy it.", NOW)
    assert item.disposition is None and item.keep_status == "rejected"
    register.destroy(planner, item, "Deleted from the drive", NOW)
    assert item.disposed


@pytest.mark.parametrize(("overrides", "field"), [
    ({"schedule": ""}, "keep_schedule"),
    ({"justification": "Because."}, "keep_justification"),
    ({"keep_until": None}, "keep_until"),
    ({"keep_until": date(1900, 1, 1)}, "keep_until"),
    ({"keep_until": NOW.date()}, "keep_until"),
    ({"keep_until": NOW.date() + timedelta(days=6 * 365)}, "keep_until"),
])
def test_bad_keep_proposals_are_field_errors(staffed_event, add_item, overrides, field):
    _, planner, _ = staffed_event
    with pytest.raises(ValidationError) as caught:
        _propose(add_item(), planner, **overrides)
    assert caught.value.field == field


def test_items_past_due_without_a_final_disposition(staffed_event, add_item, officer):
    _, planner, _ = staffed_event
    destroyed, pending, kept, waiting = add_item(), add_item(), add_item(), add_item()
    register.destroy(planner, destroyed, "Deleted from the drive", NOW)
    _propose(pending, planner)
    _propose(kept, planner)
    register.decide_keep(officer, kept, "approved", "", NOW)
    db.session.commit()
    due = waiting.due_on
    assert register.past_due(due) == []  # due that day: not yet past it
    assert {i.id for i in register.past_due(due + timedelta(days=1))} == {
        pending.id, waiting.id}


def test_a_closed_events_register_is_final(staffed_event, add_item):
    event, planner, _ = staffed_event
    item = add_item()
    event.status = "closed"
    db.session.commit()
    with pytest.raises(ValidationError, match="closed"):
        add_item()
    with pytest.raises(ValidationError, match="closed"):
        register.destroy(planner, item, "Deleted from the drive", NOW)


def test_editing_an_item_before_its_disposition(staffed_event, add_item):
    _, planner, liaison = staffed_event
    item = add_item()
    assert register.update_item(liaison, item, item_data(source="Partner agency bulletin"),
                                NOW, version=item.version)
    assert not register.update_item(liaison, item, item_data(
        source="Partner agency bulletin"), NOW)
    register.destroy(planner, item, "Deleted from the drive", NOW)
    with pytest.raises(ValidationError, match="no longer edited"):
        register.update_item(planner, item, item_data(source="Other"), NOW)


def test_a_cancelled_events_items_still_get_their_disposition(staffed_event, add_item):
    event, planner, _ = staffed_event
    item = add_item()
    event.status = "cancelled"
    db.session.commit()
    register.destroy(planner, item, "Deleted from the drive", NOW)
    assert item.disposed
