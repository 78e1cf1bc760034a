"""SECURITY.md U-3: the audit trail is a hash chain; `audit verify` finds any change."""

import pytest
from sqlalchemy import text

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.audit import chain
from tracker.audit import services as audit
from tracker.audit.models import AuditRecord
from tracker.extensions import db


@pytest.fixture
def trail(make_user, make_event):
    """A few dozen real records: accounts, an event with its checklist."""
    planner = make_user(Role.PLANNER)
    for n in range(3):
        make_event(planner, title=f"Event {n}")
    audit.record(planner, "audit.read", "audit_trail", now=NOW)
    db.session.commit()
    ids = [row[0] for row in db.session.execute(text("SELECT id FROM audit_record "
                                                     "ORDER BY id"))]
    assert len(ids) >= 8
    return ids


def _raw(sql: str, **params) -> None:
    """Tamper as an attacker with database access would: straight SQL, no ORM."""
    db.session.execute(text(sql), params)
    db.session.commit()
    db.session.expire_all()


def test_intact_trail_verifies(trail):
    verdict = chain.verify()
    assert verdict.ok and verdict.checked == len(trail)


def test_each_record_links_to_the_previous(trail):
    rows = db.session.execute(text("SELECT prev_hash, hash FROM audit_record ORDER BY id"))
    previous = chain.GENESIS
    for prev_hash, digest in rows:
        assert prev_hash == previous
        previous = digest


@pytest.mark.parametrize("column", ["action", "object_id", "outcome", "source_address",
                                    "actor_label", "request_id"])
def test_a_one_character_change_is_found(trail, column):
    target = trail[len(trail) // 2]
    # The column name comes from the parametrize list above, never from input.
    _raw(f"UPDATE audit_record SET {column} = {column} || 'x' WHERE id = :i", i=target)  # noqa: S608
    verdict = chain.verify()
    assert not verdict.ok and verdict.first_broken_id == target


def test_changed_time_or_changes_are_found(trail):
    _raw("UPDATE audit_record SET changes = '{\"kind\": \"changed\"}' WHERE id = :i",
         i=trail[2])
    assert chain.verify().first_broken_id == trail[2]


def test_a_removed_record_is_found(trail):
    _raw("DELETE FROM audit_record WHERE id = :i", i=trail[3])
    verdict = chain.verify()
    assert not verdict.ok and verdict.first_broken_id == trail[4]


def test_records_cut_off_the_end_are_found(trail):
    _raw("DELETE FROM audit_record WHERE id = :i", i=trail[-1])
    verdict = chain.verify()
    assert not verdict.ok and verdict.first_broken_id is None
    assert "end" in verdict.reason


def test_a_rehashed_record_still_breaks_the_next_link(trail):
    """Recomputing one record's hash after editing it does not hide the edit."""
    target = trail[1]
    _raw("UPDATE audit_record SET outcome = 'denied' WHERE id = :i", i=target)
    row = db.session.get(AuditRecord, target)
    forged = chain.link(row.prev_hash, row)
    _raw("UPDATE audit_record SET hash = :h WHERE id = :i", h=forged, i=target)
    assert chain.verify().first_broken_id == trail[2]


def test_cli_reports_first_broken_link(trail, runner):
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and f"{len(trail)} records verified" in ok.output
    _raw("UPDATE audit_record SET action = 'x' WHERE id = :i", i=trail[5])
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"record {trail[5]}" in broken.output
