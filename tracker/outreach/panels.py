"""What outreach adds to the event page: the number of contacts and a link to the log."""

from tracker.events import registry
from tracker.events.models import Event
from tracker.outreach import services


def event_panels(event: Event) -> list[tuple[str, str, dict]]:
    contacts = services.for_event(event.id)
    open_follow_ups = sum(1 for c in contacts
                          if c.follow_up_on and c.follow_up_done_at is None)
    return [("side", "outreach/_event_panel.html",
             {"count": len(contacts), "open_follow_ups": open_follow_ups})]


def install() -> None:

    registry.register_detail_panel(event_panels)
