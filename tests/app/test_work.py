"""The one unit of work (tracker/work.py), the label helper (tracker/labels.py) and the
public address (tracker/links.py)."""

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tests.conftest import NOW
from tracker import links, work
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.audit.models import AuditRecord
from tracker.errors import Conflict, Race, ValidationError
from tracker.events.models import Event, EventKind, EventStatus
from tracker.extensions import db
from tracker.labels import choices, label
from tracker.outreach.models import ContactPurpose
from tracker.reminders.models import ReminderKind


def _actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))


def test_a_unit_commits_on_success(app):
    with work.unit():
        audit.record(None, "test.kept", "test", None, now=NOW)
    work.discard()  # nothing left to roll back: it was committed
    assert "test.kept" in _actions()
    record = work.run(lambda: audit.record(None, "test.run", "test", None, now=NOW))
    assert record.action == "test.run"  # what the action returned
    assert _actions()[-1] == "test.run"


def test_a_unit_rolls_back_and_passes_a_domain_error_on(app):
    with pytest.raises(ValidationError), work.unit():
        audit.record(None, "test.dropped", "test", None, now=NOW)
        raise ValidationError("name", "bad")
    assert "test.dropped" not in _actions()


def test_a_database_error_rolls_back_and_goes_on(app, make_user):
    user = make_user(Role.PLANNER)

    def duplicate():
        audit.record(None, "test.dropped", "test", None, now=NOW)
        db.session.add(User(email=user.email, display_name="Twin", created_at=NOW))
        db.session.flush()

    with pytest.raises(IntegrityError):
        work.run(duplicate)
    assert "test.dropped" not in _actions()
    # The session is usable again: the failed unit left nothing behind.
    work.run(lambda: audit.record(None, "test.after", "test", None, now=NOW))
    assert _actions()[-1] == "test.after"


def test_a_race_on_a_versioned_record_is_a_conflict(app, make_event):
    event = make_event()
    # Someone else saves the event after this session loaded it.
    with db.engine.begin() as other:
        other.execute(update(Event).where(Event.id == event.id)
                      .values(version=Event.version + 1))
    with pytest.raises(Race) as raised, work.unit():
        event.title = "Saved from an older version"
    assert isinstance(raised.value, Conflict) and raised.value.message == work.RACE_MESSAGE
    db.session.expire_all()
    assert db.session.get(Event, event.id).title != "Saved from an older version"


def test_labels_name_values_once_for_every_area():
    assert label(EventStatus.PLAN_APPROVED) == "Plan approved"  # the default
    assert label(EventKind.COUNTER_DEMONSTRATION) == "Counter-demonstration"  # named
    assert Role.PRIVACY_OFFICER.label == "Privacy (P/CRCL) officer"
    # Members of different enums sharing a value keep their own names.
    assert ContactPurpose.FOLLOW_UP == ReminderKind.FOLLOW_UP
    assert (ContactPurpose.FOLLOW_UP.label, ReminderKind.FOLLOW_UP.label) == (
        "Follow-up", "Outreach follow-ups")
    assert choices(Role)[0] == ("admin", "Administrator")


def test_the_public_address_comes_from_the_setting_then_the_request():
    assert links.public_base("https://t.example.gov/", "http://h/") == "https://t.example.gov"
    assert links.public_base(None, "http://h:8000/") == "http://h:8000"
    assert links.public_base(None, "http://h:8000/", scheme="https") == "https://h:8000"
    assert links.public_base(None, None, "http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert links.public_base(None, None) is None


def test_the_public_address_at_a_boundary(app):
    app.config["PUBLIC_BASE_URL"] = None
    with app.test_request_context(base_url="http://tracker.local:8080/"):
        assert links.public_url("/events/1") == "http://tracker.local:8080/events/1"
    with app.app_context():
        assert links.current_base() == app.config["LOCAL_BASE_URL"]
        assert links.current_base(local=False) is None
    app.config["PUBLIC_BASE_URL"] = "https://tracker.example.gov/"
    with app.test_request_context(base_url="http://tracker.local:8080/"):
        assert links.public_url("/x", scheme="https") == "https://tracker.example.gov/x"
