"""What the calendar adds to the event page: the .ics download."""

from tracker.events.models import Event


def event_panels(event: Event) -> list[tuple[str, str, dict]]:
    return [("side", "calendar/_event_panel.html", {})]


def install() -> None:
    from tracker.events.views import register_detail_panel

    register_detail_panel(event_panels)
