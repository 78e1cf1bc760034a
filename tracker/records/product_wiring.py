"""Start-up wiring of products, online-work authorizations and records schedules: the
event page panel, the sections of the privacy officer's review queue and of the
retention page, and (once the checklist offers record sources) the information-gathering
items answered from the authorizations."""


from flask import Flask

from tracker import page_sections
from tracker.checklist import record_sources
from tracker.data_schedules import schedules as column_schedules
from tracker.db import utcnow
from tracker.events import registry
from tracker.events.models import Event
from tracker.records import authorizations, products, schedules
from tracker.timezones import local_date


def event_panels(event: Event) -> list[tuple[str, str, dict]]:
    found = products.for_event(event.id)
    rows = authorizations.for_event(event.id)
    today = local_date(utcnow())
    schedule = schedules.schedule_for(event)
    return [("side", "records/_product_panel.html", {
        "products": len(found),
        "waiting": sum(1 for p in found if p.latest.status == "submitted"),
        "authorizations": len(rows), "in_force": sum(1 for r in rows if r.in_force(today)),
        "purged": schedule.row.texts_purged_at if schedule.purged else None})]


def _describe_authorizations(event: Event) -> str:
    return authorizations.authorization_summary(event)


def install(app: Flask) -> None:
    years = app.config["RECORDS_REVIEW_YEARS"]
    # The checklist's "who authorized the open-source check" reads the authorizations.
    record_sources.register("pre.check_authorization", record_sources.RecordSource(
        "the social-media and open-source authorizations",
        authorizations.authorization_summary, _describe_authorizations,
        "authorizations.event_authorizations"))
    registry.register_detail_panel(event_panels)
    page_sections.register(page_sections.REVIEW_QUEUE, page_sections.Section(
        "products", "records/_product_queue.html",
        lambda user, now: {"waiting": products.awaiting_review()}))
    page_sections.register(page_sections.REVIEW_QUEUE, page_sections.Section(
        "online_work", "records/_authorization_queue.html",
        lambda user, now: {"waiting": authorizations.waiting_for(user)}))
    page_sections.register(page_sections.REVIEW_QUEUE, page_sections.Section(
        "schedules", "records/_schedule_queue.html",
        lambda user, now: {"due": schedules.due(local_date(now), years)}))
    page_sections.register(page_sections.RETENTION, page_sections.Section(
        "schedules", "records/_schedule_retention.html",
        lambda user, now: {"schedules": schedules.all_schedules(years),
                           "today": local_date(now), "years": years,
                           "columns": column_schedules()}))
