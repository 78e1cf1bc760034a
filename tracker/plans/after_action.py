"""The after-action report: what went as planned and what did not, counts only (never
names), lessons, and corrective actions with an agency owner and a due date, tracked to
closure. Open actions show on their owner's dashboard and are reminded through the
reminders area (a notice before the due date and on it)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker import inputs, versioning
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events import lifecycle
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.plans.models import ActionStatus, AfterActionReport, CorrectiveAction
from tracker.plans.services import may_write
from tracker.reminders.models import Notice, Reminder, ReminderKind, ReminderState
from tracker.timezones import agency_zone

COUNTS = ("arrests", "injuries", "complaints", "use_of_force_reports")
COUNT_LABELS = {"arrests": "Arrests", "injuries": "Injuries", "complaints": "Complaints",
                "use_of_force_reports": "Use-of-force reports"}
COUNT_MAX = 1_000_000
TEXT_MAX = 5000
#: Reminders for an open corrective action: days before its due date (0: on the day).
REMIND_DAYS_BEFORE = (7, 0)
REMIND_HOUR = 9


@dataclass
class ReportData:
    went_as_planned: str = ""
    did_not_go_as_planned: str = ""
    arrests: int | None = None
    injuries: int | None = None
    complaints: int | None = None
    use_of_force_reports: int | None = None
    lessons: str = ""
    reviewed_on: date | None = None


def find_report(event_id: int) -> AfterActionReport | None:
    return db.session.scalar(
        select(AfterActionReport).where(AfterActionReport.event_id == event_id))


def is_after(event: Event, now: datetime) -> bool:
    return event.ends_at <= now or event.status_enum in (EventStatus.CONCLUDED,
                                                         EventStatus.CLOSED)


def why_not_writable(actor: User, event: Event, now: datetime) -> str | None:
    if not may_write(actor, event):
        return "Only the event's assigned planner writes its after-action report."
    if event.status_enum in lifecycle.FINAL_STATES:
        return "The record of a closed or cancelled event is final."
    if not is_after(event, now):
        return "The after-action report is written after the event."
    return None


def _require_writer(actor: User, event: Event, now: datetime) -> None:
    refusal = why_not_writable(actor, event, now)
    if refusal and not may_write(actor, event):
        raise Forbidden(refusal)
    if refusal:
        raise ValidationError(None, refusal)


def _text(field: str, value: str | None) -> str:
    value = (value or "").strip()
    inputs.check_storable(field, value)
    problem = inputs.text_problem(value, single_line=False)
    if problem:
        raise ValidationError(field, problem)
    if len(value) > TEXT_MAX:
        raise ValidationError(field, f"Use at most {TEXT_MAX:,} characters.")
    return value


def _clean(data: ReportData) -> dict:
    values = {name: _text(name, getattr(data, name))
              for name in ("went_as_planned", "did_not_go_as_planned", "lessons")}
    for name in COUNTS:
        count = getattr(data, name)
        if count is not None and not 0 <= count <= COUNT_MAX:
            raise ValidationError(name, f"Enter a number from 0 to {COUNT_MAX:,}.")
        values[name] = count
    if data.reviewed_on is not None and not inputs.in_window(data.reviewed_on):
        raise ValidationError("reviewed_on", inputs.DATE_MESSAGE)
    values["reviewed_on"] = data.reviewed_on
    return values


def save_report(actor: User, event: Event, data: ReportData, now: datetime,
                expected_version: int | None = None) -> AfterActionReport:
    _require_writer(actor, event, now)
    values = _clean(data)
    report = find_report(event.id)
    created = report is None
    if created:
        report = AfterActionReport(event_id=event.id, created_by_id=actor.id, created_at=now)
        db.session.add(report)
    else:
        versioning.check(report, expected_version, "after-action report")
    before = {k: getattr(report, k) for k in values}
    for name, value in values.items():
        setattr(report, name, value)
    changed = sorted(k for k in values if before[k] != values[k])
    if not created and not changed:
        return report
    report.updated_by_id, report.updated_at = actor.id, now
    db.session.flush()
    # Counts and the review date are figures, not personal values; texts are named only.
    summary = {k: ({"from": before[k], "to": values[k]} if k in COUNTS else "changed")
               for k in changed}
    if "reviewed_on" in summary:
        summary["reviewed_on"] = str(values["reviewed_on"])
    audit.record(actor, "after_action.create" if created else "after_action.update",
                 "after_action_report", report.id, now=now,
                 changes={"event_id": event.id, **summary})
    _sync_checklist(event, actor, now)
    return report


def _sync_checklist(event: Event, actor: User, now: datetime) -> None:
    from tracker.checklist import services as checklist

    checklist.sync_from_record(event, actor, now)


# ---- corrective actions -------------------------------------------------------------


def get_action(action_id: int) -> CorrectiveAction:
    action = db.session.get(CorrectiveAction, action_id)
    if action is None:
        raise NotFound("No such corrective action.")
    return action


def add_action(actor: User, event: Event, description: str, owner_id: int | None,
               due_on: date | None, now: datetime) -> CorrectiveAction:
    _require_writer(actor, event, now)
    report = find_report(event.id)
    if report is None:
        raise ValidationError(None, "Save the after-action report first.")
    description = _text("description", description)
    if not description:
        raise ValidationError("description", "Say what will be done.")
    owner = db.session.get(User, owner_id) if owner_id is not None else None
    if owner is None or not owner.active:
        raise ValidationError("owner_id", "Choose an active member of staff.")
    if due_on is None:
        raise ValidationError("due_on", "Enter a due date.")
    if not inputs.in_window(due_on):
        raise ValidationError("due_on", inputs.DATE_MESSAGE)
    action = CorrectiveAction(description=description, owner_id=owner.id, due_on=due_on,
                              status=ActionStatus.OPEN.value, created_at=now)
    report.actions.append(action)
    db.session.flush()
    audit.record(actor, "corrective_action.create", "corrective_action", action.id, now=now,
                 changes={"event_id": event.id, "owner_id": owner.id,
                          "due_on": due_on.isoformat()})
    _schedule_reminders(action, event, now)
    return action


def may_close(user: User, action: CorrectiveAction) -> bool:
    return user.id == action.owner_id or may_write(user, action.report.event)


def close_action(actor: User, action: CorrectiveAction, note: str, now: datetime,
                 expected_version: int | None = None) -> None:
    """The owner or the event's planner closes an action, saying how it was resolved."""
    if not may_close(actor, action):
        raise Forbidden("Only the action's owner or the event's planner closes it.")
    versioning.check(action, expected_version, "corrective action")
    if not action.is_open:
        raise ValidationError(None, "This action is already closed.")
    note = _text("closing_note", note)
    if not note:
        raise ValidationError("closing_note", "Say how the action was resolved.")
    action.status = ActionStatus.CLOSED.value
    action.closed_by_id, action.closed_at, action.closing_note = actor.id, now, note
    db.session.flush()
    audit.record(actor, "corrective_action.close", "corrective_action", action.id, now=now,
                 changes={"event_id": action.report.event_id})
    _cancel_reminders(action)


