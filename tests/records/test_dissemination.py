"""The dissemination log: who may record a release, what it must say, and its audit."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.errors import Forbidden, ValidationError
from tracker.extensions import db
from tracker.records import dissemination

RELEASE = {"what_kind": "summary", "what_ref": "Post-event summary v1",
           "recipient_agency": "County Emergency Management",
           "recipient_role": "Duty officer",
           "need_to_know": "Coordinates road closures for the next march on this route.",
           "authority": "Mutual-aid agreement 2024-3", "method": "secure_email"}


@pytest.fixture
def staffed_event(make_user, make_event):
    planner, liaison = make_user(Role.PLANNER), make_user(Role.LIAISON)
    event = make_event(planner, planner_id=planner.id, liaison_id=liaison.id)
    return event, planner, liaison


def test_the_events_planner_and_liaison_record_releases(staffed_event):
    event, planner, liaison = staffed_event
    first = dissemination.record_release(planner, event, now=NOW, **RELEASE)
    second = dissemination.record_release(liaison, event, now=NOW + timedelta(minutes=5),
                                          **{**RELEASE, "method": "in_person"})
    db.session.commit()
    assert [r.id for r in dissemination.for_event(event.id)] == [second.id, first.id]
    assert first.released_by_id == planner.id and first.released_at == NOW
    audit = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "dissemination.record")).all()
    assert len(audit) == 2
    assert audit[0].changes["what_kind"] == "summary"
    # The recipient and the reasons are free text: never copied into the audit trail.
    assert "County" not in str(audit[0].changes)


@pytest.mark.parametrize("role", [Role.PLANNER, Role.LIAISON, Role.LEADERSHIP,
                                  Role.PRIVACY_OFFICER, Role.ADMIN])
def test_nobody_else_records_releases(staffed_event, make_user, role):
    event, _, _ = staffed_event
    with pytest.raises(Forbidden):
        dissemination.record_release(make_user(role), event, now=NOW, **RELEASE)


@pytest.mark.parametrize("field, value", [
    ("what_kind", "gossip"), ("method", "carrier pigeon"), ("recipient_agency", ""),
    ("recipient_role", "  "), ("need_to_know", "because"), ("authority", "a\nb"),
    ("what_ref", "x" * 201), ("recipient_agency", "nul\x00"),
])
def test_bad_values_are_field_errors(staffed_event, field, value):
    event, planner, _ = staffed_event
    with pytest.raises(ValidationError) as caught:
        dissemination.record_release(planner, event, now=NOW, **{**RELEASE, field: value})
    assert caught.value.field == field


def test_a_release_in_the_future_is_refused(staffed_event):
    event, planner, _ = staffed_event
    with pytest.raises(ValidationError) as caught:
        dissemination.record_release(planner, event, now=NOW,
                                     released_at=NOW + timedelta(days=1), **RELEASE)
    assert caught.value.field == "released_at"


def test_a_caller_with_its_own_rules_may_skip_the_writer_check(staffed_event, make_user):
    event, _, _ = staffed_event
    officer = make_user(Role.PRIVACY_OFFICER)
    row = dissemination.record_release(officer, event, now=NOW, check_access=False,
                                       **{**RELEASE, "what_kind": "product",
                                          "what_ref": "Product 7 version 2"})
    assert row.released_by_id == officer.id
