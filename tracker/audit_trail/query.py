"""Searching the audit trail: the filters of the trail page and its CSV export.

Here rather than in tracker/audit: finding the records about one event reaches into the
checklist and outreach tables, and those areas write audit records themselves."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, and_, cast, or_, select

from tracker.audit.models import AuditRecord
from tracker.checklist.models import ChecklistEntry, EventChecklist, RedFlagReview
from tracker.outreach.models import OutreachContact


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    event_id: int | None = None


def _as_text(ids: Select) -> Select:
    return select(cast(ids.subquery().c[0], String))


def _about_event(event_id: int):
    """Records about one event: the event itself, its checklist answers and red-flag
    reviews, and its outreach contacts (object ids are stored as text)."""
    entries = (select(ChecklistEntry.id).join(EventChecklist)
               .where(EventChecklist.event_id == event_id))
    return or_(
        and_(AuditRecord.object_type == "event", AuditRecord.object_id == str(event_id)),
        and_(AuditRecord.object_type == "checklist_entry",
             AuditRecord.object_id.in_(_as_text(entries))),
        and_(AuditRecord.object_type == "red_flag_review",
             AuditRecord.object_id.in_(_as_text(select(RedFlagReview.id).where(
                 RedFlagReview.entry_id.in_(entries))))),
        and_(AuditRecord.object_type == "outreach_contact",
             AuditRecord.object_id.in_(_as_text(select(OutreachContact.id).where(
                 OutreachContact.event_id == event_id)))),
    )


def query(filters: AuditFilter) -> Select:
    stmt = select(AuditRecord)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditRecord.actor_id == filters.actor_id)
    if filters.action:
        stmt = stmt.where(AuditRecord.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditRecord.object_type == filters.object_type)
    if filters.object_id:
        stmt = stmt.where(AuditRecord.object_id == filters.object_id)
    if filters.outcome:
        stmt = stmt.where(AuditRecord.outcome == filters.outcome)
    if filters.event_id is not None:
        stmt = stmt.where(_about_event(filters.event_id))
    if filters.since:
        stmt = stmt.where(AuditRecord.at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditRecord.at < filters.until)
    return stmt.order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
