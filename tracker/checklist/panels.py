"""What the checklist adds to the event page: open red flags at the top, progress beside."""

from datetime import datetime

from tracker.checklist import services
from tracker.db import utcnow
from tracker.events.models import Event


def event_panels(event: Event, now: datetime | None = None) -> list[tuple[str, str, dict]]:
    checklist = services.find_for_event(event.id)
    if checklist is None:
        return []
    now = now or utcnow()
    grouped = services.entries_by_stage(checklist)
    numbers = {entry.id: n for entries in grouped.values()
               for n, entry in enumerate(entries, start=1)}
    flags = [(entry, status, numbers[entry.id])
             for entry, status in services.review_problems(checklist.entries)]
    overdue = [e for e in checklist.entries
               if not e.answered and e.due_at is not None and e.due_at < now]
    side = {"progress": {stage: services.progress(entries)
                         for stage, entries in grouped.items()},
            "total": services.progress(checklist.entries), "overdue": len(overdue),
            "version": checklist.template.version}
    panels = [("side", "checklist/_event_panel.html", side)]
    if flags:
        panels.insert(0, ("top", "checklist/_event_flags.html", {"flags": flags}))
    return panels
