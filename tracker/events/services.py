"""Event services: create, edit, delete drafts, move through the lifecycle, and find."""

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from tracker import inputs, versioning
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from tracker.events import approvals, lifecycle, rules, signals
from tracker.events.models import (
    Event,
    EventKind,
    EventStatus,
    EventStatusChange,
    InformationSource,
    PermitStatus,
)
from tracker.extensions import db

# Fields whose values may be copied into the audit trail: none of them can hold a
# person's details. Free-text fields are recorded as "changed" only.
AUDITED_VALUES = (
    "kind", "starts_at", "ends_at", "attendance_low", "attendance_high", "permit_status",
    "information_source", "planner_id", "liaison_id", "related_ids", "status",
)
# Changes to these fields move reminders and calendar entries.
TIME_FIELDS = {"starts_at", "ends_at"}


@dataclass
class EventData:
    """The plain values of an event as a planner enters them."""

    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    information_source: str
    permit_status: str
    route_description: str = ""
    attendance_low: int | None = None
    attendance_high: int | None = None
    permit_reference: str = ""
    permit_conditions: str = ""
    organizing_group: str = ""
    logistics_notes: str = ""
    planner_id: int | None = None
    liaison_id: int | None = None
    related_ids: list[int] = field(default_factory=list)


def _check_choice(name: str, value: str, enum) -> str:
    try:
        return enum(value).value
    except ValueError as exc:
        raise ValidationError(name, "Choose one of the listed options.") from exc


def _check_assignee(name: str, user_id: int | None, role: Role) -> None:
    if user_id is None:
        return
    user = db.session.get(User, user_id)
    if user is None or not user.active or role not in user.roles:
        raise ValidationError(name, f"Choose an active user with the {role.label} role.")


def _clean(data: EventData, event_id: int | None) -> EventData:
    if data.starts_at is None:
        raise ValidationError("starts_at", "Enter the start date and time.")
    if data.ends_at is None:
        raise ValidationError("ends_at", "Enter the end date and time.")
    rules.check_times(data.starts_at, data.ends_at)
    for name in ("starts_at", "ends_at"):
        if not inputs.in_window(getattr(data, name)):
            raise ValidationError(name, inputs.DATE_MESSAGE)
    rules.check_attendance(data.attendance_low, data.attendance_high)
    _check_assignee("planner_id", data.planner_id, Role.PLANNER)
    _check_assignee("liaison_id", data.liaison_id, Role.LIAISON)
    related = sorted(set(data.related_ids or []))
    if event_id is not None and event_id in related:
        raise ValidationError("related_ids", "An event cannot be related to itself.")
    return EventData(
        title=rules.check_text("title", data.title, rules.TITLE_MAX, required=True),
        kind=_check_choice("kind", data.kind, EventKind),
        starts_at=data.starts_at.astimezone(UTC),
        ends_at=data.ends_at.astimezone(UTC),
        venue=rules.check_text("venue", data.venue, rules.VENUE_MAX, required=True),
        information_source=_check_choice(
            "information_source", data.information_source, InformationSource),
        permit_status=_check_choice("permit_status", data.permit_status, PermitStatus),
        route_description=rules.check_text(
            "route_description", data.route_description, rules.LONG_TEXT_MAX),
        attendance_low=data.attendance_low,
        attendance_high=data.attendance_high,
        permit_reference=rules.check_text(
            "permit_reference", data.permit_reference, rules.REFERENCE_MAX),
        permit_conditions=rules.check_text(
            "permit_conditions", data.permit_conditions, rules.LONG_TEXT_MAX),
        organizing_group=rules.check_text(
            "organizing_group", data.organizing_group, rules.SHORT_TEXT_MAX),
        logistics_notes=rules.check_text(
            "logistics_notes", data.logistics_notes, rules.LONG_TEXT_MAX),
        planner_id=data.planner_id,
        liaison_id=data.liaison_id,
        related_ids=related,
    )


def _related_events(ids: list[int]) -> list[Event]:
    if not ids:
        return []
    found = list(db.session.scalars(select(Event).where(Event.id.in_(ids))))
    if len(found) != len(ids):
        raise ValidationError("related_ids", "A related event no longer exists.")
    return found


def _snapshot(event: Event) -> dict:
    values = {name: getattr(event, name) for name in EventData.__dataclass_fields__
              if name != "related_ids"}
    values["related_ids"] = sorted(e.id for e in event.related)
    return values


def _apply(event: Event, data: EventData) -> None:
    for name, value in asdict(data).items():
        if name != "related_ids":
            setattr(event, name, value)
    event.related = _related_events(data.related_ids)


def require_planner(actor: User) -> None:
    if not actor.has_role(Role.PLANNER):
        raise Forbidden("Only planners can change event records.")


