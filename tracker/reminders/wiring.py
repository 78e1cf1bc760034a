"""Everything the reminders area connects, in one place: its receivers of event,
checklist and outreach changes, the notices it sends, and its event page panel."""

from flask import Flask

from tracker.reminders import hooks, notices, panels


def install(app: Flask) -> None:
    hooks.install()
    notices.install()
    panels.install(app)
