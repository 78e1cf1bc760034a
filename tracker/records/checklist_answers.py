"""The post-event checklist items the records answer: the inventory, the disposition and
the purge from the collected-information register (complete when every item has a
disposition), the dissemination record from the dissemination log."""

from tracker.checklist import record_sources
from tracker.checklist.record_sources import RecordSource
from tracker.events.models import Event
from tracker.records import dissemination, register
from tracker.records.models import Disposition

DONE = "done"
NOTHING = "Nothing was collected"
ALL_PURGED = "All items purged or scheduled for purge"
KEPT_AS_EVIDENCE = "Some items kept as criminal case evidence; the rest purged"
KEPT_WITHOUT_LINK = "Some items kept with no documented criminal link"
REGISTER = "the collected-information register"
LOG = "the dissemination log"
ENDPOINT = "records.event_records"


def _all_disposed(event: Event) -> str | None:
    items = register.for_event(event.id)
    return DONE if all(item.disposed for item in items) else None


def disposition_answer(event: Event) -> str | None:
    items = register.for_event(event.id)
    if not items:
        return NOTHING
    if not all(item.disposed for item in items):
        return None
    kept = [item for item in items if item.disposition == Disposition.KEPT]
    if not kept:
        return ALL_PURGED
    if any(not item.predicate_reference for item in kept):
        return KEPT_WITHOUT_LINK
    return KEPT_AS_EVIDENCE


def describe_register(event: Event) -> str:
    items = register.for_event(event.id)
    if not items:
        return "the register holds no item."
    open_items = [item for item in items if not item.disposed]
    destroyed = sum(item.disposition == Disposition.DESTROYED for item in items)
    kept = sum(item.disposed and item.disposition == Disposition.KEPT for item in items)
    text = (f"the register holds {len(items)} item{'s' if len(items) != 1 else ''}: "
            f"{destroyed} destroyed, {kept} kept under a records schedule")
    if open_items:
        text += (f", {len(open_items)} without a disposition yet (the first due "
                 f"{min(item.due_on for item in open_items).isoformat()})")
    return text + "."


def dissemination_answer(event: Event) -> str | None:
    return DONE  # every release is a row of the log: the log is the record


def describe_log(event: Event) -> str:
    count = len(dissemination.for_event(event.id))
    if not count:
        return "the log records no release outside the agency."
    return f"the log records {count} release{'s' if count != 1 else ''} outside the agency."


def install() -> None:
    register_source = RecordSource(REGISTER, _all_disposed, describe_register, ENDPOINT)
    record_sources.register("post.inventory", register_source)
    record_sources.register("post.purge_confirmed", register_source)
    record_sources.register("post.disposition", RecordSource(
        REGISTER, disposition_answer, describe_register, ENDPOINT))
    record_sources.register("post.dissemination_record", RecordSource(
        LOG, dissemination_answer, describe_log, ENDPOINT))
