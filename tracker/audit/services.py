"""Writing and reading the audit trail.

record() adds the row to the caller's session: it commits or rolls back together with the
change it describes, so there is no change without its audit record. It takes no lock:
the sealer (tracker/audit/sealing.py) later puts committed records into signed blocks.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from tracker.audit.context import current_origin
from tracker.audit.models import AuditRecord
from tracker.db import utcnow
from tracker.extensions import db

SUCCESS = "success"
FAILURE = "failure"
DENIED = "denied"


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    return f"user:{actor.id}"


def record(
    actor,
    action: str,
    object_type: str,
    object_id=None,
    *,
    outcome: str = SUCCESS,
    changes: dict | None = None,
    now: datetime | None = None,
    label: str | None = None,
) -> AuditRecord:
    origin = current_origin()
    row = AuditRecord(
        at=(now or utcnow()).astimezone(UTC),
        actor_id=actor.id if actor is not None else None,
        actor_label=label or actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        outcome=outcome,
        source_address=origin.source_address,
        request_id=origin.request_id,
        changes=changes or None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def diff(before: dict, after: dict, value_fields: Iterable[str]) -> dict:
    """Field-level change summary. Only `value_fields` have their values copied;
    every other changed field is named with "changed" so free text never lands here."""
    copy_values = set(value_fields)
    summary = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in copy_values:
            summary[name] = {"from": _plain(old), "to": _plain(new)}
        else:
            summary[name] = "changed"
    return summary


def _plain(value):
    if isinstance(value, date):  # dates and datetimes
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(_plain(v) for v in value)
    return value


def distinct_values(column) -> list[str]:
    return list(db.session.scalars(select(column).group_by(column).order_by(column)))


def count() -> int:
    return db.session.scalar(select(func.count(AuditRecord.id))) or 0


def recent_problems(since: datetime) -> dict[str, int]:
    """Counts a privacy officer watches: failed sign-ins and refused requests."""
    rows = db.session.execute(
        select(AuditRecord.outcome, func.count(AuditRecord.id))
        .where(AuditRecord.at >= since, AuditRecord.outcome != SUCCESS)
        .group_by(AuditRecord.outcome)
    )
    counts = {FAILURE: 0, DENIED: 0}
    counts.update(dict(rows.all()))
    return counts
