"""Signals by which outreach tells higher areas (reminders) of changes."""

from blinker import Namespace

_signals = Namespace()

#: sent with the contact as sender, now=... after it is logged, edited or its follow-up done
contact_changed = _signals.signal("outreach-contact-changed")
