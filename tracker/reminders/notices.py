"""Telling people what concerns them, when it happens: approvals, plans sent back or
reopened by a change, red flags opened and decided, events cancelled or postponed.

Each notice is written once and reaches each recipient once, through a NOTICE reminder
due at once: the dispatcher delivers it by inbox and mail per the recipient's settings,
exactly as it delivers reminders. The person who acted is not told of their own action.
"""

from collections.abc import Iterable
from datetime import datetime

from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.checklist import signals as checklist_signals
from tracker.events import signals as event_signals
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.reminders.models import Notice, Reminder, ReminderKind
from tracker.timezones import format_local

S = EventStatus


def notify(recipients: Iterable[User | None], subject: str, lines: list[str], link: str,
           event: Event | None, now: datetime, actor: User | None = None) -> Notice | None:
    """One notice, one reminder per distinct active recipient other than the actor."""
    people = {u.id: u for u in recipients
              if u is not None and u.active and (actor is None or u.id != actor.id)}
    if not people:
        return None
    notice = Notice(event_id=event.id if event else None, subject=subject[:300],
                    body="\n".join(lines), link=link, created_at=now)
    db.session.add(notice)
    db.session.flush()
    for user_id in sorted(people):
        db.session.add(Reminder(
            key=f"notice:{notice.id}:{user_id}", kind=ReminderKind.NOTICE.value,
            object_id=notice.id, event_id=notice.event_id, recipient_id=user_id,
            due_at=now, created_at=now))
    db.session.flush()
    audit.record(actor, "notice.create", "notice", notice.id, now=now,
                 changes={"event_id": notice.event_id, "recipients": sorted(people)})
    return notice


def _user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id is not None else None


def _assignees(event: Event) -> list[User | None]:
    return [_user(event.planner_id), _user(event.liaison_id)]


def _role(role: Role) -> list[User]:
    return accounts.users_with_role(role)


def _when(event: Event) -> str:
    return f"{event.title}, {format_local(event.starts_at)} at {event.venue}."


def _link(event: Event) -> str:
    return f"/events/{event.id}"


def _by(actor: User | None) -> str:
    return actor.display_name if actor is not None else "the system"


def _status_changed(event: Event, actor, now, previous, material_change=None, **_):
    if material_change is not None:
        return  # announced once, with the changes, by _material_changed
    current = event.status_enum
    note = event.status_changes[-1].note if event.status_changes else ""
    lines = [_when(event)]
    if note:
        lines.append(f"Note: {note}")
    if current is S.PLAN_APPROVED:
        approval = event.approvals[-1] if event.approvals else None
        version = f" (version {approval.version})" if approval else ""
        subject = f"Plan approved{version}: {event.title}"
        lines.insert(0, f"{_by(actor)} approved the plan{version}.")
        people = [*_assignees(event), *_role(Role.LEADERSHIP)]
    elif previous is S.PLAN_APPROVED and current is S.PLANNING:
        subject = f"Plan sent back to planning: {event.title}"
        lines.insert(0, f"{_by(actor)} sent the approved plan back to planning; it needs "
                        "a new approval.")
        people = [*_assignees(event), *_role(Role.LEADERSHIP)]
    elif current in (S.CANCELLED, S.POSTPONED):
        word = "cancelled" if current is S.CANCELLED else "postponed"
        subject = f"Event {word}: {event.title}"
        lines.insert(0, f"{_by(actor)} marked the event {word}.")
        people = [*_assignees(event), *_role(Role.LEADERSHIP)]
    else:
        return
    notify(people, subject, lines, _link(event), event, now, actor)


def _material_changed(event: Event, actor, now, change, **_):
    if change.reopened:
        subject = f"Approved plan changed, back in planning: {event.title}"
        first = (f"{_by(actor)} changed the approved plan. It is back in planning and "
                 "needs a new approval.")
    else:
        subject = f"Changed while in progress: {event.title}"
        first = f"{_by(actor)} changed the plan while the event is in progress."
    lines = [first, _when(event), "What changed:"]
    lines += [f"- {c['label']}: {c['old']} \u2192 {c['new']}" for c in change.changes]
    people = [*_assignees(event), *_role(Role.LEADERSHIP), *_role(Role.PRIVACY_OFFICER)]
    notify(people, subject, lines, _link(event), event, now, actor)


def _red_flag_opened(review, event: Event, actor, now, **_):
    entry = review.entry
    lines = [f"An answer raised a red flag that needs a privacy officer's review: "
             f"\u201c{entry.item.prompt}\u201d",
             f"Answered {entry.value!s} by {_by(actor)}.", _when(event)]
    notify(_role(Role.PRIVACY_OFFICER), f"Red flag to review: {event.title}", lines,
           f"/reviews/{review.id}", event, now, actor)


def _review_decided(review, event: Event, actor, now, **_):
    word = "approved" if review.status == "approved" else "rejected"
    entry = review.entry
    lines = [f"{_by(actor)} {word} the red flag on \u201c{entry.item.prompt}\u201d "
             f"(answer: {review.answer.value}).",
             f"Note: {review.decision_note}", _when(event)]
    if word == "rejected":
        lines.append("Change the answer or its justification before the plan can be "
                     "approved.")
    notify([_user(review.answer.responder_id), _user(event.planner_id)],
           f"Red-flag review {word}: {event.title}", lines, f"/events/{event.id}/summary",
           event, now, actor)


def install() -> None:
    event_signals.event_status_changed.connect(_status_changed, weak=False)
    event_signals.material_changed.connect(_material_changed, weak=False)
    checklist_signals.red_flag_opened.connect(_red_flag_opened, weak=False)
    checklist_signals.review_decided.connect(_review_decided, weak=False)
