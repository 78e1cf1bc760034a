"""Connects the records area at start-up: the event page's panel and the checklist items
the records answer."""

from tracker.events import registry
from tracker.events.models import Event
from tracker.records import checklist_answers, dissemination, register


def event_panels(event: Event) -> list[tuple[str, str, dict]]:
    items = register.for_event(event.id)
    return [("side", "records/_event_panel.html", {
        "item_count": len(items), "open": sum(not item.disposed for item in items),
        "releases": len(dissemination.for_event(event.id))})]


def install() -> None:
    registry.register_detail_panel(event_panels)
    checklist_answers.install()
