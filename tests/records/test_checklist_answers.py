"""The post-event items answered from the records: inventory, disposition and purge from
the register (complete when every item has a disposition), the dissemination record from
the dissemination log; nobody answers them by hand."""

from datetime import timedelta

import pytest

from tests.conftest import NOW
from tests.records.test_dissemination import RELEASE
from tracker.accounts.roles import Role
from tracker.checklist import services as checklist
from tracker.errors import InvalidTransition, ValidationError
from tracker.events import services as events
from tracker.events.models import EventStatus as S
from tracker.extensions import db
from tracker.records import dissemination, register

KEYS = ("post.inventory", "post.disposition", "post.purge_confirmed",
        "post.dissemination_record")


def _answers(event) -> dict:
    entries = checklist.get_for_event(event.id).entries
    return {e.item.key: e.value for e in entries if e.item.key in KEYS}


def _conclude(event, planner, make_user, complete_stage):
    complete_stage(event, planner, "pre_event")
    leader = make_user(Role.LEADERSHIP)
    events.transition(planner, event, S.PLANNING, NOW)
    events.transition(leader, event, S.PLAN_APPROVED, NOW)
    events.transition(planner, event, S.IN_PROGRESS, NOW)
    events.transition(planner, event, S.CONCLUDED, NOW)
    db.session.commit()


def test_nothing_answered_before_the_post_event_stage_opens(staffed_event, add_item):
    event, _, _ = staffed_event
    add_item()
    assert set(_answers(event).values()) == {None}


def test_an_empty_register_answers_at_conclusion(staffed_event, make_user, complete_stage):
    event, planner, _ = staffed_event
    _conclude(event, planner, make_user, complete_stage)
    assert _answers(event) == {"post.inventory": "done",
                               "post.disposition": "Nothing was collected",
                               "post.purge_confirmed": "done",
                               "post.dissemination_record": "done"}
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "post.inventory")
    assert entry.history[-1].from_record


def test_items_without_a_disposition_leave_them_open_and_block_closing(
        staffed_event, add_item, make_user, complete_stage, officer):
    event, planner, _ = staffed_event
    first, second = add_item(), add_item(predicate_reference="Case 26-004417")
    _conclude(event, planner, make_user, complete_stage)
    answers = _answers(event)
    assert answers["post.inventory"] is None and answers["post.disposition"] is None
    assert answers["post.purge_confirmed"] is None
    assert answers["post.dissemination_record"] == "done"
    complete_stage(event, planner, "post_event")
    with pytest.raises(InvalidTransition) as refused:
        events.transition(planner, event, S.CLOSED, NOW)
    assert any("List everything collected" in r.message for r in refused.value.reasons)

    register.destroy(planner, first, "Deleted from the drive", NOW + timedelta(days=1))
    assert _answers(event)["post.inventory"] is None  # one item still open
    register.propose_keep(planner, second, "Criminal case file CR-7",
                          "Evidence in the vandalism case 26-004417.",
                          second.due_on + timedelta(days=365), NOW + timedelta(days=1))
    assert _answers(event)["post.inventory"] is None  # a proposal is not a disposition
    register.decide_keep(officer, second, "approved", "", NOW + timedelta(days=2))
    db.session.commit()
    assert _answers(event) == {
        "post.inventory": "done",
        "post.disposition": "Some items kept as criminal case evidence; the rest purged",
        "post.purge_confirmed": "done", "post.dissemination_record": "done"}
    events.transition(planner, event, S.CLOSED, NOW + timedelta(days=2))
    assert event.status == "closed"


def test_a_new_item_clears_the_answers_again(staffed_event, add_item, make_user,
                                             complete_stage):
    event, planner, _ = staffed_event
    item = add_item()
    _conclude(event, planner, make_user, complete_stage)
    register.destroy(planner, item, "Deleted from the drive", NOW)
    assert _answers(event)["post.disposition"] == "All items purged or scheduled for purge"
    add_item(now=NOW + timedelta(hours=1))
    assert _answers(event)["post.disposition"] is None


def test_keeping_without_a_criminal_link_raises_the_red_flag(
        staffed_event, add_item, make_user, complete_stage, officer):
    event, planner, _ = staffed_event
    item = add_item()
    _conclude(event, planner, make_user, complete_stage)
    register.propose_keep(planner, item, "Litigation hold LH-3",
                          "A claim about the policing of the event is pending in court.",
                          item.due_on + timedelta(days=365), NOW)
    register.decide_keep(officer, item, "approved", "", NOW)
    db.session.commit()
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "post.disposition")
    assert entry.value == "Some items kept with no documented criminal link"
    assert checklist.current_review(entry).status == "pending"


def test_the_items_cannot_be_answered_by_hand(staffed_event, officer, make_user,
                                              complete_stage):
    event, planner, _ = staffed_event
    _conclude(event, planner, make_user, complete_stage)
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "post.purge_confirmed")
    with pytest.raises(ValidationError, match="collected-information register"):
        checklist.answer(officer, entry, "done", "", NOW)


def test_the_step_page_says_where_the_answer_comes_from(client, staffed_event, officer,
                                                        make_user, complete_stage):
    from tests.conftest import login

    event, planner, _ = staffed_event
    dissemination.record_release(planner, event, now=NOW, **RELEASE)
    _conclude(event, planner, make_user, complete_stage)
    entries = checklist.entries_by_stage(checklist.get_for_event(event.id))
    stage = next(s for s in entries if s.value == "post_event")
    number = next(n for n, e in enumerate(entries[stage], start=1)
                  if e.item.key == "post.dissemination_record")
    login(client, officer)
    page = client.get(f"/events/{event.id}/checklist/post_event/{number}").get_data(
        as_text=True)
    assert "answered from the dissemination log" in page
    assert "the log records 1 release outside the agency" in page
    assert f'href="/events/{event.id}/records"' in page
    response = client.post(f"/events/{event.id}/checklist/post_event/{number}",
                           data={"value": "done"})
    assert response.status_code == 400
