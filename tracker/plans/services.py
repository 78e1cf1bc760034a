"""The operations plan: drafts, submission, approval with the event, comparison, copies.

Only the event's assigned planner writes its plan. Leadership approves it by approving
the event (tracker/events/lifecycle): the version submitted at that moment becomes the
approved one, and its content hash is part of the approval's fingerprint. Editing after
that makes a new draft, which is a change to the approved content (approvals.apply_changes:
a plan-approved event goes back to planning, a running one is flagged).
"""

import copy
import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tracker import versioning
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events import approvals, lifecycle
from tracker.events.models import Event
from tracker.extensions import db
from tracker.plans import attachments, geo
from tracker.plans import geo as plan_map
from tracker.plans import sections as S
from tracker.plans.models import OperationsPlan, PlanVersion, VersionStatus

V = VersionStatus
KEEP = object()  # save_draft: keep the map as it is


def may_write(user: User, event: Event) -> bool:
    """The event's assigned planner writes its plan and its after-action report (any
    planner while no planner is assigned, as for the event record itself)."""
    return user.has_role(Role.PLANNER) and event.planner_id in (None, user.id)


def require_writer(actor: User, event: Event) -> None:
    if not may_write(actor, event):
        raise Forbidden("Only the event's assigned planner writes its operations plan.")
    if event.status_enum in lifecycle.FINAL_STATES:
        raise ValidationError(None, "The plan of a closed or cancelled event is final.")


def find_plan(event_id: int) -> OperationsPlan | None:
    return db.session.scalar(select(OperationsPlan).where(OperationsPlan.event_id == event_id))


def get_version(plan: OperationsPlan | None, number: int) -> PlanVersion:
    found = next((v for v in plan.versions if v.number == number), None) if plan else None
    if found is None:
        raise NotFound("No such version of the plan.")
    return found


def latest_approved(plan: OperationsPlan | None) -> PlanVersion | None:
    if plan is None:
        return None
    return next((v for v in reversed(plan.versions) if v.status == V.APPROVED.value), None)


def _new_plan(actor: User, event: Event, now: datetime,
              copied_from: Event | None = None) -> OperationsPlan:
    plan = OperationsPlan(event_id=event.id, created_by_id=actor.id, created_at=now,
                          copied_from_event_id=copied_from.id if copied_from else None)
    db.session.add(plan)
    db.session.flush()
    audit.record(actor, "plan.create", "operations_plan", plan.id, now=now,
                 changes={"event_id": event.id,
                          "copied_from_event_id": plan.copied_from_event_id})
    return plan


def _add_version(actor: User, plan: OperationsPlan, sections: dict, map_geojson: str | None,
                 now: datetime) -> PlanVersion:
    number = (plan.latest.number if plan.latest else 0) + 1
    version = PlanVersion(number=number, status=V.DRAFT.value, sections=sections,
                          map_geojson=map_geojson,
                          content_hash=S.content_hash(sections, map_geojson),
                          created_by_id=actor.id, created_at=now)
    plan.versions.append(version)
    db.session.flush()
    audit.record(actor, "plan.version_create", "plan_version", version.id, now=now,
                 changes={"event_id": plan.event_id, "number": number,
                          "content_hash": version.content_hash})
    return version


def save_draft(actor: User, event: Event, raw_sections: dict, now: datetime,
               expected_version: int | None = None, map_geojson=KEEP) -> PlanVersion:
    """Save the plan's sections (and, given, its map: GeoJSON text, checked here by the
    map's own validation, so every caller stores only a valid plan map). Edits the
    current draft; after submission or approval starts a new draft. `expected_version`
    is the version (record version) the form was opened from: a different one is a
    Conflict."""
    require_writer(actor, event)
    sections = S.clean(raw_sections)
    plan = find_plan(event.id) or _new_plan(actor, event, now)
    latest = plan.latest
    if latest is not None:
        versioning.check(latest, expected_version, "operations plan")
    geo = ((latest.map_geojson if latest else None) if map_geojson is KEEP
           else plan_map.clean(map_geojson))
    new_hash = S.content_hash(sections, geo)
    if latest is not None and latest.content_hash == new_hash:
        return latest
    if latest is not None and latest.is_draft:
        latest.sections, latest.map_geojson, latest.content_hash = sections, geo, new_hash
        latest.updated_by_id, latest.updated_at = actor.id, now
        db.session.flush()
        audit.record(actor, "plan.version_update", "plan_version", latest.id, now=now,
                     changes={"event_id": event.id, "number": latest.number,
                              "content_hash": new_hash})
        return latest
    if latest is not None and latest.status == V.SUBMITTED.value:
        latest.status = V.SUPERSEDED.value  # withdrawn: the new draft replaces it
    version = _add_version(actor, plan, sections, geo, now)
    if latest is not None:
        attachments.carry_forward(latest, version)  # the documents stay with the plan
        approvals.apply_changes(actor, event, [approvals.Change(
            "operations_plan", "Operations plan",
            f"version {latest.number} ({latest.status})",
            f"version {version.number} (draft)")], now)
    return version


