"""A written, submitted operations plan: approving an event needs one (tracker/plans)."""

from tracker.plans import services

ASSIGNMENT = {"unit": "Bike team", "location": "Along the route", "starts": "09:00",
              "ends": "13:00", "task": "Keep the route clear of traffic"}


def submit_plan(event, writer, now, **sections):
    services.save_draft(writer, event, {"assignments": [ASSIGNMENT], **sections}, now)
    return services.submit(writer, event, now)


def write_plan_records(event, writer, stage, now):
    """What complete-the-stage helpers add: a submitted plan before approval, an
    after-action report (with its review date) after the event."""
    from tracker.plans import after_action

    stage = getattr(stage, "value", stage)
    if stage == "pre_event" and services.unmet_for_approval(event):
        submit_plan(event, writer, now)
    if stage == "post_event" and after_action.find_report(event.id) is None:
        after_action.save_report(writer, event, after_action.ReportData(
            went_as_planned="The route stayed clear.", reviewed_on=now.date()), now)
