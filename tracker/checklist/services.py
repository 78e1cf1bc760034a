"""Each event's checklist: creating it, due dates, answering, progress and the gates."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker import inputs, versioning
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.checklist import catalog, record_sources, signals, stages
from tracker.checklist.models import (
    AnswerRecord,
    ChecklistEntry,
    EventChecklist,
    RedFlagReview,
    ResponseType,
    ReviewStatus,
    Stage,
    TemplateItem,
)
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events import lifecycle
from tracker.events.models import Event, EventStatus
from tracker.extensions import db

SHORT_TEXT_MAX = 500
JUSTIFICATION_MIN = 20
JUSTIFICATION_MAX = 4000
# Answer values safe to copy into the audit trail: fixed options and dates, never text.
VALUE_TYPES = {ResponseType.CONFIRM, ResponseType.YES_NO, ResponseType.CHOICE,
               ResponseType.DATE}


def due_instant(item: TemplateItem, event: Event) -> datetime | None:
    if item.due_anchor is None or item.due_days is None:
        return None
    anchor = event.starts_at if item.due_anchor == "start" else event.ends_at
    # In UTC: whole 24-hour days, whatever zone the event's times were given in.
    return anchor.astimezone(UTC) + timedelta(days=item.due_days)


def create_for_event(event: Event, actor: User, now: datetime) -> EventChecklist:
    """The event's checklist from the current template: its entries are written in one
    statement and read back in one, whatever the number of items."""
    template = catalog.ensure_template(now)
    checklist = EventChecklist(event_id=event.id, template_id=template.id, created_at=now)
    db.session.add(checklist)
    db.session.flush()
    items = {item.id: item for item in template.items}
    db.session.execute(insert(ChecklistEntry.__table__), [
        {"checklist_id": checklist.id, "item_id": item.id, "due_at": due_instant(item, event),
         "justification": "", "version": 1} for item in items.values()])
    entries = list(db.session.scalars(
        select(ChecklistEntry).where(ChecklistEntry.checklist_id == checklist.id)
        .options(lazyload(ChecklistEntry.item)).order_by(ChecklistEntry.id)))
    for entry in entries:  # nothing to load: a new entry has no answers or reviews yet
        set_committed_value(entry, "item", items[entry.item_id])
        set_committed_value(entry, "checklist", checklist)
        set_committed_value(entry, "history", [])
        set_committed_value(entry, "reviews", [])
    set_committed_value(checklist, "entries", entries)
    audit.record(actor, "checklist.create", "event", event.id, now=now,
                 changes={"template_version": {"from": None, "to": template.version}})
    return checklist


def recompute_due(event: Event) -> None:
    """Due dates follow the event's times: the entries whose due date moves are updated
    in one statement. A due date is derived, not an answer: the entry keeps its version,
    so an answer being written meanwhile is not refused."""
    entries = db.session.scalars(
        select(ChecklistEntry).join(EventChecklist)
        .where(EventChecklist.event_id == event.id))
    moved = []
    for entry in entries:
        due = due_instant(entry.item, event)
        if due != entry.due_at:
            moved.append({"entry_id": entry.id, "due": due})
            set_committed_value(entry, "due_at", due)
    if moved:
        table = ChecklistEntry.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("entry_id"))
                           .values(due_at=bindparam("due")), moved)


def find_for_event(event_id: int) -> EventChecklist | None:
    return db.session.scalar(
        select(EventChecklist).where(EventChecklist.event_id == event_id).options(
            selectinload(EventChecklist.entries).selectinload(ChecklistEntry.reviews),
            selectinload(EventChecklist.entries).selectinload(ChecklistEntry.history)))


def get_for_event(event_id: int) -> EventChecklist:
    checklist = find_for_event(event_id)
    if checklist is None:
        raise NotFound("This event has no checklist.")
    return checklist


def entries_by_stage(checklist: EventChecklist) -> dict[Stage, list[ChecklistEntry]]:
    grouped: dict[Stage, list[ChecklistEntry]] = {stage: [] for stage in Stage}
    for entry in sorted(checklist.entries,
                        key=lambda e: (e.item.stage_order, e.item.position)):
        grouped[entry.item.stage_enum].append(entry)
    return grouped


def current_review(entry: ChecklistEntry) -> RedFlagReview | None:
    """The review of the current answer, if that answer raised a red flag."""
    if not entry.is_red_flag or not entry.reviews or not entry.history:
        return None
    review = entry.reviews[-1]
    return review if review.answer_id == entry.history[-1].id else None


def may_answer(actor: User, entry: ChecklistEntry) -> bool:
    """Only a holder of the item's responsible role answers it: a planner does not answer
    for leadership or the privacy officer."""
    return actor.has_role(Role(entry.item.responsible_role))


def why_not_answerable(actor: User, entry: ChecklistEntry, now: datetime) -> str | None:
    """Why the actor cannot answer the item now, in words; None when they can."""
    event = entry.checklist.event
    if event.status_enum in lifecycle.FINAL_STATES:
        return "The checklist of a closed or cancelled event is final."
    if stages.record_item(entry) is not None:
        return "This item is answered from the event record: change it on the event."
    source = record_sources.source_for(entry.item.key)
    if source is not None:
        return f"This item is answered from {source.label}: record it there."
    if not may_answer(actor, entry):
        return (f"Only someone with the {Role(entry.item.responsible_role).label} role "
                "answers this item; you can read it.")
    stage = entry.item.stage_enum
    if not stages.is_open(event, stage, now):
        return stages.when_it_opens(event, stage)
    return None


def _clean_value(item: TemplateItem, raw: str | None) -> str:
    value = (raw or "").strip()
    if not value:
        raise ValidationError("value", "Give an answer.")
    inputs.check_storable("value", value)
    kind = ResponseType(item.response_type)
    if item.answer_options and value not in item.answer_options:
        raise ValidationError("value", "Choose one of the listed answers.")
    if kind is ResponseType.DATE:
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError("value", "Enter a date as YYYY-MM-DD.") from exc
        if not inputs.in_window(day):
            raise ValidationError("value", inputs.DATE_MESSAGE)
        value = day.isoformat()
    if kind is ResponseType.SHORT_TEXT and len(value) > SHORT_TEXT_MAX:
        raise ValidationError("value", f"Use at most {SHORT_TEXT_MAX} characters.")
    return value


def _clean_justification(item: TemplateItem, value: str, raw: str | None) -> str:
    text = (raw or "").strip()
    inputs.check_storable("justification", text)
    if len(text) > JUSTIFICATION_MAX:
        raise ValidationError("justification", f"Use at most {JUSTIFICATION_MAX:,} characters.")
    if value in (item.red_flag_answers or []) and len(text) < JUSTIFICATION_MIN:
        raise ValidationError(
            "justification",
            f"This answer raises a red flag: explain in at least {JUSTIFICATION_MIN} "
            "characters why it is needed and who authorised it. A privacy officer "
            "will review it.")
    return text


def answer(actor: User, entry: ChecklistEntry, raw_value: str | None,
           raw_justification: str | None, now: datetime, version: int | None = None) -> bool:
    """Record an answer given on `version` of the entry (a Conflict if it has been
    answered since); returns False when nothing changed. Opens a red-flag review
    when the answer raises one; a pending review of an earlier answer is withdrawn."""
    if not may_answer(actor, entry):
        raise Forbidden("Your role does not answer this item.")
    versioning.check(entry, version, "checklist answer")
    refusal = why_not_answerable(actor, entry, now)
    if refusal:
        raise ValidationError(None, refusal)
    value = _clean_value(entry.item, raw_value)
    if value == entry.value and not (raw_justification or "").strip():
        # The form starts with an empty justification: the same answer keeps its own.
        raw_justification = entry.justification
    justification = _clean_justification(entry.item, value, raw_justification)
    return _record(actor, entry, value, justification, now)


def _record(actor: User, entry: ChecklistEntry, value: str | None, justification: str,
            now: datetime, from_record: bool = False) -> bool:
    event = entry.checklist.event
    if value == entry.value and justification == entry.justification:
        return False
    previous = entry.value
    record = AnswerRecord(value=value, justification=justification, responder_id=actor.id,
                          answered_at=now, from_record=from_record)
    entry.history.append(record)
    entry.value, entry.justification = value, justification
    entry.answered_by_id, entry.answered_at = actor.id, now
    for review in entry.reviews:
        if review.status == ReviewStatus.PENDING:
            review.status = ReviewStatus.WITHDRAWN.value
    db.session.flush()
    audit.record(actor, "checklist.answer", "checklist_entry", entry.id, now=now,
                 changes=_answer_summary(entry, previous, value, justification))
    if not from_record:
        # Record answers follow an event change, whose own signal re-syncs reminders.
        signals.entry_answered.send(entry, event=event, now=now)
    if entry.is_red_flag:
        review = RedFlagReview(entry=entry, answer_id=record.id, opened_at=now)
        db.session.add(review)
        db.session.flush()
        audit.record(actor, "red_flag.open", "red_flag_review", review.id, now=now,
                     changes={"item": entry.item.key, "event_id": event.id})
        signals.red_flag_opened.send(review, event=event, actor=actor, now=now)
    return True


def answer_from_record(actor: User, entry: ChecklistEntry, now: datetime) -> bool:
    """A planner brings a record item's answer in line with the event record."""
    item = stages.record_item(entry)
    if item is None:
        raise ValidationError(None, "This item is not answered from the event record.")
    if not actor.has_role(Role.PLANNER):
        raise Forbidden("Only planners change the event record.")
    if entry.checklist.event.status_enum in lifecycle.FINAL_STATES:
        raise ValidationError(None, "The checklist of a closed or cancelled event is final.")
    expected = item.expected(entry.checklist.event)
    if expected is None or (entry.item.answer_options
                             and expected not in entry.item.answer_options):
        raise ValidationError(None, "No answer of this item matches the event record: "
                                    "change the event record.")
    changed = _record(actor, entry, expected, "", now, from_record=True)
    if changed:
        signals.entry_answered.send(entry, event=entry.checklist.event, now=now)
    return changed


