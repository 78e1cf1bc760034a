"""Signals by which events tells higher areas (checklist, reminders, calendar) of changes.

Receivers are called inside the same unit of work, before the commit. Every signal about
an event carries a ChangeSet (`change=`): the names of the fields that changed, with their
old and new values, so a receiver acts only on the fields it depends on.

A change is told in two phases, so no receiver depends on the order receivers were
connected in:
1. `event_created`, `event_changed`, `event_status_changed`: areas keep their own records
   in step with the event (the checklist and its due dates, calendar sequences).
2. `event_settled`, sent once every phase-1 receiver has returned: areas that compute
   from the event *and* other areas' records (reminders read the checklist) act here.
Use `announce_created`, `announce_changed` and `announce_status` to send both."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from blinker import Namespace

_signals = Namespace()

#: phase 1: sent with event=..., actor=..., now=..., change=ChangeSet after a new event is
#: flushed
event_created = _signals.signal("event-created")
#: phase 1: sent with event=..., actor=..., now=..., changed=set of field names,
#: change=ChangeSet
event_changed = _signals.signal("event-changed")
#: phase 1: sent with event=..., actor=..., now=..., previous=EventStatus, change=ChangeSet
event_status_changed = _signals.signal("event-status-changed")
#: phase 2: sent with event=..., actor=..., now=..., change=ChangeSet after the phase-1
#: signal of a creation, an edit or a status change has been handled
event_settled = _signals.signal("event-settled")
#: sent with the event id as sender, actor=..., now=..., just before a draft is deleted
event_deleted = _signals.signal("event-deleted")
#: sent with event=..., actor=..., now=..., change=MaterialChange after a material field of
#: an approved or running event changed (a plan-approved one is back in planning by then;
#: its event_status_changed carries material_change=... so it is announced once)
material_changed = _signals.signal("event-material-changed")


@dataclass(frozen=True)
class ChangeSet:
    """What one change did to an event. A new event counts as every field changed."""

    fields: frozenset[str]
    old: Mapping[str, object] = field(default_factory=dict)
    new: Mapping[str, object] = field(default_factory=dict)
    created: bool = False

    def touches(self, names: Iterable[str]) -> bool:
        """Whether the change concerns any of `names` (always, for a new event)."""
        return self.created or not self.fields.isdisjoint(names)

    @classmethod
    def of(cls, before: Mapping[str, object], after: Mapping[str, object]) -> "ChangeSet":
        names = frozenset(k for k in after if before.get(k) != after[k])
        return cls(names, {k: before.get(k) for k in names}, {k: after[k] for k in names})


def announce_created(event, actor, now, values: Mapping[str, object]) -> ChangeSet:
    change = ChangeSet(frozenset(values), {}, dict(values), created=True)
    event_created.send(event, actor=actor, now=now, change=change)
    event_settled.send(event, actor=actor, now=now, change=change)
    return change


def announce_changed(event, actor, now, change: ChangeSet) -> None:
    event_changed.send(event, actor=actor, now=now, changed=set(change.fields),
                       change=change)
    event_settled.send(event, actor=actor, now=now, change=change)


def announce_status(event, actor, now, previous, **extra) -> None:
    change = ChangeSet(frozenset({"status"}), {"status": previous.value},
                       {"status": event.status})
    event_status_changed.send(event, actor=actor, now=now, previous=previous,
                              change=change, **extra)
    event_settled.send(event, actor=actor, now=now, change=change)
