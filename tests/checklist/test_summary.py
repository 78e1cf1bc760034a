"""The compliance summary tells the whole story: every answer version, each review on
the answer it judged, answers out of turn and after approval marked."""

import re
from datetime import timedelta

import pytest

from tests.conftest import NOW, login
from tracker.accounts.roles import Role
from tracker.checklist import reviews, services
from tracker.checklist.models import AnswerRecord
from tracker.events import services as events
from tracker.events.models import EventStatus
from tracker.extensions import db

JUSTIFICATION = "A partner agency reported a specific threat; Lt. Example authorised it."


@pytest.fixture
def staff(make_user):
    return {role: make_user(role, name=f"{role.label} person") for role in
            (Role.PLANNER, Role.LIAISON, Role.LEADERSHIP, Role.PRIVACY_OFFICER)}


@pytest.fixture
def event(staff, make_event):
    planner = staff[Role.PLANNER]
    return make_event(planner, planner_id=planner.id, liaison_id=staff[Role.LIAISON].id)


def entry_for(event, key):
    return next(e for e in services.get_for_event(event.id).entries if e.item.key == key)


def row_of(page: str, prompt: str) -> str:
    start = page.index(prompt)
    return page[page.rfind("<tr", 0, start):page.index("</tr>", start)]


def test_rejected_then_reanswered_red_flag_shows_both_answers(client, staff, event):
    planner, privacy = staff[Role.PLANNER], staff[Role.PRIVACY_OFFICER]
    entry = entry_for(event, "pre.info_gathering_scope")
    services.answer(planner, entry, "yes", JUSTIFICATION, NOW)
    reviews.decide(privacy, services.current_review(entry), "rejected",
                   "Not about logistics: narrow it.", NOW + timedelta(hours=1))
    services.answer(planner, entry, "no", "", NOW + timedelta(hours=2))
    db.session.commit()
    login(client, privacy)
    row = row_of(client.get(f"/events/{event.id}/summary").get_data(as_text=True),
                 entry.item.prompt)
    first, second = row.index("<strong>No</strong>"), row.index("<strong>Yes</strong>")
    assert first < second  # newest first
    yes_part = row[second:]
    assert "Superseded" in yes_part and JUSTIFICATION in yes_part
    assert re.search(r"Red-flag review <strong>rejected</strong> by Privacy \(P/CRCL\) "
                     r"officer person", yes_part)
    assert "Not about logistics" in yes_part
    no_part = row[first:second]
    # The rejection judged "Yes", never "No"; "No" carries no justification of its own.
    assert "rejected" not in no_part and "Justification" not in no_part


def test_out_of_turn_and_after_approval_answers_are_marked(client, staff, event,
                                                           complete_stage):
    planner, leader = staff[Role.PLANNER], staff[Role.LEADERSHIP]
    early = entry_for(event, "post.policy_training")
    early.history.append(AnswerRecord(value="done", responder_id=planner.id,
                                      answered_at=NOW))  # an earlier version allowed it
    early.value = "done"
    complete_stage(event, planner)
    events.transition(planner, event, EventStatus.PLANNING, NOW)
    events.transition(leader, event, EventStatus.PLAN_APPROVED, NOW)
    services.answer(planner, entry_for(event, "pre.public_notice"), "Notice planned", "",
                    NOW + timedelta(hours=1))
    db.session.commit()
    login(client, planner)
    page = client.get(f"/events/{event.id}/summary").get_data(as_text=True)
    assert "Answered before the stage opened" in row_of(page, early.item.prompt)
    assert "After the plan approval" in row_of(
        page, entry_for(event, "pre.public_notice").item.prompt)
    assert "have changed since version 1 was approved" in page


def test_justification_starts_empty_and_a_new_answer_needs_its_own(client, staff, event):
    planner = staff[Role.PLANNER]
    entry = entry_for(event, "pre.info_gathering_scope")
    services.answer(planner, entry, "yes", JUSTIFICATION, NOW)
    db.session.commit()
    login(client, planner)
    path = f"/events/{event.id}/checklist/pre_event/" + str(services.step_number(entry))
    page = client.get(path).get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="justification"[^>]*>\s*</textarea>', page)
    assert f"Current justification: {JUSTIFICATION}" in page
    # Saving the same answer keeps its justification; no new version.
    assert client.post(path, data={"value": "yes"}).status_code == 302
    db.session.expire_all()
    assert entry.justification == JUSTIFICATION and len(entry.history) == 1
