"""Internal exports of an event already audited elsewhere (the outreach CSV, the IAP PDF
when it exists), read from the audit trail to list them beside the dissemination log.
They stay inside the agency, so they are not disseminations; listing them shows the
privacy officer every copy that left the tracker."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tracker.accounts.models import User
from tracker.audit.models import AuditRecord
from tracker.extensions import db

# Audit actions of exports about one event (object "event", id = the event's id).
# Another area adds its own with register_export (e.g. the IAP PDF).
_EXPORTS: dict[str, str] = {"outreach.export": "Outreach log (CSV)"}


def register_export(action: str, label: str) -> None:
    _EXPORTS[action] = label


@dataclass(frozen=True)
class InternalExport:
    at: datetime
    what: str
    who: str


def for_event(event_id: int, limit: int = 200) -> list[InternalExport]:
    stmt = (select(AuditRecord)
            .where(AuditRecord.action.in_(list(_EXPORTS)),
                   AuditRecord.object_type == "event",
                   AuditRecord.object_id == str(event_id),
                   AuditRecord.outcome == "success")
            .order_by(AuditRecord.at.desc(), AuditRecord.id.desc()).limit(limit))
    rows = list(db.session.scalars(stmt))
    ids = {row.actor_id for row in rows if row.actor_id is not None}
    names = dict(db.session.execute(select(User.id, User.display_name)
                                    .where(User.id.in_(ids))).all()) if ids else {}
    return [InternalExport(row.at, _EXPORTS[row.action],
                           names.get(row.actor_id, row.actor_label)) for row in rows]
