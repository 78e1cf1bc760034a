"""How the checklist hooks into the event lifecycle: a checklist for every new event,
due dates that follow the event's times, and the conditions for approval and closing."""

from flask import Flask

from tracker.checklist import services, stages
from tracker.checklist.models import Stage
from tracker.events import approvals, lifecycle, registry, signals
from tracker.events.models import Event, EventStatus

# The stage whose required items must be answered before each transition.
STAGE_FOR_TARGET = {EventStatus.PLAN_APPROVED: Stage.PRE_EVENT,
                    EventStatus.CLOSED: Stage.POST_EVENT}


def checklist_gate(event: Event, target: EventStatus) -> list[lifecycle.Unmet]:
    stage = STAGE_FOR_TARGET.get(target)
    if stage is None:
        return []
    checklist = services.find_for_event(event.id)
    if checklist is None:
        return [lifecycle.Unmet("The event has no checklist.")]
    grouped = services.entries_by_stage(checklist)
    missing = []
    for number, entry in enumerate(grouped[stage], start=1):
        if entry.item.required and not entry.answered:
            missing.append(_unmet(f"Answer the required {stage.label.lower()} item: "
                                  f"{entry.item.prompt}", event, stage, number))
    if target is EventStatus.PLAN_APPROVED:
        for number, entry in enumerate(grouped[stage], start=1):
            contradiction = stages.mismatch(entry, event)
            if contradiction:
                missing.append(_unmet(contradiction, event, stage, number))
    for entry, status in services.review_problems(checklist.entries):
        stage_of = entry.item.stage_enum
        number = grouped[stage_of].index(entry) + 1
        why = ("is waiting for a privacy officer's review" if status == "pending"
               else "was rejected by a privacy officer: change the answer or its "
                    "justification")
        missing.append(_unmet(f"The red flag on \u201c{entry.item.prompt}\u201d {why}.",
                              event, stage_of, number))
    return missing


def _unmet(message: str, event: Event, stage: Stage, number: int) -> lifecycle.Unmet:
    return lifecycle.Unmet(message, "checklist.step", (
        ("event_id", event.id), ("stage", stage.value), ("number", number)))


def _on_created(event: Event, actor, now, **_):
    services.create_for_event(event, actor, now)
    services.sync_from_record(event, actor, now)


def _on_changed(event: Event, changed: set[str], actor, now, **_):
    if changed & {"starts_at", "ends_at"}:
        services.recompute_due(event)
    if changed & {item.field for item in stages.RECORD_ITEMS.values()}:
        services.sync_from_record(event, actor, now)
    if changed & {"starts_at", "ends_at"}:
        services.sync_from_sources(event, actor, now)


def _on_status_changed(event: Event, actor, now, **_):
    # A stage may have opened (or, undone, closed again): the records' answers follow.
    services.sync_from_sources(event, actor, now)


def approved_answers(event: Event) -> list[dict]:
    """The checklist's part of an approval's content: every answer as it stands."""
    checklist = services.find_for_event(event.id)
    if checklist is None:
        return []
    return [{"item": e.item.key, "value": e.value, "justification": e.justification,
             "answer_id": e.history[-1].id if e.history else None}
            for e in sorted(checklist.entries, key=lambda e: e.item.key) if e.answered]


def install(app: Flask) -> None:
    from tracker.checklist.panels import event_panels

    registry.register_detail_panel(event_panels)
    registry.register_gate(checklist_gate)
    approvals.register_content("checklist_answers", approved_answers)
    signals.event_created.connect(_on_created, weak=False)
    signals.event_changed.connect(_on_changed, weak=False)
    signals.event_status_changed.connect(_on_status_changed, weak=False)
