"""What a reminder says, built when it is sent so it reflects the data at that moment.
None means the reminder no longer applies (answered, done, cancelled, deleted)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tracker.calendar import content as calendar
from tracker.checklist.models import ChecklistEntry
from tracker.events.lifecycle import FINAL_STATES
from tracker.events.models import Event
from tracker.extensions import db
from tracker.outreach import retention
from tracker.outreach.models import OutreachContact
from tracker.reminders.models import Notice, Reminder, ReminderKind
from tracker.timezones import format_local

K = ReminderKind


@dataclass(frozen=True)
class Composed:
    subject: str
    lines: list[str]
    link: str  # a path in the tracker; mail makes it absolute with PUBLIC_BASE_URL
    attachment: tuple[str, bytes] | None = None


@dataclass(frozen=True)
class ContentSettings:
    """What the mails say depends on, from the configuration (mail.settings_from_config):
    the tracker's public address (tracker/links.py), the calendar settings of the
    attached event, the outreach retention period, and how a mail template is rendered
    (the app's flask.render_template: templates/reminders/mail.*)."""

    base_url: str
    calendar: calendar.FeedSettings
    retention_days: int
    render: Callable[..., str]


def _when(instant, settings: ContentSettings) -> str:
    """A time for people in the agency's zone (the calendar settings' zone)."""
    return format_local(instant, zone=settings.calendar.zone)


def _ics(event: Event, settings: ContentSettings) -> tuple[str, bytes]:
    return f"event-{event.id}.ics", calendar.render_event(event, settings.calendar)


def _event_upcoming(reminder: Reminder, settings: ContentSettings) -> Composed | None:
    event = db.session.get(Event, reminder.object_id)
    if event is None or event.status_enum in FINAL_STATES:
        return None
    return Composed(
        subject=f"Coming up: {event.title}, {_when(event.starts_at, settings)}",
        lines=[f"{event.title} starts {_when(event.starts_at, settings)} at {event.venue}.",
               f"Status: {event.status_label}. Permit: {event.permit_label}."],
        link=f"/events/{event.id}", attachment=_ics(event, settings))


def _checklist_due(reminder: Reminder, settings: ContentSettings) -> Composed | None:
    entry = db.session.get(ChecklistEntry, reminder.object_id)
    if entry is None or entry.answered:
        return None
    event = entry.checklist.event
    if event.status_enum in FINAL_STATES:
        return None
    return Composed(
        subject=f"Checklist item due: {event.title}",
        # An item can lose its due date after the reminder was made: say so in words.
        lines=[f"Due {_when(entry.due_at, settings) or '(no due date set)'}: "
               f"{entry.item.prompt}",
               f"Event: {event.title}, {_when(event.starts_at, settings)}."],
        link=f"/events/{event.id}/checklist", attachment=_ics(event, settings))


def _follow_up(reminder: Reminder, settings: ContentSettings) -> Composed | None:
    contact = db.session.get(OutreachContact, reminder.object_id)
    if contact is None or contact.follow_up_done_at is not None:
        return None
    event = contact.event
    # Never the contact person's details: those stay in the outreach log.
    return Composed(
        subject=f"Outreach follow-up today: {event.title}",
        lines=[f"Follow up on the {contact.purpose_label.lower()} contact of "
               f"{_when(contact.contacted_at, settings)} ({contact.method_label.lower()}).",
               f"Event: {event.title}, {_when(event.starts_at, settings)}."],
        link=f"/events/{event.id}/outreach")


def _retention_digest(reminder: Reminder, settings: ContentSettings) -> Composed | None:
    soon = [s for s in retention.schedule(reminder.due_at, settings.retention_days)
            if s.hold is None and s.purge_at <= reminder.due_at + timedelta(days=7)]
    if not soon:
        return None
    lines = [f"{len(soon)} outreach entr{'y' if len(soon) == 1 else 'ies'} will have "
             "personal details purged in the next 7 days:"]
    lines += [f"- {s.contact.event.title}: entry of {_when(s.contact.contacted_at, settings)}, "
              f"purged {_when(s.purge_at, settings)}" for s in soon]
    return Composed(subject="Retention: personal details to be purged this week",
                    lines=lines, link="/retention/")


def _notice(reminder: Reminder, settings: ContentSettings) -> Composed | None:
    # Written when it happened: it stays true of that moment, so it is sent as written.
    notice = db.session.get(Notice, reminder.object_id)
    if notice is None:
        return None
    return Composed(subject=notice.subject, lines=notice.body.split("\n"), link=notice.link)


COMPOSERS = {K.EVENT_UPCOMING: _event_upcoming, K.CHECKLIST_DUE: _checklist_due,
             K.FOLLOW_UP: _follow_up, K.RETENTION_DIGEST: _retention_digest,
             K.NOTICE: _notice}


def compose(reminder: Reminder, settings: ContentSettings) -> Composed | None:
    return COMPOSERS[ReminderKind(reminder.kind)](reminder, settings)


def render_bodies(composed: Composed, recipient_name: str,
                  settings: ContentSettings) -> tuple[str, str]:
    values = {"composed": composed, "name": recipient_name,
              "link": settings.base_url + composed.link}
    return (settings.render("reminders/mail.txt", **values),
            settings.render("reminders/mail.html", **values))
