"""Products reviewed before release: services (tracker/records/products.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tracker.audit.models import AuditRecord
from tracker.errors import Conflict, Forbidden, ValidationError
from tracker.extensions import db
from tracker.records import dissemination, products
from tracker.records.product_models import VersionStatus

BODY = ("Situational awareness: a permitted march of about 300 people on Main Street, "
        "10:00 to 12:00. Source: the permit application (reliable).")
GOOD = {"q_protected_without_nexus": False, "q_identifies_by_views": False,
        "q_sources_stated": True, "q_distribution_limited": True}
RELEASE = products.Release(recipient_agency="County Emergency Management",
                           recipient_role="Duty officer",
                           need_to_know="Plans road closures and EMS staging for the march.",
                           authority="Mutual-aid agreement 2024-3", method="secure_email")


def draft(**overrides):
    values = {"title": "March on Main Street: logistics", "body": BODY,
              "recipients": "County Emergency Management, duty officer",
              "caveats": "Law enforcement sensitive"}
    values.update(overrides)
    return products.Draft(**values)


def _actions(object_id):
    return [r.action for r in db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "product",
                                  AuditRecord.object_id == str(object_id))
        .order_by(AuditRecord.id))]


def test_returned_edited_approved_released_and_frozen(people):
    p = people
    product = products.create(p["liaison"], p["event"], "bulletin", draft(), NOW)
    v1 = product.latest
    products.submit(p["liaison"], v1, NOW)
    products.review(p["privacy"], v1, "returned", {**GOOD, "q_sources_stated": False},
                    "State the source of the crowd estimate.", NOW)
    db.session.commit()
    assert v1.status == VersionStatus.RETURNED
    with pytest.raises(ValidationError):  # a returned version is not released
        products.release(p["planner"], v1, RELEASE, NOW)

    v2 = products.revise(p["planner"], product, draft(body=BODY + " Estimate: organizers."),
                         NOW + timedelta(hours=1))
    assert (v2.number, v2.status, v1.status) == (2, "draft", "returned")
    assert "organizers" not in v1.body  # the reviewed text stays as it was
    products.submit(p["planner"], v2, NOW)
    products.review(p["privacy"], v2, "approved", GOOD, "", NOW + timedelta(hours=2))
    row = products.release(p["planner"], v2, RELEASE, NOW + timedelta(hours=3))
    db.session.commit()

    assert v2.status == VersionStatus.RELEASED and v2.released_by_id == p["planner"].id
    logged = dissemination.for_event(p["event"].id)
    assert [r.id for r in logged] == [row.id]
    assert (logged[0].what_kind, logged[0].what_ref) == ("product",
                                                         f"product {product.id} version 2")
    # Frozen: a change is a new version needing review; release of it is refused.
    v3 = products.revise(p["planner"], product, draft(title="Updated"), NOW)
    assert v3.number == 3 and v2.title == "March on Main Street: logistics"
    with pytest.raises(ValidationError):
        products.release(p["planner"], v2, RELEASE, NOW)
    with pytest.raises(ValidationError):
        products.release(p["planner"], v3, RELEASE, NOW)
    db.session.commit()
    assert _actions(product.id) == ["product.create", "product.submit", "product.review",
                                    "product.new_version", "product.submit",
                                    "product.review", "product.release",
                                    "product.new_version"]
    # No product text in the audit trail.
    texts = " ".join(str(r.changes) for r in db.session.scalars(select(AuditRecord)))
    assert "Main Street" not in texts and "organizers" not in texts


def test_approval_needs_the_approvable_answers_and_every_answer(people):
    p = people
    version = products.create(p["planner"], p["event"], "briefing", draft(), NOW).latest
    products.submit(p["planner"], version, NOW)
    with pytest.raises(ValidationError) as err:
        products.review(p["privacy"], version, "approved",
                        {**GOOD, "q_identifies_by_views": True}, "", NOW)
    assert err.value.field == "decision"
    with pytest.raises(ValidationError) as err:
        products.review(p["privacy"], version, "approved",
                        {**GOOD, "q_sources_stated": None}, "", NOW)
    assert err.value.field == "q_sources_stated"
    with pytest.raises(ValidationError) as err:  # returning needs a comment
        products.review(p["privacy"], version, "returned", GOOD, "  ", NOW)
    assert err.value.field == "note"
    with pytest.raises(ValidationError):
        products.review(p["privacy"], version, "released", GOOD, "x", NOW)
    products.review(p["privacy"], version, "rejected", GOOD, "Labels a group.", NOW)
    with pytest.raises(ValidationError):  # rejected is final
        products.revise(p["planner"], version.product, draft(), NOW)


@pytest.mark.parametrize("who", ["leader", "admin", "privacy", "other_planner"])
def test_only_the_events_planner_or_liaison_writes(people, who):
    with pytest.raises(Forbidden):
        products.create(people[who], people["event"], "bulletin", draft(), NOW)


@pytest.mark.parametrize("who", ["leader", "admin", "planner", "liaison"])
def test_only_a_privacy_officer_reviews(people, who):
    version = products.create(people["planner"], people["event"], "bulletin", draft(),
                              NOW).latest
    products.submit(people["planner"], version, NOW)
    with pytest.raises(Forbidden):
        products.review(people[who], version, "approved", GOOD, "", NOW)


@pytest.mark.parametrize(("field", "overrides"), [
    ("title", {"title": ""}), ("title", {"title": "x" * 201}),
    ("title", {"title": "line\nbreak"}), ("body", {"body": "short"}),
    ("body", {"body": "nul\x00" * 10}), ("recipients", {"recipients": ""}),
    ("caveats", {"caveats": "c" * 2001}),
])
def test_bad_drafts_name_their_field(people, field, overrides):
    with pytest.raises(ValidationError) as err:
        products.create(people["planner"], people["event"], "bulletin", draft(**overrides),
                        NOW)
    assert err.value.field == field


def test_bad_kind_and_states(people):
    p = people
    with pytest.raises(ValidationError) as err:
        products.create(p["planner"], p["event"], "dossier", draft(), NOW)
    assert err.value.field == "kind"
    product = products.create(p["planner"], p["event"], "bulletin", draft(), NOW)
    with pytest.raises(ValidationError):  # a draft is not reviewed
        products.review(p["privacy"], product.latest, "approved", GOOD, "", NOW)
    products.submit(p["planner"], product.latest, NOW)
    with pytest.raises(ValidationError):  # under review: no edits, no second submit
        products.revise(p["planner"], product, draft(), NOW)
    with pytest.raises(ValidationError):
        products.submit(p["planner"], product.latest, NOW)


def test_a_stale_edit_is_a_conflict(people):
    product = products.create(people["planner"], people["event"], "bulletin", draft(), NOW)
    db.session.commit()
    seen = product.latest.version
    products.revise(people["liaison"], product, draft(title="First"), NOW, seen)
    db.session.commit()
    with pytest.raises(Conflict):
        products.revise(people["planner"], product, draft(title="Second"), NOW, seen)


def test_a_closed_event_takes_no_new_products(people):
    people["event"].status = "closed"
    db.session.commit()
    with pytest.raises(ValidationError):
        products.create(people["planner"], people["event"], "bulletin", draft(), NOW)


def test_the_demo_parade_has_a_reviewed_product_and_an_expired_authorization(runner):
    from tracker.db import utcnow
    from tracker.events.models import Event
    from tracker.records import authorizations
    from tracker.timezones import local_date

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent
    event = db.session.scalars(select(Event).where(
        Event.title == "Broadway holiday parade")).one()
    [product] = products.for_event(event.id)
    assert [(v.number, v.status) for v in product.versions] == [(1, "returned"),
                                                                (2, "released")]
    assert product.versions[0].review_note and product.versions[1].reviewed_by_id
    [row] = authorizations.for_event(event.id)
    today = local_date(utcnow())
    assert row.status == "authorized" and row.state_label(today) == "Expired"
    assert [w.categories for w in row.work] == [["threats_of_violence",
                                                 "traffic_and_closures"]]
