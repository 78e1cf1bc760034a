"""Social-media and open-source authorizations: services
(tracker/records/authorizations.py)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tracker.audit.models import AuditRecord
from tracker.errors import Forbidden, ValidationError
from tracker.extensions import db
from tracker.records import authorizations as auth

TODAY = NOW.date()  # 15:00 UTC: the same day in the agency zone


def req(**overrides):
    values = {"level": "monitoring", "purpose": "Timing, route and expected size of the march.",
              "predicate_reference": "Case 2026-0412", "platforms": ["social_networks"],
              "starts_on": TODAY, "ends_on": TODAY + timedelta(days=3)}
    values.update(overrides)
    return auth.Request(**values)


def authorized(people, **overrides):
    row = auth.request(people["liaison"], people["event"], req(**overrides), NOW)
    auth.authorize(people["leader"], row, True, "", NOW)
    auth.concur(people["privacy"], row, True, "", NOW)
    db.session.commit()
    return row


def test_authorized_by_leadership_and_concurred_in_either_order(people):
    row = auth.request(people["planner"], people["event"], req(), NOW)
    auth.concur(people["privacy"], row, True, "", NOW)
    assert row.status == "requested"
    assert row.state_label(TODAY) == "Waiting for leadership"
    auth.authorize(people["leader"], row, True, "Predicate on file.", NOW)
    assert row.status == "authorized" and row.in_force(TODAY)
    actions = [r.action for r in db.session.scalars(select(AuditRecord).where(
        AuditRecord.object_type == "online_authorization").order_by(AuditRecord.id))]
    assert actions == ["online_authorization.request", "online_authorization.privacy",
                       "online_authorization.leadership"]


def test_either_side_declining_refuses(people):
    row = auth.request(people["planner"], people["event"], req(), NOW)
    with pytest.raises(ValidationError) as err:  # declining needs a note
        auth.authorize(people["leader"], row, False, "", NOW)
    assert err.value.field == "note"
    auth.authorize(people["leader"], row, False, "No predicate for monitoring.", NOW)
    assert row.status == "refused"
    with pytest.raises(ValidationError):
        auth.concur(people["privacy"], row, True, "", NOW)


def test_expires_by_itself_on_its_date(people):
    row = authorized(people, starts_on=TODAY, ends_on=TODAY + timedelta(days=2))
    last_day = TODAY + timedelta(days=2)
    assert row.in_force(last_day) and row.state_label(last_day) == "In force"
    day_after = last_day + timedelta(days=1)
    assert not row.in_force(day_after) and row.expired(day_after)
    assert row.state_label(day_after) == "Expired"
    later = NOW + timedelta(days=3)
    # Work on the last day is accepted even when logged later; a day after it is not.
    auth.log_work(people["liaison"], row, last_day, "social_networks", ["timing"], later)
    with pytest.raises(ValidationError) as err:
        auth.log_work(people["liaison"], row, day_after, "social_networks", ["timing"], later)
    assert err.value.field == "worked_on"


def test_work_records_dates_and_categories_only(people):
    row = authorized(people, platforms=["social_networks", "news_sites"])
    entry = auth.log_work(people["planner"], row, TODAY, "news_sites",
                          ["route_and_site", "expected_size", "route_and_site"], NOW)
    assert entry.categories == ["expected_size", "route_and_site"]
    for bad, field in [({"platform": "video_sites"}, "platform"),
                       ({"categories": ["participants"]}, "categories"),
                       ({"categories": []}, "categories"),
                       ({"worked_on": TODAY + timedelta(days=1)}, "worked_on"),
                       ({"worked_on": None}, "worked_on"),
                       ({"worked_on": date(1, 1, 1)}, "worked_on")]:
        args = {"worked_on": TODAY, "platform": "news_sites", "categories": ["timing"], **bad}
        with pytest.raises(ValidationError) as err:
            auth.log_work(people["planner"], row, args["worked_on"], args["platform"],
                          args["categories"], NOW)
        assert err.value.field == field, bad


def test_no_work_before_authorization_or_after_withdrawal(people):
    row = auth.request(people["planner"], people["event"], req(), NOW)
    with pytest.raises(ValidationError):
        auth.log_work(people["planner"], row, TODAY, "social_networks", ["timing"], NOW)
    auth.authorize(people["leader"], row, True, "", NOW)
    auth.concur(people["privacy"], row, True, "", NOW)
    auth.withdraw(people["planner"], row, NOW)
    with pytest.raises(ValidationError):
        auth.log_work(people["planner"], row, TODAY, "social_networks", ["timing"], NOW)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"level": "hacking"}, "level"),
    ({"predicate_reference": ""}, "predicate_reference"),
    ({"purpose": "short"}, "purpose"),
    ({"platforms": []}, "platforms"), ({"platforms": ["someone's account"]}, "platforms"),
    ({"starts_on": None}, "starts_on"), ({"ends_on": None}, "ends_on"),
    ({"starts_on": TODAY - timedelta(days=1)}, "starts_on"),
    ({"ends_on": TODAY - timedelta(days=1)}, "ends_on"),
    ({"ends_on": TODAY + timedelta(days=90)}, "ends_on"),
    ({"ends_on": date(9999, 1, 1)}, "ends_on"),
])
def test_bad_requests_name_their_field(people, overrides, field):
    with pytest.raises(ValidationError) as err:
        auth.request(people["planner"], people["event"], req(**overrides), NOW)
    assert err.value.field == field


def test_reading_public_notices_needs_no_predicate(people):
    row = auth.request(people["planner"], people["event"], req(
        level="public_notices", predicate_reference=""), NOW)
    assert row.predicate_reference == ""


@pytest.mark.parametrize(("who", "call"), [
    ("other_liaison", "request"), ("leader", "request"), ("privacy", "request"),
    ("admin", "request"), ("privacy", "authorize"), ("planner", "authorize"),
    ("admin", "authorize"), ("leader", "concur"), ("liaison", "concur"),
    ("admin", "concur"),
])
def test_who_may_do_what(people, who, call):
    actor = people[who]
    with pytest.raises(Forbidden):
        if call == "request":
            auth.request(actor, people["event"], req(), NOW)
        else:
            row = auth.request(people["planner"], people["event"], req(), NOW)
            getattr(auth, call)(actor, row, True, "", NOW)


def test_checklist_answers_from_the_authorizations(people):
    event = people["event"]
    assert auth.gathering_beyond_logistics(event) == "no"
    assert auth.authorization_summary(event).startswith("No online work")
    authorized(people, level="public_notices", predicate_reference="")
    assert auth.gathering_beyond_logistics(event) == "no"
    authorized(people)
    assert auth.gathering_beyond_logistics(event) == "yes"
    assert "Monitoring of public posts" in auth.authorization_summary(event)


def test_the_checklist_item_reads_the_authorizations(people):
    from tracker.checklist import services as checklist

    event = people["event"]
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "pre.check_authorization")
    assert checklist.why_not_answerable(people["planner"], entry, NOW).startswith(
        "This item is answered from the social-media")
    row = authorized(people)
    db.session.refresh(entry)
    assert entry.value.startswith("Monitoring of public posts")
    assert entry.history[-1].from_record
    auth.withdraw(people["planner"], row, NOW)  # no work done under it: no longer counts
    db.session.commit()
    db.session.refresh(entry)
    assert entry.value == "No online work beyond public notices was authorized."