def submit(actor: User, event: Event, now: datetime,
           expected_version: int | None = None) -> PlanVersion:
    """Send the draft to leadership: it is frozen and approving the event approves it."""
    require_writer(actor, event)
    plan = find_plan(event.id)
    latest = plan.latest if plan else None
    if latest is None:
        raise ValidationError(None, "Write the plan before submitting it.")
    versioning.check(latest, expected_version, "operations plan")
    if not latest.is_draft:
        raise ValidationError(None, f"Version {latest.number} is already {latest.status}.")
    latest.status = V.SUBMITTED.value
    latest.submitted_by_id, latest.submitted_at = actor.id, now
    db.session.flush()
    audit.record(actor, "plan.submit", "plan_version", latest.id, now=now,
                 changes={"event_id": event.id, "number": latest.number,
                          "content_hash": latest.content_hash})
    return latest


def on_approved(event: Event, actor: User, now: datetime) -> PlanVersion | None:
    """The event was approved: its submitted plan version is the approved one now."""
    plan = find_plan(event.id)
    latest = plan.latest if plan else None
    if latest is None or latest.status not in (V.SUBMITTED.value, V.APPROVED.value):
        return None
    for version in plan.versions:
        if version is not latest and version.status == V.APPROVED.value:
            version.status = V.SUPERSEDED.value
    latest.status = V.APPROVED.value
    approval = approvals.latest(event)
    latest.approval_id = approval.id if approval else None
    db.session.flush()
    audit.record(actor, "plan.approve", "plan_version", latest.id, now=now,
                 changes={"event_id": event.id, "number": latest.number,
                          "content_hash": latest.content_hash})
    return latest


def approval_content(event: Event) -> dict | None:
    """The plan's part of the approved content: its current version and content hash."""
    plan = find_plan(event.id)
    latest = plan.latest if plan else None
    if latest is None:
        return None
    return {"version": latest.number, "content_hash": latest.content_hash}


def unmet_for_approval(event: Event) -> str | None:
    plan = find_plan(event.id)
    latest = plan.latest if plan else None
    if latest is None:
        return "Write the operations plan and submit it for approval."
    if latest.is_draft:
        return f"Submit the operations plan (version {latest.number}) for approval."
    if latest.status == V.SUPERSEDED.value:
        return "Submit the operations plan for approval."
    return None


# ---- a plan from an earlier event ---------------------------------------------------


def copy_candidates(event: Event, limit: int = 200) -> list[Event]:
    """Other events that have a plan, most recent first."""
    stmt = (select(Event).join(OperationsPlan, OperationsPlan.event_id == Event.id)
            .where(Event.id != event.id).order_by(Event.starts_at.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def copy_from(actor: User, event: Event, source: Event, now: datetime) -> PlanVersion:
    """Start `event`'s plan as a copy of `source`'s (its approved version, else its latest):
    the sections and the map only. Attachments, outreach and anything about people stay
    with the source event."""
    require_writer(actor, event)
    if source.id == event.id:
        raise ValidationError("source_id", "Choose another event.")
    existing = find_plan(event.id)
    if existing is not None and existing.versions:
        raise ValidationError("source_id", "This event already has a plan: edit it instead.")
    source_plan = find_plan(source.id)
    original = latest_approved(source_plan) or (source_plan.latest if source_plan else None)
    if original is None:
        raise ValidationError("source_id", "That event has no plan to copy.")
    plan = existing or _new_plan(actor, event, now, copied_from=source)
    plan.copied_from_event_id = source.id
    sections = S.clean(copy.deepcopy(original.sections))
    version = _add_version(actor, plan, sections, original.map_geojson, now)
    audit.record(actor, "plan.copy", "operations_plan", plan.id, now=now,
                 changes={"event_id": event.id, "from_event_id": source.id,
                          "from_version": original.number})
    return version


# ---- comparing two versions -----------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    tag: str  # equal, replace, delete, insert
    left: str
    right: str


@dataclass(frozen=True)
class SectionDiff:
    title: str
    rows: list[DiffRow]

    @property
    def changed(self) -> bool:
        return any(r.tag != "equal" for r in self.rows)


def _map_lines(version: PlanVersion) -> list[str]:
    """One line per place on the map (tracker/plans/geo.py), so a comparison marks the
    shapes that were added, removed, moved or relabelled."""
    lines = [f"{f.number}. {f.kind_label}: {f.label or '(no label)'} ({f.shape}, {f.where})"
             for f in geo.features(version.map_geojson)]
    return lines or ["No map."]


def compare(old: PlanVersion, new: PlanVersion) -> list[SectionDiff]:
    """Side by side, section by section: each line of the older version beside the newer,
    marked equal, changed (replace), removed (delete) or added (insert)."""
    left = [*S.render_lines(old.sections), ("Map", _map_lines(old))]
    right = [*S.render_lines(new.sections), ("Map", _map_lines(new))]
    result = []
    for (title, a), (_, b) in zip(left, right, strict=True):
        rows = []
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                rows += [DiffRow("equal", x, x) for x in a[i1:i2]]
                continue
            olds, news = a[i1:i2], b[j1:j2]
            for k in range(max(len(olds), len(news))):
                o = olds[k] if k < len(olds) else ""
                n = news[k] if k < len(news) else ""
                rows.append(DiffRow("replace" if o and n else ("delete" if o else "insert"),
                                    o, n))
        result.append(SectionDiff(title, rows))
    return result


def status_label(version: PlanVersion) -> str:
    return version.status.capitalize()
