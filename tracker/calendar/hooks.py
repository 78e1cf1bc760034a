"""How the calendar follows changes made elsewhere, without those areas importing it."""

from tracker.accounts import signals as account_signals
from tracker.calendar.content import PLACE_AND_TIME, bump_generation, raise_sequence
from tracker.events import signals as event_signals


def _created(event, **_):
    bump_generation(event.id)


def _changed(event, changed: set[str], **_):
    if changed & PLACE_AND_TIME:
        raise_sequence(event.id)
    bump_generation(event.id)


def _status_changed(event, **_):
    raise_sequence(event.id)
    bump_generation(event.id)


def _deleted(event_id, **_):
    bump_generation(event_id)


def _user_changed(user, **_):
    # Planner names appear in feed descriptions, and a deactivated owner's feeds stop:
    # any event may have changed.
    bump_generation(None)


def install() -> None:
    event_signals.event_created.connect(_created, weak=False)
    event_signals.event_changed.connect(_changed, weak=False)
    event_signals.event_status_changed.connect(_status_changed, weak=False)
    event_signals.event_deleted.connect(_deleted, weak=False)
    account_signals.user_changed.connect(_user_changed, weak=False)
