"""The reference the feed build is measured against: the same events loaded with the ORM
and serialized with the icalendar library directly (no cache, no tracker code), with the
same properties the tracker writes."""

from datetime import UTC

from icalendar import Calendar
from icalendar import Event as IEvent
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.calendar.models import CalendarSequence
from tracker.events.models import Event
from tracker.extensions import db


def feed_bytes(base_url: str = "http://127.0.0.1", domain: str = "event-tracker") -> bytes:
    events = db.session.scalars(select(Event).options(selectinload(Event.planner))
                                .order_by(Event.starts_at, Event.id)).all()
    sequences = dict(db.session.execute(select(CalendarSequence.event_id,
                                               CalendarSequence.sequence)).all())
    calendar = Calendar.new(uid=f"feed-reference@{domain}", prodid="-//Reference//EN",
                            name="Reference")
    for e in events:
        url = f"{base_url}/events/{e.id}"
        planner = e.planner.display_name if e.planner else "unassigned"
        calendar.add_component(IEvent.new(
            uid=f"event-{e.id}@{domain}", stamp=e.updated_at.astimezone(UTC),
            created=e.created_at.astimezone(UTC), last_modified=e.updated_at.astimezone(UTC),
            start=e.starts_at.astimezone(UTC), end=e.ends_at.astimezone(UTC),
            summary=e.title, location=e.venue, categories=[e.kind_label],
            description="\n".join([f"Kind: {e.kind_label}", f"Status: {e.status_label}",
                                   f"Permit: {e.permit_label}", f"Planner: {planner}",
                                   f"Event page: {url}"]),
            status="CONFIRMED", sequence=sequences.get(e.id, 0), url=url))
    return calendar.to_ical()
