"""Plan approvals bound to what was approved, and what a later change to it means.

The material fields are listed here and nowhere else: they make up the approved content
(with what other areas add through register_content, e.g. the checklist's answers), and
a change to any of them after approval sends the plan back (or, while the event is in
progress, is flagged and announced).
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.events import signals
from tracker.events.models import (
    Event,
    EventKind,
    EventStatus,
    EventStatusChange,
    MaterialChange,
    PermitStatus,
    PlanApproval,
)
from tracker.extensions import db
from tracker.labels import label
from tracker.timezones import format_local

S = EventStatus

#: The material fields of an event, in the order people read them, with their labels.
MATERIAL_FIELDS: dict[str, str] = {
    "starts_at": "Start",
    "ends_at": "End",
    "venue": "Venue or address",
    "route_description": "Route",
    "attendance_low": "Expected attendance, low estimate",
    "attendance_high": "Expected attendance, high estimate",
    "kind": "Kind of event",
    "permit_status": "Permit status",
    "permit_conditions": "Permit conditions",
    "related_ids": "Related events and counter-events",
    "planner_id": "Assigned planner",
    "liaison_id": "Assigned liaison officer",
}
#: A material change in these states returns the plan to planning ...
REOPENING_STATES = {S.PLAN_APPROVED}
#: ... and in these it keeps the status but is flagged and announced.
FLAGGED_STATES = {S.IN_PROGRESS}

ContentProvider = Callable[[Event], object]
_content_providers: dict[str, ContentProvider] = {}


def register_content(name: str, provider: ContentProvider) -> None:
    """A higher area adds its part of the approved content (JSON-ready values)."""
    _content_providers[name] = provider


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str

    def as_dict(self) -> dict:
        return {"field": self.field, "label": self.label, "old": self.old, "new": self.new}

    @property
    def sentence(self) -> str:
        return f"{self.label}: {self.old} \u2192 {self.new}"


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def material_values(values: dict) -> dict:
    """The material fields of an event snapshot (services._snapshot), JSON-ready."""
    return {name: _plain(values.get(name)) for name in MATERIAL_FIELDS}


def content_of(event: Event, snapshot: dict) -> dict:
    content = {"event": material_values(snapshot)}
    for name, provider in sorted(_content_providers.items()):
        content[name] = provider(event)
    return content


def fingerprint(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def latest(event: Event) -> PlanApproval | None:
    return event.approvals[-1] if event.approvals else None


def record_approval(actor: User, event: Event, snapshot: dict, note: str,
                    now: datetime) -> PlanApproval:
    content = content_of(event, snapshot)
    version = (db.session.scalar(
        select(PlanApproval.version).where(PlanApproval.event_id == event.id)
        .order_by(PlanApproval.version.desc()).limit(1)) or 0) + 1
    approval = PlanApproval(event_id=event.id, version=version, approved_by_id=actor.id,
                            approved_at=now, note=note, fingerprint=fingerprint(content),
                            content=content)
    event.approvals.append(approval)
    db.session.flush()
    audit.record(actor, "event.approve", "event", event.id, now=now,
                 changes={"version": version, "fingerprint": approval.fingerprint})
    return approval


def matches_latest(event: Event, snapshot: dict) -> bool | None:
    """Whether the content now is what the latest approval signed; None if never approved."""
    approval = latest(event)
    if approval is None:
        return None
    return fingerprint(content_of(event, snapshot)) == approval.fingerprint


# ---- changes, in words ------------------------------------------------------------------


def _user_name(user_id) -> str:
    user = db.session.get(User, user_id) if user_id is not None else None
    return user.display_name if user else "unassigned"


def _event_titles(ids) -> str:
    if not ids:
        return "none"
    found = {e.id: e.title for e in db.session.scalars(select(Event).where(Event.id.in_(ids)))}
    return "; ".join(found.get(i, f"a deleted event (#{i})") for i in ids)


def describe(name: str, value) -> str:
    """A material field's value as a person reads it."""
    if name in ("starts_at", "ends_at"):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return format_local(value) if value else "not set"
    if name in ("planner_id", "liaison_id"):
        return _user_name(value)
    if name == "related_ids":
        return _event_titles(value)
    if name == "kind":
        return label(EventKind(value))
    if name == "permit_status":
        return label(PermitStatus(value))
    if name in ("attendance_low", "attendance_high"):
        return "not estimated" if value is None else f"{value:,}"
    text = (value or "").strip()
    return f"\u201c{text}\u201d" if text else "none"


def changes_between(before: dict, after: dict) -> list[Change]:
    old, new = material_values(before), material_values(after)
    return [Change(name, text, describe(name, old[name]), describe(name, new[name]))
            for name, text in MATERIAL_FIELDS.items() if old[name] != new[name]]


def pending_changes(event: Event, before: dict, after: dict) -> list[Change]:
    """What saving `after` would change that matters to the approval (empty when the
    event's status does not make any change material)."""
    if event.status_enum not in REOPENING_STATES | FLAGGED_STATES:
        return []
    return changes_between(before, after)


def would_reopen(event: Event) -> bool:
    return event.status_enum in REOPENING_STATES


def apply_material_change(actor: User, event: Event, before: dict, after: dict,
                          now: datetime) -> MaterialChange | None:
    """After an edit: record a material change; a plan-approved event goes back to
    planning with a status-history note listing each change."""
    return apply_changes(actor, event, pending_changes(event, before, after), now)


def apply_changes(actor: User, event: Event, changes: list[Change],
                  now: datetime) -> MaterialChange | None:
    """Record changes to the approved content (an event field, or a part another area
    registered with register_content, e.g. a new version of the operations plan): the
    same rule as for the event's own material fields."""
    if not changes or event.status_enum not in REOPENING_STATES | FLAGGED_STATES:
        return None
    reopen = would_reopen(event)
    approval = latest(event)
    record = MaterialChange(event_id=event.id, approval_id=approval.id if approval else None,
                            actor_id=actor.id, at=now, status=event.status, reopened=reopen,
                            changes=[c.as_dict() for c in changes])
    event.material_changes.append(record)
    previous = event.status_enum
    if reopen:
        event.status = S.PLANNING.value
        since = f" (approved version {approval.version})" if approval else ""
        note = ("Returned to planning: the approved plan" + since + " changed, so it needs "
                "a new approval.\n" + "\n".join(c.sentence for c in changes))
        event.status_changes.append(EventStatusChange(
            from_status=previous.value, to_status=event.status, actor_id=actor.id, at=now,
            note=note))
    db.session.flush()
    audit.record(actor, "event.plan_reopened" if reopen else "event.changed_in_progress",
                 "event", event.id, now=now,
                 changes={"fields": [c.field for c in changes],
                          "status": {"from": previous.value, "to": event.status}})
    if reopen:
        signals.announce_status(event, actor, now, previous, material_change=record)
    signals.material_changed.send(event, actor=actor, now=now, change=record)
    return record


def changes_since_approval(event: Event) -> list[MaterialChange]:
    """Material changes made after the latest approval (all of them if never approved)."""
    approval = latest(event)
    return [c for c in event.material_changes
            if approval is None or c.approval_id == approval.id]
