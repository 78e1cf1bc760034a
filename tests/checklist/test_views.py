"""The checklist pages through the test client: the walk-through, bad input, red-flag
reviews, object-level access, the approval and closing gates, due dates, the compliance
summary, template editing and the dashboard."""

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, login
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.checklist import catalog, readiness, reviews, services
from tracker.checklist.models import AnswerRecord, ChecklistTemplate, RedFlagReview, Stage
from tracker.events import services as events
from tracker.events.models import Event, EventStatus
from tracker.extensions import db

JUSTIFICATION = "Approved by Lt. Example after a documented threat to the venue."
DECISION_NOTE = "Predicate documented; scope limited to the venue."
CSS = Path(__file__).resolve().parents[2] / "tracker" / "static" / "css" / "tracker.css"
NAMES = {Role.PLANNER: "Pat Planner", Role.LIAISON: "Lou Liaison",
         Role.LEADERSHIP: "Lee Leader", Role.PRIVACY_OFFICER: "Pia Privacy",
         Role.ADMIN: "Ada Admin"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_rows(action: str) -> list[AuditRecord]:
    return list(db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def text(response) -> str:
    """The page as a reader sees it: prompts hold quotes that Jinja escapes."""
    return html.unescape(response.get_data(as_text=True))


def row_with(page: str, needle: str) -> str:
    """The table row holding `needle`: names also appear in the header and facts."""
    return next(row for row in re.findall(r"<tr.*?</tr>", page, re.S) if needle in row)


def grouped(event_id: int) -> dict[Stage, list]:
    db.session.expire_all()  # the requests share this session: read what they committed
    return services.entries_by_stage(services.get_for_event(event_id))


def entry_for(event_id: int, key: str):
    return next(e for entries in grouped(event_id).values() for e in entries
                if e.item.key == key)


def step_url(event_id: int, key: str) -> str:
    """Where an item's step lives, numbered as services.entries_by_stage orders them."""
    for stage, entries in grouped(event_id).items():
        for number, entry in enumerate(entries, start=1):
            if entry.item.key == key:
                return f"/events/{event_id}/checklist/{stage.value}/{number}"
    raise AssertionError(key)


def safe_value(entry) -> str:
    options = [o for o in entry.item.answer_options if o not in entry.item.red_flag_answers]
    if options:
        return options[0]
    return "2026-12-20" if entry.item.response_type == "date" else "In the plan"


def switch(client, user) -> None:
    client.post("/logout")
    login(client, user)


def fresh_event(event_id: int) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event_id)


@pytest.fixture
def staff(make_user):
    return {role: make_user(role, name=name) for role, name in NAMES.items()}


@pytest.fixture
def event(staff, make_event):
    return make_event(staff[Role.PLANNER], planner_id=staff[Role.PLANNER].id,
                      liaison_id=staff[Role.LIAISON].id)


def event_form(**overrides) -> dict:
    """The create/edit form as a browser sends it (America/Chicago wall-clock times)."""
    values = {"title": "March down Main Street", "kind": "march",
              "starts_at": "2026-12-05T10:00", "ends_at": "2026-12-05T12:00",
              "venue": "Main Street", "permit_status": "applied",
              "information_source": "permit_application", "planner_id": "",
              "liaison_id": ""}
    values.update(overrides)
    return values


# --- the walk-through -----------------------------------------------------------------


def test_new_event_gets_a_checklist(client, staff):
    login(client, staff[Role.PLANNER])
    assert client.post("/events/new", data=event_form()).status_code == 302
    event = db.session.scalars(select(Event)).one()
    total = sum(len(entries) for entries in grouped(event.id).values())
    page = text(client.get(f"/events/{event.id}/checklist"))
    for heading in ("Pre-event stage", "Operational stage", "Post-event stage"):
        assert heading in page
    # The two items that restate the event record are answered from it at once.
    assert f"2 of {total} answered" in page
    assert re.search(rf'href="/events/{event.id}/checklist/pre_event/2">'
                     r"Continue with the next unanswered item</a>", page)


def test_step_shows_prompt_guidance_and_red_flag_notice(client, staff, event):
    login(client, staff[Role.PLANNER])
    flagged, plain = entry_for(event.id, "pre.undercover"), entry_for(event.id, "pre.source")
    page = text(client.get(step_url(event.id, "pre.undercover")))
    assert flagged.item.prompt in page and flagged.item.guidance.strip() in page
    assert "Answering Yes raises a red flag" in page
    # The notice belongs to red-flag items only.
    assert "raises a red flag:" not in text(client.get(step_url(event.id, "pre.source")))
    assert plain.item.red_flag_answers == []


@pytest.mark.parametrize(("stage", "number", "then", "target"), [
    ("pre_event", 2, "next", "/pre_event/3"),
    ("pre_event", -1, "next", "/operational/1"),   # last of a stage: next stage
    ("post_event", -1, "next", ""),                # the very last item: overview
    ("operational", 7, "overview", ""),
], ids=["next-in-stage", "next-stage", "end", "overview"])
def test_answer_redirects(client, staff, event, stage, number, then, target):
    # The event's start and end are before the real clock: its later stages are open.
    login(client, staff[Role.PLANNER])
    entries = grouped(event.id)[Stage(stage)]
    number = len(entries) if number == -1 else number
    assert entries[number - 1].item.responsible_role == "planner"
    before = count(AnswerRecord)
    response = client.post(f"/events/{event.id}/checklist/{stage}/{number}",
                           data={"value": safe_value(entries[number - 1]), "then": then})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/events/{event.id}/checklist{target}"
    assert count(AnswerRecord) == before + 1


def test_answer_shows_on_overview_with_responder(client, staff, event):
    login(client, staff[Role.PLANNER])
    client.post(step_url(event.id, "pre.counter_events"),
                data={"value": "no", "then": "overview"})
    prompt = entry_for(event.id, "pre.counter_events").item.prompt
    row = row_with(text(client.get(f"/events/{event.id}/checklist")), prompt)
    assert "No" in row and NAMES[Role.PLANNER] in row


BAD_ANSWERS = [
    pytest.param("pre.counter_events", {"justification": "Typed before the mistake"},
                 "Give an answer.", "Typed before the mistake", id="no-value"),
    pytest.param("pre.undercover", {"value": "yes", "justification": "Because."},
                 "This answer raises a red flag: explain in at least 20 characters",
                 "Because.", id="red-flag-unjustified"),
    pytest.param("pre.undercover", {"value": "maybe"}, "Not a valid choice", None,
                 id="invalid-choice"),
]


@pytest.mark.parametrize(("key", "data", "message", "kept"), BAD_ANSWERS)
def test_bad_answer_keeps_input_and_writes_nothing(client, staff, event, key, data,
                                                   message, kept):
    login(client, staff[Role(entry_for(event.id, key).item.responsible_role)])
    audited, answers = count(AuditRecord), count(AnswerRecord)
    response = client.post(step_url(event.id, key), data={**data, "then": "next"})
    page = text(response)
    assert response.status_code == 400
    assert message in page
    if kept:
        assert re.search(rf'<textarea[^>]*name="justification"[^>]*>\s*{re.escape(kept)}'
                         r"</textarea>", page)
    if data.get("value") == "yes":  # the chosen radio stays chosen
        assert re.search(r'<input[^>]*\bchecked\b[^>]*value="yes"', page)
    assert (count(AnswerRecord), count(RedFlagReview), count(AuditRecord)) == (
        answers, 0, audited)
    assert entry_for(event.id, key).value is None


# --- red flags and who may answer -----------------------------------------------------


def test_red_flag_goes_through_review(client, staff, event):
    login(client, staff[Role.LEADERSHIP])
    response = client.post(step_url(event.id, "pre.undercover"),
                           data={"value": "yes", "justification": JUSTIFICATION})
    assert response.status_code == 302
    assert "Open red flags (1)" in text(client.get(f"/events/{event.id}"))
    review = db.session.scalars(select(RedFlagReview)).one()
    prompt = review.entry.item.prompt

    switch(client, staff[Role.PRIVACY_OFFICER])
    assert prompt in row_with(text(client.get("/reviews/")), f"/reviews/{review.id}")
    response = client.post(f"/reviews/{review.id}", data={"decision": "approved"})
    assert response.status_code == 400 and "Write a note" in text(response)
    db.session.expire_all()
    assert review.status == "pending" and audit_rows("red_flag.decide") == []

    response = client.post(f"/reviews/{review.id}",
                           data={"decision": "approved", "note": DECISION_NOTE})
    assert response.status_code == 302
    db.session.expire_all()
    assert (review.status, review.decided_by_id) == ("approved",
                                                     staff[Role.PRIVACY_OFFICER].id)
    [row] = audit_rows("red_flag.decide")
    assert row.object_id == str(review.id)
    assert "Open red flags" not in text(client.get(f"/events/{event.id}"))


def test_liaison_cannot_answer_planner_item(client, staff, event):
    liaison = staff[Role.LIAISON]
    login(client, liaison)
    before = count(AnswerRecord)
    response = client.post(step_url(event.id, "pre.counter_events"), data={"value": "no"})
    assert response.status_code == 403
    [row] = audit_rows("access.denied")
    assert (row.actor_id, row.outcome) == (liaison.id, "denied")
    assert count(AnswerRecord) == before


def test_leadership_answers_leadership_item(client, staff, event):
    leader = staff[Role.LEADERSHIP]
    login(client, leader)
    entry = next(e for entries in grouped(event.id).values() for e in entries
                 if e.item.responsible_role == "leadership")
    response = client.post(step_url(event.id, entry.item.key),
                           data={"value": safe_value(entry)})
    assert response.status_code == 302
    assert entry_for(event.id, entry.item.key).answered_by_id == leader.id


@pytest.mark.parametrize("path", ["nonsense/1", "pre_event/0", "pre_event/999"])
def test_unknown_stage_or_step_is_404(client, staff, event, path):
    login(client, staff[Role.PLANNER])
    assert client.get(f"/events/{event.id}/checklist/{path}").status_code == 404


# --- gates ----------------------------------------------------------------------------


def required_numbers(event_id: int, stage: Stage) -> list[str]:
    return [str(n) for n, e in enumerate(grouped(event_id)[stage], start=1)
            if e.item.required and not e.answered]


@pytest.mark.parametrize(("status", "role", "target", "stage"), [
    ("planning", Role.LEADERSHIP, "plan_approved", Stage.PRE_EVENT),
    ("concluded", Role.PLANNER, "closed", Stage.POST_EVENT),
], ids=["approve-plan", "close-record"])
def test_gate_blocks_until_stage_answered(client, staff, event, complete_stage, status,
                                          role, target, stage):
    # Set directly: walking the lifecycle itself is covered in the events tests.
    event.status = status
    db.session.commit()
    login(client, staff[role])
    response = client.post(f"/events/{event.id}/status", data={"target": target})
    assert response.status_code == 409
    links = re.findall(rf'href="/events/{event.id}/checklist/{stage.value}/(\d+)">'
                       rf"Answer the required {stage.label.lower()} item:", text(response))
    assert links and links == required_numbers(event.id, stage)
    assert fresh_event(event.id).status == status

    complete_stage(event, staff[Role.PLANNER], stage.value)
    response = client.post(f"/events/{event.id}/status", data={"target": target})
    assert response.status_code == 302
    assert fresh_event(event.id).status == target


def test_due_dates_follow_the_event_times(client, staff, event):
    login(client, staff[Role.PLANNER])
    response = client.post(f"/events/{event.id}/edit", data=event_form(
        starts_at="2026-12-10T10:00", ends_at="2026-12-10T12:00",
        planner_id=str(event.planner_id), liaison_id=str(event.liaison_id)))
    assert response.status_code == 302
    start = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)  # 10:00 CST is 16:00 UTC
    entries = [e for es in grouped(event.id).values() for e in es if e.item.due_anchor]
    assert any(e.item.due_anchor == "start" for e in entries)
    for entry in entries:
        anchor = start if entry.item.due_anchor == "start" else start + timedelta(hours=2)
        assert entry.due_at == anchor + timedelta(days=entry.item.due_days), entry.item.key