def create_event(actor: User, data: EventData, now: datetime) -> Event:
    require_planner(actor)
    clean = _clean(data, event_id=None)
    event = Event(status=EventStatus.DRAFT.value, created_by_id=actor.id,
                  created_at=now, updated_at=now)
    _apply(event, clean)
    db.session.add(event)
    db.session.flush()
    event.status_changes.append(
        EventStatusChange(from_status=None, to_status=event.status, actor_id=actor.id, at=now))
    audit.record(actor, "event.create", "event", event.id,
                 changes=audit.diff({}, _snapshot(event), AUDITED_VALUES), now=now)
    signals.announce_created(event, actor, now, _snapshot(event))
    return event


def update_event(actor: User, event: Event, data: EventData, now: datetime,
                 version: int | None = None) -> set[str]:
    """Apply the edit made from `version` of the event (a Conflict if it has been saved
    since); returns the names of the fields that changed."""
    require_planner(actor)
    versioning.check(event, version, "event")
    if event.status_enum in lifecycle.FINAL_STATES:
        raise ValidationError(None, "A closed or cancelled event can no longer be edited.")
    clean = _clean(data, event_id=event.id)
    before = _snapshot(event)
    _apply(event, clean)
    after = _snapshot(event)
    changes = audit.diff(before, after, AUDITED_VALUES)
    if not changes:
        return set()
    event.updated_at = now
    db.session.flush()
    audit.record(actor, "event.update", "event", event.id, changes=changes, now=now)
    signals.announce_changed(event, actor, now, signals.ChangeSet.of(before, after))
    approvals.apply_material_change(actor, event, before, after, now)
    return set(changes)


def preview_material_changes(actor: User, event: Event, data: EventData
                             ) -> list[approvals.Change]:
    """What saving `data` would change in the approved plan, without saving: the edit
    form asks for confirmation when this is not empty."""
    require_planner(actor)
    clean = _clean(data, event_id=event.id)
    after = asdict(clean)
    return approvals.pending_changes(event, _snapshot(event), after)


def delete_event(actor: User, event: Event, now: datetime) -> None:
    require_planner(actor)
    if event.status_enum is not EventStatus.DRAFT:
        raise ValidationError(None, "Only drafts can be deleted. Cancel the event instead.")
    event_id = event.id
    signals.event_deleted.send(event_id, actor=actor, now=now)
    db.session.delete(event)
    db.session.flush()
    audit.record(actor, "event.delete", "event", event_id, now=now)


def transition(actor: User, event: Event, target: EventStatus, now: datetime,
               note: str = "") -> None:
    if not lifecycle.can_transition(event, target):
        raise InvalidTransition(
            f"An event that is {event.status_label.lower()} cannot move to that status.")
    roles = lifecycle.roles_for(event, target)
    if not actor.has_role(*roles):
        raise Forbidden("Your role cannot make this change: it needs "
                        + " or ".join(r.label for r in roles) + ".")
    missing = lifecycle.unmet(event, target)
    if missing:
        raise InvalidTransition("This change is blocked until the following are done:", missing)
    note = rules.check_text("note", note, rules.LONG_TEXT_MAX)
    previous = event.status_enum
    event.status = target.value
    event.updated_at = now
    event.status_changes.append(EventStatusChange(
        from_status=previous.value, to_status=target.value, actor_id=actor.id, at=now,
        note=note))
    db.session.flush()
    audit.record(actor, "event.status_change", "event", event.id, now=now,
                 changes={"status": {"from": previous.value, "to": target.value}})
    if target is EventStatus.PLAN_APPROVED:
        approvals.record_approval(actor, event, _snapshot(event), note, now)
    signals.announce_status(event, actor, now, previous)


def cancel_event(actor: User, event: Event, reason: str, now: datetime) -> None:
    """Cancelling is final, so it says why: the reason goes in the status history and
    to everyone told of it."""
    reason = rules.check_text("reason", reason, rules.LONG_TEXT_MAX, required=True)
    transition(actor, event, EventStatus.CANCELLED, now, note=reason)


def approval_state(event: Event) -> bool | None:
    """Whether the event's content still matches its latest approval (None: never
    approved)."""
    return approvals.matches_latest(event, _snapshot(event))


def get_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    return event


@dataclass(frozen=True)
class EventFilter:
    """Which events a list, a feed or a page shows: the one event query with filters."""

    since: datetime | None = None
    until: datetime | None = None
    kind: str | None = None
    status: str | None = None
    assigned_to: int | None = None
    #: only these events (None: any)
    ids: frozenset[int] | None = None
    #: leave cancelled events out ...
    without_cancelled: bool = False
    #: ... or keep only those cancelled since this instant
    cancelled_since: datetime | None = None