def sync_from_record(event: Event, actor: User, now: datetime) -> int:
    """Answer the items that restate the event record from the record (after the event
    is recorded or changed); returns how many answers changed."""
    checklist = find_for_event(event.id)
    if checklist is None or event.status_enum in lifecycle.FINAL_STATES:
        return 0
    changed = 0
    for entry in checklist.entries:
        item = stages.record_item(entry)
        expected = item.expected(event) if item else None
        if expected is None or (entry.item.answer_options
                             and expected not in entry.item.answer_options):
            continue  # a template whose options no longer fit: the gate shows it
        changed += _record(actor, entry, expected, "", now, from_record=True)
    return changed


def sync_from_sources(event: Event, actor: User, now: datetime) -> int:
    """Answer the items that other areas' records answer (record_sources), or clear them
    while the records give no answer or their stage has not opened; returns how many
    answers changed. Called after those records change and on status changes."""
    checklist = find_for_event(event.id)
    if checklist is None or event.status_enum in lifecycle.FINAL_STATES:
        return 0
    changed = 0
    for entry in checklist.entries:
        source = record_sources.source_for(entry.item.key)
        if source is None:
            continue
        expected = (source.answer(event)
                    if stages.is_open(event, entry.item.stage_enum, now) else None)
        options = entry.item.answer_options  # none for free text: any answer fits
        if expected is not None and options and expected not in options:
            continue  # a template whose options no longer fit the records' answer
        if expected is None and entry.value is None:
            continue
        if _record(actor, entry, expected, "", now, from_record=True):
            changed += 1
            signals.entry_answered.send(entry, event=event, now=now)
    return changed


