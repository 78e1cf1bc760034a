"""Reminders follow every change to what they are about: events, checklist answers and
outreach follow-ups. Receivers run inside the change's unit of work.

Event changes are taken in the second phase (`event_settled`): by then the checklist of a
new event exists and due dates follow moved times, whatever order areas were wired in.
A change to none of the fields reminders are computed from (a title) re-times nothing."""

from flask import current_app

from tracker.checklist import signals as checklist_signals
from tracker.events import signals as event_signals
from tracker.outreach import signals as outreach_signals
from tracker.reminders.schedule import EVENT_FIELDS, settings_from_config, sync_event


def _settings():
    return settings_from_config(current_app.config)


def _event(event, change: event_signals.ChangeSet, now, **_):
    if change.touches(EVENT_FIELDS):
        sync_event(event, now, _settings())


def _answered(entry, event, now, **_):
    sync_event(event, now, _settings())


def _contact(contact, now, **_):
    sync_event(contact.event, now, _settings())


def install() -> None:
    event_signals.event_settled.connect(_event, weak=False)
    checklist_signals.entry_answered.connect(_answered, weak=False)
    outreach_signals.contact_changed.connect(_contact, weak=False)
