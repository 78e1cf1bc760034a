"""The dissemination log: each release of event information outside the agency
(28 CFR 23.20(e)): what, to whom (agency and role), the need to know and the authority,
who released it, when and how.

Other areas record their releases through record_release (a product's release records
its rows here); the planner or liaison records the others through the records page.
"""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import inputs
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.checklist import services as checklist
from tracker.errors import ValidationError
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.records import access
from tracker.records.models import DisseminationRecord, ReleaseKind, ReleaseMethod
from tracker.records.text import choice, text

NEED_TO_KNOW_MIN = 10
# Values safe to copy into the audit trail: none can hold a person's details.
AUDITED_VALUES = ("what_kind", "method", "released_at")


def record_release(actor: User, event: Event, *, what_kind: str, what_ref: str,
                   recipient_agency: str, recipient_role: str, need_to_know: str,
                   authority: str, method: str, now: datetime,
                   released_at: datetime | None = None,
                   check_access: bool = True) -> DisseminationRecord:
    """Record one release (flushes, audits; the caller commits). `released_at` defaults
    to `now`. `check_access=False` is for a caller that has already decided who may
    release (a product's release, whose own rules apply); the actor is still recorded."""
    if check_access:
        access.require_writer(actor, event)
    if event.status == EventStatus.CLOSED:
        raise ValidationError(None, "The event's record is closed.")
    released_at = released_at or now
    if not inputs.in_window(released_at):
        raise ValidationError("released_at", inputs.DATE_MESSAGE)
    if released_at > now + timedelta(hours=1):
        raise ValidationError("released_at", "Record releases that have taken place: the "
                                             "time is in the future.")
    row = DisseminationRecord(
        event_id=event.id,
        what_kind=choice("what_kind", what_kind, ReleaseKind),
        what_ref=text("what_ref", what_ref, 200, single_line=True),
        recipient_agency=text("recipient_agency", recipient_agency, 200, single_line=True),
        recipient_role=text("recipient_role", recipient_role, 120, single_line=True),
        need_to_know=text("need_to_know", need_to_know, 2000, minimum=NEED_TO_KNOW_MIN),
        authority=text("authority", authority, 200, single_line=True),
        method=choice("method", method, ReleaseMethod),
        released_by_id=actor.id, released_at=released_at, recorded_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "dissemination.record", "dissemination_record", row.id, now=now,
                 changes={"event_id": event.id, "what_kind": row.what_kind,
                          "method": row.method, "released_at": released_at.isoformat()})
    checklist.sync_from_sources(event, actor, now)
    return row


def for_event(event_id: int) -> list[DisseminationRecord]:
    stmt = (select(DisseminationRecord).where(DisseminationRecord.event_id == event_id)
            .options(selectinload(DisseminationRecord.released_by))
            .order_by(DisseminationRecord.released_at.desc(), DisseminationRecord.id.desc()))
    return list(db.session.scalars(stmt))


def count_for_event(event_id: int) -> int:
    return len(for_event(event_id))
