"""How the plans area connects to the rest: the event page panel, the approval gate, the
plan's part of the approved content, the approval of the submitted version, the
post-event checklist items answered from the after-action report, and the report's part
of the compliance summary."""

from flask import Flask

from tracker.checklist import stages
from tracker.events import approvals, lifecycle, registry, signals
from tracker.events.models import Event, EventStatus
from tracker.plans import after_action, services


def plan_gate(event: Event, target: EventStatus) -> list[lifecycle.Unmet]:
    """Approving the event approves the submitted plan version: there must be one."""
    if target is not EventStatus.PLAN_APPROVED:
        return []
    problem = services.unmet_for_approval(event)
    return [lifecycle.Unmet(problem, "plans.show", (("event_id", event.id),))] if problem else []


def event_panels(event: Event) -> list[tuple[str, str, dict]]:
    plan = services.find_plan(event.id)
    latest = plan.latest if plan else None
    panels = [("side", "plans/_event_panel.html",
               {"latest": latest, "approved": services.latest_approved(plan),
                "report": after_action.find_report(event.id)})]
    summary = after_action.summary_of(event)
    panels.append(("summary", "plans/_summary_panel.html",
                   {"latest": latest, "approved": services.latest_approved(plan),
                    "after_action": summary}))
    return panels


def _on_status_changed(event: Event, actor, now, previous=None, **_):
    if event.status_enum is EventStatus.PLAN_APPROVED:
        services.on_approved(event, actor, now)


def install(app: Flask) -> None:
    registry.register_detail_panel(event_panels)
    registry.register_gate(plan_gate)
    approvals.register_content("operations_plan", services.approval_content)
    signals.event_status_changed.connect(_on_status_changed, weak=False)
    stages.register_record_item("post.debrief", stages.RecordItem(
        "", "The after-action report (written after the debrief)",
        reader=after_action.debrief_answer, edit_endpoint="plans.after_action"))
    stages.register_record_item("post.after_action_date", stages.RecordItem(
        "", "Date of the after-action review in the report",
        reader=after_action.review_date_answer, edit_endpoint="plans.after_action"))
