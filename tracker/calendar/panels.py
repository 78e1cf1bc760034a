"""What the calendar adds to the event page: the .ics download."""

from tracker.events import registry
from tracker.events.models import Event


def event_panels(event: Event) -> list[tuple[str, str, dict]]:
    return [("side", "calendar/_event_panel.html", {})]


def install() -> None:

    registry.register_detail_panel(event_panels)
