"""What reminders add to the event page, and the inbox count in the header."""

from flask import Flask, has_request_context
from flask_login import current_user

from tracker.events import registry
from tracker.events.models import Event
from tracker.reminders import services


def event_panels(event: Event) -> list[tuple[str, str, dict]]:
    return [("side", "reminders/_event_panel.html",
             {"offsets": services.event_offsets(event)})]


def install(app: Flask) -> None:

    registry.register_detail_panel(event_panels)

    @app.context_processor
    def _unread():
        if has_request_context() and current_user.is_authenticated:
            return {"inbox_unread": services.unread_count(current_user)}
        return {"inbox_unread": 0}