def open_actions_for(user: User) -> list[CorrectiveAction]:
    stmt = (select(CorrectiveAction)
            .where(CorrectiveAction.owner_id == user.id,
                   CorrectiveAction.status == ActionStatus.OPEN.value)
            .order_by(CorrectiveAction.due_on, CorrectiveAction.id))
    return list(db.session.scalars(stmt))


# ---- reminders: a notice a week before the due date and on it -------------------------


def _key(action: CorrectiveAction, days: int) -> str:
    return f"corrective:{action.id}:{days}"


def _due_at(day: date) -> datetime:
    return datetime.combine(day, time(REMIND_HOUR), tzinfo=agency_zone())


def _schedule_reminders(action: CorrectiveAction, event: Event, now: datetime) -> None:
    when_due = "due " + action.due_on.isoformat()
    notice = Notice(event_id=event.id, subject=f"Corrective action {when_due}: {event.title}"[:300],
                    body=("An open corrective action from the after-action report of "
                          f"{event.title} is {when_due}. Close it with a note once done."),
                    link=f"/events/{event.id}/after-action", created_at=now)
    db.session.add(notice)
    db.session.flush()
    for days in REMIND_DAYS_BEFORE:
        due_at = max(_due_at(action.due_on - timedelta(days=days)), now)
        db.session.add(Reminder(key=_key(action, days), kind=ReminderKind.NOTICE.value,
                                object_id=notice.id, event_id=event.id,
                                recipient_id=action.owner_id, due_at=due_at, created_at=now))
    db.session.flush()


def _cancel_reminders(action: CorrectiveAction) -> None:
    keys = [_key(action, d) for d in REMIND_DAYS_BEFORE]
    for reminder in db.session.scalars(select(Reminder).where(
            Reminder.key.in_(keys), Reminder.state == ReminderState.PENDING.value)):
        reminder.state = ReminderState.CANCELLED.value
    db.session.flush()


# ---- what the post-event checklist and the compliance summary read ------------------


def debrief_answer(event: Event) -> str | None:
    """post.debrief: done once an after-action report exists."""
    return "done" if find_report(event.id) is not None else None


def review_date_answer(event: Event) -> str | None:
    """post.after_action_date: the date of the after-action review."""
    report = find_report(event.id)
    return report.reviewed_on.isoformat() if report and report.reviewed_on else None


def summary_of(event: Event) -> dict | None:
    report = find_report(event.id)
    if report is None:
        return None
    return {"report": report,
            "counts": [(COUNT_LABELS[n], getattr(report, n)) for n in COUNTS],
            "open_actions": sum(1 for a in report.actions if a.is_open),
            "closed_actions": sum(1 for a in report.actions if not a.is_open)}