# --- compliance summary ---------------------------------------------------------------


def test_compliance_summary(client, staff, event, complete_stage):
    planner, leader = staff[Role.PLANNER], staff[Role.LEADERSHIP]
    flagged = entry_for(event.id, "pre.undercover")
    services.answer(leader, flagged, "yes", JUSTIFICATION, NOW)
    reviews.decide(staff[Role.PRIVACY_OFFICER], flagged.reviews[-1], "approved",
                   DECISION_NOTE, NOW)
    complete_stage(event, planner, "pre_event")
    events.transition(planner, event, EventStatus.PLANNING, NOW)
    events.transition(leader, event, EventStatus.PLAN_APPROVED, NOW + timedelta(hours=1))
    db.session.commit()

    login(client, planner)
    response = client.get(f"/events/{event.id}/summary")
    assert response.status_code == 200
    page = text(response)
    assert f"Compliance summary: {event.title}" in page
    for stage in Stage:
        assert f"{stage.label} stage" in page
    row = row_with(page, flagged.item.prompt)
    assert all(s in row for s in (NAMES[Role.LEADERSHIP], JUSTIFICATION, DECISION_NOTE,
                                  NAMES[Role.PRIVACY_OFFICER]))
    source = entry_for(event.id, "pre.source")
    assert "Taken from the event record" in row_with(page, source.item.prompt)
    counter = entry_for(event.id, "pre.counter_events")
    assert NAMES[Role.PLANNER] in row_with(page, counter.item.prompt)
    approval = row_with(page, "plan approval sign-off")
    assert "planning → plan approved" in approval and NAMES[Role.LEADERSHIP] in approval
    # Printing relies on the shared stylesheet's print rules.
    assert re.search(r'<link rel="stylesheet" href="/static/css/tracker\.css', page)
    assert "@media print" in CSS.read_text(encoding="utf-8")


