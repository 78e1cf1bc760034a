"""Signals by which events tells higher areas (checklist, reminders, calendar) of changes.

Receivers are called inside the same unit of work, before the commit."""

from blinker import Namespace

_signals = Namespace()

#: sent with event=..., actor=..., now=... after a new event is flushed
event_created = _signals.signal("event-created")
#: sent with event=..., actor=..., now=..., changed=set of field names
event_changed = _signals.signal("event-changed")
#: sent with event=..., actor=..., now=..., previous=EventStatus
event_status_changed = _signals.signal("event-status-changed")
#: sent with the event id as sender, actor=..., now=..., just before a draft is deleted
event_deleted = _signals.signal("event-deleted")
#: sent with event=..., actor=..., now=..., change=MaterialChange after a material field of
#: an approved or running event changed (a plan-approved one is back in planning by then;
#: its event_status_changed carries material_change=... so it is announced once)
material_changed = _signals.signal("event-material-changed")
