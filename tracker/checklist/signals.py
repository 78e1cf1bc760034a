"""Signals by which the checklist tells higher areas (reminders) of changes."""

from blinker import Namespace

_signals = Namespace()

#: sent with the entry as sender, event=..., now=... after an answer is recorded
entry_answered = _signals.signal("checklist-entry-answered")
