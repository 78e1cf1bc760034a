"""SECURITY.md R-4, repeated submits: a creating form's one-time token makes a repeated
submit (double click, reload, resend) answer with the first result, never a second
record: events, outreach contacts, red-flag review decisions and feed links."""

from sqlalchemy import func, insert, select

from tests.conftest import NOW, login
from tests.support.forms import main_form
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.calendar.models import CalendarFeed
from tracker.checklist import services as checklist
from tracker.checklist.models import RedFlagReview
from tracker.db import utcnow
from tracker.events import services as events
from tracker.events.models import Event
from tracker.extensions import db
from tracker.once import FormSubmission
from tracker.outreach.models import OutreachContact


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def audited(action: str) -> int:
    return db.session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.action == action))


def three_times(client, url, form) -> list:
    responses = [client.post(url, data=form) for _ in range(3)]
    return [(r.status_code, r.headers.get("Location")) for r in responses]


def event_form(client) -> dict:
    form = main_form(client.get("/events/new"))
    form.update(title=["Vigil in the park"], kind=["vigil"], venue=["Central park"],
                starts_at=["2026-12-05T18:00"], ends_at=["2026-12-05T20:00"])
    return form


def test_event_form_posted_three_times_makes_one_event(client, login_as):
    login_as(Role.PLANNER)
    form = event_form(client)
    assert form["submit_token"][0]
    answers = three_times(client, "/events/new", form)
    assert count(Event) == 1
    event_id = db.session.scalar(select(Event.id))
    assert answers == [(302, f"/events/{event_id}")] * 3
    assert audited("event.create") == 1
    # A new form is a new token: a second event on purpose is still possible.
    assert client.post("/events/new", data=event_form(client)).status_code == 302
    assert count(Event) == 2


def test_outreach_contact_posted_three_times_makes_one(client, login_as, make_event):
    event = make_event()
    login_as(Role.LIAISON)
    url = f"/events/{event.id}/outreach/new"
    form = main_form(client.get(url))
    form.update(contacted_at=["2026-11-20T10:00"], summary=["Route agreed."])
    answers = three_times(client, url, form)
    assert answers == [(302, f"/events/{event.id}/outreach")] * 3
    assert count(OutreachContact) == 1


def test_review_decision_posted_three_times_is_decided_once(client, login_as, make_user,
                                                             make_event):
    planner = make_user(Role.PLANNER)
    event = make_event(actor=planner)
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "pre.info_gathering_scope")
    checklist.answer(planner, entry, "yes", "A documented predicate and written approval.",
                     NOW)
    db.session.commit()
    review = checklist.current_review(entry)
    login_as(Role.PRIVACY_OFFICER)
    url = f"/reviews/{review.id}"
    form = main_form(client.get(url))
    form.update(decision=["approved"], note=["Justified by the predicate."])
    answers = three_times(client, url, form)
    assert answers == [(302, "/reviews/")] * 3
    assert audited("red_flag.decide") == 1
    assert db.session.get(RedFlagReview, review.id).status == "approved"


def test_feed_form_posted_three_times_makes_one_feed(client, login_as):
    login_as(Role.PLANNER)
    form = main_form(client.get("/calendar/feeds/new"))
    form.update(name=["Approved events"])
    first = client.post("/calendar/feeds/new", data=form)
    assert first.status_code == 200 and "webcal://" in first.get_data(as_text=True)
    again = [client.post("/calendar/feeds/new", data=form) for _ in range(2)]
    assert [(r.status_code, r.headers["Location"]) for r in again] == [
        (302, "/calendar/feeds")] * 2
    assert count(CalendarFeed) == 1
    # The link is not shown again: only its hash is kept.
    assert "webcal://" not in client.get("/calendar/feeds").get_data(as_text=True)


def test_a_submit_racing_the_first_answers_with_its_page(client, login_as, monkeypatch):
    """Both submits found the token unused; the other committed first. This one fails
    on the token's key, keeps nothing of its own and answers with the other's page."""
    user = login_as(Role.PLANNER)
    form = event_form(client)
    original = events.create_event

    def the_other_submit_commits_first(actor, data, now):
        with db.engine.begin() as other:
            other.execute(insert(FormSubmission).values(
                token=form["submit_token"][0], user_id=user.id, location="/events/77",
                created_at=utcnow()))
        return original(actor, data, now)

    monkeypatch.setattr(events, "create_event", the_other_submit_commits_first)
    response = client.post("/events/new", data=form)
    assert (response.status_code, response.headers["Location"]) == (302, "/events/77")
    assert count(Event) == 0


def test_a_token_of_someone_else_is_refused(app, client, login_as, make_user):
    login_as(Role.PLANNER)
    form = event_form(client)
    assert client.post("/events/new", data=form).status_code == 302
    other = app.test_client()
    login(other, make_user(Role.PLANNER))
    response = other.post("/events/new", data=form)
    assert response.status_code == 400
    assert "already used by someone else" in response.get_data(as_text=True)
    assert count(Event) == 1


def test_a_form_without_a_token_is_still_saved(client, login_as):
    login_as(Role.PLANNER)
    form = {k: v for k, v in event_form(client).items() if k != "submit_token"}
    assert client.post("/events/new", data=form).status_code == 302
    assert client.post("/events/new", data=form).status_code == 302
    assert count(Event) == 2
