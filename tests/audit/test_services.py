"""The audit service: record contents, the change summary, append-only rows."""

from datetime import UTC, datetime

import pytest

from tests.conftest import NOW
from tracker.audit import services as audit
from tracker.audit.context import Origin, set_origin
from tracker.audit.models import AuditIsAppendOnly
from tracker.extensions import db


def test_record_has_every_required_field(make_user):
    user = make_user()
    set_origin(Origin(source_address="203.0.113.9", request_id="req-1"))
    row = audit.record(user, "event.update", "event", 7, changes={"kind": "changed"},
                       now=NOW)
    db.session.commit()
    assert (row.at, row.actor_id, row.action, row.object_type, row.object_id, row.outcome,
            row.source_address, row.request_id) == (
        NOW, user.id, "event.update", "event", "7", "success", "203.0.113.9", "req-1")
    assert row.at.tzinfo is UTC


def test_diff_copies_only_value_fields():
    before = {"status": "draft", "title": "Old", "starts_at": datetime(2026, 1, 1, tzinfo=UTC)}
    after = {"status": "planning", "title": "Secret new", "starts_at": before["starts_at"]}
    assert audit.diff(before, after, value_fields={"status"}) == {
        "status": {"from": "draft", "to": "planning"}, "title": "changed"}


def test_rows_cannot_be_changed_or_deleted(make_user):
    row = audit.record(make_user(), "x", "y", now=NOW)
    db.session.commit()
    row.action = "rewritten"
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(row)
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()