# --- template editing -----------------------------------------------------------------


def current_item(key: str):
    return next(i for i in catalog.current_template().items if i.key == key)


def item_form(item, **overrides) -> dict:
    """The item editor as a browser submits it, starting from the item's values."""
    values = {"key": item.key, "stage": item.stage, "prompt": item.prompt,
              "guidance": item.guidance, "response_type": item.response_type,
              "choices": "\n".join(item.choices),
              "red_flag_answers": "\n".join(item.red_flag_answers),
              "responsible_role": item.responsible_role,
              "due_anchor": item.due_anchor or "",
              "due_days": "" if item.due_days is None else str(item.due_days),
              "note": "Clearer wording"}
    if item.required:  # an unticked checkbox is simply absent
        values["required"] = "y"
    values.update(overrides)
    return values


def test_admin_index_lists_items_by_stage(client, staff, event):
    login(client, staff[Role.ADMIN])
    page = text(client.get("/admin/checklist/"))
    assert "Version 1, published" in page
    marks = [page.index("Pre-event stage"), page.index(current_item("pre.source").prompt),
             page.index("Operational stage"),
             page.index(current_item("ops.command_post").prompt),
             page.index("Post-event stage"), page.index(current_item("post.debrief").prompt)]
    assert marks == sorted(marks)


