"""Signals by which accounts tells higher areas of changes (inside the unit of work)."""

from blinker import Namespace

_signals = Namespace()

#: sent with the user as sender, actor=..., now=... after a user's name, roles or
#: active flag changed
user_changed = _signals.signal("user-changed")
