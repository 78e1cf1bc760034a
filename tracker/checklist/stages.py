"""When each stage's items may be answered, and the items that restate the event record.

Operational items open when the event starts or is marked in progress; post-event items
when it ends or is marked concluded. An answer given before then (allowed by earlier
versions) is kept, and marked as given before its stage opened.

Two pre-event items ask what the event record already holds (how the agency learned of
the event, the permit status): they are answered from the record, and a contradiction
between an answer and the record blocks approval.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tracker.checklist.models import AnswerRecord, ChecklistEntry, Stage
from tracker.events.models import Event, EventStatus, InformationSource, PermitStatus
from tracker.labels import label
from tracker.timezones import format_local

S = EventStatus

# The status that opens a stage early, and the time field that opens it on its own.
OPENED_BY = {Stage.OPERATIONAL: (S.IN_PROGRESS, "starts_at"),
             Stage.POST_EVENT: (S.CONCLUDED, "ends_at")}
# Statuses at or after the opening status.
LATER = {S.IN_PROGRESS: {S.IN_PROGRESS, S.CONCLUDED, S.CLOSED},
         S.CONCLUDED: {S.CONCLUDED, S.CLOSED}}


def opens_at(event: Event, stage: Stage) -> datetime | None:
    """The instant the stage opened or will open on its own (None: always open)."""
    if stage not in OPENED_BY:
        return None
    status, field = OPENED_BY[stage]
    instants = [getattr(event, field)]
    instants += [c.at for c in event.status_changes if c.to_status == status.value]
    return min(instants)


def is_open(event: Event, stage: Stage, now: datetime) -> bool:
    if stage not in OPENED_BY:
        return True
    status, _ = OPENED_BY[stage]
    return event.status_enum in LATER[status] or opens_at(event, stage) <= now


def when_it_opens(event: Event, stage: Stage) -> str:
    status, field = OPENED_BY[stage]
    moment = "starts" if field == "starts_at" else "ends"
    return (f"{stage.label} items open when the event {moment} "
            f"({format_local(getattr(event, field))}) or is marked "
            f"{label(status).lower()}.")


def answered_early(record: AnswerRecord, event: Event, stage: Stage) -> bool:
    opening = opens_at(event, stage)
    return opening is not None and record.answered_at < opening


# ---- items answered from the event record -----------------------------------------


@dataclass(frozen=True)
class RecordItem:
    field: str  # the event field the item restates ("" when a reader answers it)
    field_label: str
    answers: dict[str, str] = field(default_factory=dict)  # record value -> answer
    # Another area's record answers it (e.g. the after-action report): event -> answer.
    reader: Callable[[Event], str | None] | None = None
    edit_endpoint: str = "events.edit"  # where the record is changed (takes event_id)

    def expected(self, event: Event) -> str | None:
        if self.reader is not None:
            return self.reader(event)
        return self.answers.get(getattr(event, self.field))


RECORD_ITEMS = {
    "pre.source": RecordItem("information_source", "How the agency learned of the event", {
        "permit_application": "Permit application",
        "organizer_notice": "Notice from the organizers",
        "public_announcement": "Public announcement",
        "partner_agency": "Partner agency",
        "other": "Other"}),
    "pre.permit_status": RecordItem("permit_status", "Permit status", {
        "not_required": "No permit required",
        "applied": "Application pending",
        "granted": "Permit granted",
        "granted_with_conditions": "Permit granted",
        "denied": "Permit denied"}),
}


def register_record_item(key: str, item: RecordItem) -> None:
    """A higher area answers an item from its own record (registered at start-up)."""
    RECORD_ITEMS[key] = item


def record_item(entry: ChecklistEntry) -> RecordItem | None:
    return RECORD_ITEMS.get(entry.item.key)


def record_value_label(event: Event, item: RecordItem) -> str:
    if item.reader is not None:
        return item.expected(event) or "not recorded yet"
    enum = InformationSource if item.field == "information_source" else PermitStatus
    return label(enum(getattr(event, item.field)))


def mismatch(entry: ChecklistEntry, event: Event) -> str | None:
    """The exact contradiction between a record item's answer and the record, if any."""
    item = record_item(entry)
    if item is None or entry.value is None:
        return None
    expected = item.expected(event)
    if expected is not None and entry.value == expected:
        return None
    return (f"The checklist answer to \u201c{entry.item.prompt}\u201d is "
            f"\u201c{entry.value}\u201d, but the event record says "
            f"{item.field_label.lower()}: \u201c{record_value_label(event, item)}\u201d.")
