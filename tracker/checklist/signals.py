"""Signals by which the checklist tells higher areas (reminders) of changes."""

from blinker import Namespace

_signals = Namespace()

#: sent with the entry as sender, event=..., now=... after an answer is recorded
entry_answered = _signals.signal("checklist-entry-answered")
#: sent with the review as sender, event=..., actor=..., now=... when an answer raises a
#: red flag and its review opens
red_flag_opened = _signals.signal("checklist-red-flag-opened")
#: sent with the review as sender, event=..., actor=..., now=... when a privacy officer
#: approves or rejects it
review_decided = _signals.signal("checklist-review-decided")
