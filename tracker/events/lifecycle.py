"""The event lifecycle: which status changes exist, who may make them, and what must be
true first. Every transition goes through allowed_transitions()/unmet() here, so later
areas (the checklist) add their conditions through events/registry.py instead of editing
views.
"""

from dataclasses import dataclass

from tracker.accounts.roles import Role
from tracker.events import registry
from tracker.events.models import Event, EventStatus

S = EventStatus

OPEN_STATES = {S.DRAFT, S.PLANNING, S.PLAN_APPROVED, S.IN_PROGRESS, S.POSTPONED}
FINAL_STATES = {S.CLOSED, S.CANCELLED}
PLANNERS = (Role.PLANNER,)
APPROVERS = (Role.LEADERSHIP,)

# (from, to) -> roles that may make the change
TRANSITIONS: dict[tuple[EventStatus, EventStatus], tuple[Role, ...]] = {
    (S.DRAFT, S.PLANNING): PLANNERS,
    (S.PLANNING, S.PLAN_APPROVED): APPROVERS,
    (S.PLAN_APPROVED, S.PLANNING): PLANNERS + APPROVERS,
    (S.PLAN_APPROVED, S.IN_PROGRESS): PLANNERS,
    (S.IN_PROGRESS, S.CONCLUDED): PLANNERS,
    (S.CONCLUDED, S.CLOSED): PLANNERS,
    (S.POSTPONED, S.PLANNING): PLANNERS,
}
for _state in OPEN_STATES:
    TRANSITIONS[(_state, S.CANCELLED)] = PLANNERS + APPROVERS
    if _state not in (S.POSTPONED, S.IN_PROGRESS):
        TRANSITIONS[(_state, S.POSTPONED)] = PLANNERS + APPROVERS

ACTION_LABELS = {
    S.PLANNING: "Start planning",
    S.PLAN_APPROVED: "Approve plan",
    S.IN_PROGRESS: "Mark in progress",
    S.CONCLUDED: "Mark concluded",
    S.CLOSED: "Close record",
    S.CANCELLED: "Cancel event",
    S.POSTPONED: "Postpone event",
}


# Where the same target means something else from another state.
SPECIAL_LABELS = {
    (S.PLAN_APPROVED, S.PLANNING): "Send back to planning",
    (S.POSTPONED, S.PLANNING): "Resume planning",
}


def action_label(event: Event, target: EventStatus) -> str:
    return SPECIAL_LABELS.get((event.status_enum, target), ACTION_LABELS[target])


@dataclass(frozen=True)
class Unmet:
    """One condition that stops a transition, with where to go to fix it."""

    message: str
    endpoint: str | None = None
    values: tuple[tuple[str, object], ...] = ()


def _assignment_gate(event: Event, target: EventStatus) -> list[Unmet]:
    """A plan is approved only with a planner and a liaison (the organizers' point of
    contact) named."""
    if target is not S.PLAN_APPROVED:
        return []
    edit = (("event_id", event.id),)
    missing = []
    if event.planner_id is None:
        missing.append(Unmet("Assign a planner to the event.", "events.edit", edit))
    if event.liaison_id is None:
        missing.append(Unmet("Name a liaison officer as the organizers' point of contact.",
                             "events.edit", edit))
    return missing


registry.register_gate(_assignment_gate)


def can_transition(event: Event, target: EventStatus) -> bool:
    return (event.status_enum, target) in TRANSITIONS


def roles_for(event: Event, target: EventStatus) -> tuple[Role, ...]:
    return TRANSITIONS.get((event.status_enum, target), ())


def allowed_targets(event: Event) -> list[EventStatus]:
    current = event.status_enum
    order = list(EventStatus)
    return sorted((to for (frm, to) in TRANSITIONS if frm is current), key=order.index)


def unmet(event: Event, target: EventStatus) -> list[Unmet]:
    return registry.gate_results(event, target)
