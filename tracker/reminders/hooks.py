"""Reminders follow every change to what they are about: events, checklist answers and
outreach follow-ups. Receivers run inside the change's unit of work."""

from tracker.checklist import signals as checklist_signals
from tracker.events import signals as event_signals
from tracker.outreach import signals as outreach_signals
from tracker.reminders import notices
from tracker.reminders.schedule import sync_event


def _event(event, now, **_):
    sync_event(event, now)


def _answered(entry, event, now, **_):
    sync_event(event, now)


def _contact(contact, now, **_):
    sync_event(contact.event, now)


def install() -> None:
    # Connected after the checklist's own receivers, so a new event's checklist exists.
    event_signals.event_created.connect(_event, weak=False)
    event_signals.event_changed.connect(_event, weak=False)
    event_signals.event_status_changed.connect(_event, weak=False)
    checklist_signals.entry_answered.connect(_answered, weak=False)
    outreach_signals.contact_changed.connect(_contact, weak=False)
    notices.install()