def filtered(filters: EventFilter) -> Select:
    """Events matching `filters`, by start then id."""
    # Lists show the planner's and liaison's names only: their roles load if ever asked.
    stmt = select(Event).options(selectinload(Event.planner).lazyload(User.role_rows),
                                 selectinload(Event.liaison).lazyload(User.role_rows))
    if filters.since:
        stmt = stmt.where(Event.ends_at >= filters.since)
    if filters.until:
        stmt = stmt.where(Event.starts_at < filters.until)
    if filters.kind:
        stmt = stmt.where(Event.kind == filters.kind)
    if filters.status:
        stmt = stmt.where(Event.status == filters.status)
    if filters.assigned_to:
        stmt = stmt.where(or_(Event.planner_id == filters.assigned_to,
                              Event.liaison_id == filters.assigned_to))
    if filters.ids is not None:
        stmt = stmt.where(Event.id.in_(filters.ids))
    cancelled = EventStatus.CANCELLED.value
    if filters.without_cancelled:
        stmt = stmt.where(Event.status != cancelled)
    elif filters.cancelled_since is not None:
        stmt = stmt.where(or_(Event.status != cancelled,
                              Event.updated_at >= filters.cancelled_since))
    return stmt.order_by(Event.starts_at, Event.id)


def _not_cancelled(assigned_to: int | None) -> Select:
    return filtered(EventFilter(assigned_to=assigned_to, without_cancelled=True))


def _under_way(now: datetime):
    """Started before `now` and not ended. The start is wrapped so that databases look
    these up through the end-time index (few events end after now) rather than walking
    every past event in the start index."""
    return (func.coalesce(Event.starts_at, Event.starts_at) < now) & (Event.ends_at >= now)


def upcoming(now: datetime, days: int, assigned_to: int | None = None,
             limit: int | None = None) -> list[Event]:
    return upcoming_and_total(now, days, assigned_to, limit)[0]


def upcoming_and_total(now: datetime, days: int, assigned_to: int | None = None,
                       limit: int | None = None) -> tuple[list[Event], int]:
    """Events under way or starting within `days`, soonest first (at most `limit`), and
    how many there are in all. Asked as two range queries (one ordered by start walks the
    whole start index on SQLite); the events under way are read once, for the list and
    the total."""
    base = _not_cancelled(assigned_to)
    horizon = now + timedelta(days=days)
    starting = base.where(Event.starts_at >= now, Event.starts_at < horizon)
    under_way = list(db.session.scalars(base.where(_under_way(now)).order_by(None)))
    found = [*under_way, *db.session.scalars(starting.limit(limit))]
    found.sort(key=lambda e: (e.starts_at, e.id))
    if limit is not None and len(found) >= limit:
        total = len(under_way) + (db.session.scalar(
            starting.order_by(None).with_only_columns(func.count(Event.id))) or 0)
    else:
        total = len(found)
    return found[:limit], total


def relation_candidates(event: Event | None, limit: int = 200) -> list[Event]:
    """Events a planner may link as related or counter-events: open ones, soonest first,
    plus whatever the event already links to."""
    stmt = (select(Event)
            .where(Event.status.in_([s.value for s in lifecycle.OPEN_STATES]))
            .order_by(Event.starts_at).limit(limit))
    if event is not None and event.id is not None:
        stmt = stmt.where(Event.id != event.id)
    found = {e.id: e for e in db.session.scalars(stmt)}
    for linked in (event.related if event is not None else []):
        found.setdefault(linked.id, linked)
    return sorted(found.values(), key=lambda e: e.starts_at)


def needing_attention(user: User, now: datetime, days: int, limit: int = 50
                      ) -> dict[str, list[Event]]:
    """What each of the user's roles should look at now, keyed by a heading that says
    what it covers; at most `limit` events each, soonest first, whatever their date."""
    sections: dict[str, list[Event]] = {}
    if user.has_role(Role.PLANNER, Role.LIAISON):
        # One range walk per assignment (the planner and liaison indexes by start) and a
        # merge: an OR of the two would sort every event the user was ever assigned.
        done = [EventStatus.CANCELLED.value, EventStatus.CLOSED.value]
        found = {e.id: e for column in (Event.planner_id, Event.liaison_id)
                 for e in db.session.scalars(filtered(EventFilter()).where(
                     column == user.id, Event.status.not_in(done)).limit(limit))}
        sections["My open events (planner or liaison), all dates, soonest first"] = sorted(
            found.values(), key=lambda e: (e.starts_at, e.id))[:limit]
    if user.has_role(Role.LEADERSHIP):
        stmt = filtered(EventFilter()).where(Event.status == EventStatus.PLANNING.value)
        sections["Plans awaiting approval, all dates, soonest first"] = list(
            db.session.scalars(stmt.limit(limit)))
    return sections