def _answer_summary(entry, previous, value, justification) -> dict:
    summary: dict = {"item": entry.item.key, "event_id": entry.checklist.event_id}
    if ResponseType(entry.item.response_type) in VALUE_TYPES:
        summary["value"] = {"from": previous, "to": value}
    else:
        summary["value"] = "changed"
    if justification:
        summary["justification"] = "changed"
    return summary


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int
    required_left: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


def progress(entries: list[ChecklistEntry]) -> Progress:
    return Progress(
        answered=sum(e.answered for e in entries),
        total=len(entries),
        required_left=sum(e.item.required and not e.answered for e in entries),
    )


def find_entry(checklist: EventChecklist, stage: Stage, number: int) -> ChecklistEntry:
    entries = entries_by_stage(checklist)[stage]
    if not 1 <= number <= len(entries):
        raise NotFound("No such checklist step.")
    return entries[number - 1]


def step_number(entry: ChecklistEntry) -> int:
    stage_entries = entries_by_stage(entry.checklist)[entry.item.stage_enum]
    return stage_entries.index(entry) + 1


def answer_text(item: TemplateItem, value: str | None) -> str:
    """An answer as a person reads it."""
    if value is None:
        return "Not answered"
    if item.response_type == ResponseType.YES_NO:
        return value.capitalize()
    if item.response_type == ResponseType.CONFIRM:
        return "Done"
    return value


def reviews_by_answer(entries: list[ChecklistEntry]) -> dict[int, list[RedFlagReview]]:
    """Each review under the answer version it judged."""
    found: dict[int, list[RedFlagReview]] = {}
    for entry in entries:
        for review in entry.reviews:
            found.setdefault(review.answer_id, []).append(review)
    return found


def review_problems(entries: list[ChecklistEntry]) -> list[tuple[ChecklistEntry, str]]:
    """Entries whose red flag is not cleared: review pending or rejected."""
    problems = []
    for entry in entries:
        review = current_review(entry)
        if review is not None and review.status in (ReviewStatus.PENDING,
                                                    ReviewStatus.REJECTED):
            problems.append((entry, review.status))
    return problems


def overdue_and_due(user: User, now: datetime, days: int, limit: int = 100
                    ) -> tuple[list[ChecklistEntry], int]:
    """Unanswered items due within `days` (or already overdue) on open events where the
    user is the assigned planner or liaison and holds the item's responsible role: the
    `limit` soonest due, and how many there are in all."""
    open_states = [s.value for s in lifecycle.OPEN_STATES] + [EventStatus.CONCLUDED.value]
    stmt = (
        select(ChecklistEntry)
        .join(ChecklistEntry.checklist).join(EventChecklist.event)
        .join(ChecklistEntry.item)
        .where(ChecklistEntry.value.is_(None), ChecklistEntry.due_at.is_not(None),
               ChecklistEntry.due_at <= now + timedelta(days=days),
               Event.status.in_(open_states),
               TemplateItem.responsible_role.in_([r.value for r in user.roles]),
               (Event.planner_id == user.id) | (Event.liaison_id == user.id))
    )
    shown = list(db.session.scalars(
        stmt.order_by(ChecklistEntry.due_at, ChecklistEntry.id).limit(limit).options(
            selectinload(ChecklistEntry.checklist).selectinload(EventChecklist.event))))
    total = len(shown) if len(shown) < limit else db.session.scalar(
        stmt.with_only_columns(func.count(ChecklistEntry.id)))
    return shown, total
