"""SECURITY.md U-5: the audit trail is kept at least a year, even after personal data is
purged. Nothing in the tracker deletes audit records: every scheduled job and the purge
run over a trail whose oldest records are 400 days old, and every record stays, unchanged
and sealed into blocks that verify."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tracker import scheduler
from tracker.accounts.roles import Role
from tracker.audit import chain, keys, verification
from tracker.audit import services as audit
from tracker.audit.models import AuditRecord
from tracker.events.models import Event
from tracker.extensions import db
from tracker.outreach import services as outreach
from tracker.outreach.models import OutreachContact


def _trail():
    return [(r.id, chain.record_hash(r)) for r in db.session.scalars(
        select(AuditRecord).order_by(AuditRecord.id))]


def test_purge_and_every_scheduled_job_keep_the_whole_trail(app, make_user, make_event):
    long_ago = datetime.now(UTC) - timedelta(days=400)
    liaison = make_user(Role.LIAISON)
    old_event = make_event(starts_at=long_ago)
    contact = outreach.create_contact(liaison, old_event, outreach.ContactData(
        contacted_at=long_ago, method="phone", purpose="route", person_name="Canary Person",
        consent=True), long_ago, retention_days=30)
    db.session.commit()
    # Records from 400 and 364 days ago: beyond and inside the year.
    for days in (400, 364):
        audit.record(None, "event.update", "event", old_event.id,
                     now=datetime.now(UTC) - timedelta(days=days))
    db.session.commit()
    event_id, contact_id = old_event.id, contact.id
    before = _trail()
    about_contact = db.session.scalars(select(AuditRecord.id).where(
        AuditRecord.object_type == "outreach_contact")).all()
    assert about_contact

    for name in scheduler.JOBS:
        scheduler.run_job(app, name)

    db.session.expire_all()
    assert db.session.get(OutreachContact, contact_id).person_name is None  # purged
    after = _trail()
    assert after[:len(before)] == before  # every record kept, byte for byte
    assert set(about_contact) <= {row_id for row_id, _hash in after}
    report = verification.verify(keys.AuditSettings.from_config(app.config,
                                                                app.instance_path))
    assert report.ok and report.unsealed == 0  # the scheduler's audit-seal job ran
    assert report.sealed == len(after)
    assert db.session.get(Event, event_id) is not None