def test_admin_edit_publishes_a_version_and_old_events_keep_theirs(
        client, staff, event, make_event):
    login(client, staff[Role.ADMIN])
    old = current_item("pre.source")
    old_prompt, old_spec = old.prompt, catalog.ItemSpec.from_item(old)
    new_prompt = "How did the agency first hear of this event?"
    # template_id and another key are not editable: they must be ignored. The version
    # is the one the form was opened on: another one is a conflict, not a new number.
    data = item_form(old, prompt=new_prompt, version="99", template_id="1", key="pre.x")
    response = client.post("/admin/checklist/items/pre.source", data=data)
    assert response.status_code == 409
    assert count(ChecklistTemplate) == 1
    response = client.post("/admin/checklist/items/pre.source", data={**data, "version": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Published checklist version 2" in text(client.get("/admin/checklist/"))
    assert db.session.scalars(select(ChecklistTemplate.version)
                              .order_by(ChecklistTemplate.version)).all() == [1, 2]
    new = current_item("pre.source")
    assert catalog.ItemSpec.from_item(new) == catalog.ItemSpec(
        **{**old_spec.__dict__, "prompt": new_prompt})
    assert "pre.x" not in {i.key for i in catalog.current_template().items}

    kept = text(client.get(f"/events/{event.id}/checklist"))
    assert old_prompt in kept and new_prompt not in kept
    later = make_event(staff[Role.PLANNER])
    assert new_prompt in text(client.get(f"/events/{later.id}/checklist"))


@pytest.mark.parametrize(("url", "overrides", "message"), [
    ("/admin/checklist/items/pre.source", {"choices": "Only one"},
     "A choice item needs at least two options."),
    ("/admin/checklist/items/new", {}, "Another item already has this key."),
], ids=["one-choice", "duplicate-key"])
def test_admin_edit_refuses_bad_items(client, staff, event, url, overrides, message):
    login(client, staff[Role.ADMIN])
    response = client.post(url, data=item_form(current_item("pre.source"), **overrides))
    assert response.status_code == 400
    assert message in text(response)
    assert count(ChecklistTemplate) == 1


def test_admin_delete_publishes_without_the_item(client, staff, event):
    login(client, staff[Role.ADMIN])
    before = [i.key for i in catalog.current_template().items]
    response = client.post("/admin/checklist/items/pre.permit_conditions/delete")
    assert response.status_code == 302
    template = catalog.current_template()
    assert template.version == 2
    assert [i.key for i in template.items] == [k for k in before
                                               if k != "pre.permit_conditions"]


# --- reading changes nothing; the dashboard -------------------------------------------


def test_get_pages_change_nothing(client, make_user, staff, event):
    services.answer(staff[Role.LEADERSHIP], entry_for(event.id, "pre.undercover"), "yes",
                    JUSTIFICATION, NOW)
    db.session.commit()
    review = db.session.scalars(select(RedFlagReview)).one()
    login(client, make_user(Role.PLANNER, Role.PRIVACY_OFFICER, Role.ADMIN))
    models = (AnswerRecord, RedFlagReview, ChecklistTemplate, AuditRecord)
    before = [count(m) for m in models]
    for url in (f"/events/{event.id}/checklist", step_url(event.id, "pre.undercover"),
                f"/events/{event.id}/summary", "/reviews/", f"/reviews/{review.id}",
                "/admin/checklist/", "/admin/checklist/items/pre.source"):
        assert client.get(url).status_code == 200, url
    assert [count(m) for m in models] == before
    db.session.expire_all()
    assert review.status == "pending"


def test_dashboard_shows_due_items_to_the_assigned_planner(client, staff, make_event,
                                                           make_user):
    planner = staff[Role.PLANNER]
    # Relative to the real clock: the dashboard asks for "now" itself.
    soon = datetime.now(UTC) + timedelta(days=2)
    event = make_event(planner, planner_id=planner.id, starts_at=soon)
    overdue = entry_for(event.id, "pre.counter_events")  # due 14 days before the start
    login(client, planner)
    page = text(client.get("/"))
    assert "My checklist items: due in the next 14 days" in page
    # Overdue items are one collapsible group, by event, with their number.
    group = page[page.index('<details class="overdue-group">'):page.index("</details>")]
    assert re.search(r"<summary>Overdue: \d+ items? past their due date</summary>", group)
    assert overdue.item.prompt in group and event.title in group
    switch(client, make_user(Role.PLANNER))  # not assigned: nothing due for them
    assert "My checklist items" not in text(client.get("/"))


def test_dashboard_shows_the_soonest_due_items_and_says_how_many_there_are(
        app, client, staff, make_event):
    planner = staff[Role.PLANNER]
    soon = datetime.now(UTC) + timedelta(days=2)
    event = make_event(planner, planner_id=planner.id, starts_at=soon)
    _, overdue_total, _, _ = readiness.due_for(planner, datetime.now(UTC), 14)
    assert overdue_total > 3
    app.config["DASHBOARD_LIST_MAX"] = 3
    login(client, planner)
    page = text(client.get("/"))
    group = page[page.index('<details class="overdue-group">'):page.index("</details>")]
    assert f"Overdue: {overdue_total} items past their due date" in group
    assert group.count("(was due ") == 3
    assert f"{event.title}</a>: 3 overdue" in group
    first = entry_for(event.id, "pre.counter_events")
    assert first.item.prompt in group


def test_dashboard_lists_pending_reviews_for_privacy_officer(client, staff, event):
    flagged = entry_for(event.id, "pre.undercover")
    services.answer(staff[Role.LEADERSHIP], flagged, "yes", JUSTIFICATION, NOW)
    db.session.commit()
    login(client, staff[Role.PRIVACY_OFFICER])
    page = text(client.get("/"))
    assert "Red flags waiting for my review" in page
    assert flagged.item.prompt in page
