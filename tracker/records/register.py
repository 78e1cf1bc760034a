"""The collected-information register: recording what was gathered about an event and
deciding what becomes of it before its due date.

An item is described, never stored. Its description names no person unless a criminal
predicate is recorded (a reference and the checklist red-flag review that judged it). Its
due date comes from the retention settings for its category. Before that date it is
destroyed (who, when, how) or kept under a records schedule with a justification that a
privacy officer approves; an item past due without either shows on the privacy officer's
dashboard and in their weekly reminder.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from tracker import inputs, versioning
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.checklist import services as checklist
from tracker.checklist.models import ChecklistEntry, EventChecklist, RedFlagReview, ReviewStatus
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.records import access
from tracker.records.models import Disposition, ItemCategory, KeepStatus, RegisterItem
from tracker.records.text import choice, text

TEXT_MAX = 2000
JUSTIFICATION_MIN = 20
# Values safe to copy into the audit trail: none can hold a person's details.
AUDITED_VALUES = ("category", "concerns_individuals", "due_on", "disposition",
                  "keep_status", "keep_until", "predicate_review_id")


@dataclass
class ItemData:
    category: str
    description: str
    source: str
    purpose: str
    concerns_individuals: bool = False
    predicate_reference: str = ""
    predicate_review_id: int | None = None


def due_on(event: Event, category: str, recorded_on: date, days_by_category: dict,
           event_end_on: date) -> date:
    """Due `days` after the later of the event's end and the day it was recorded."""
    days = int(days_by_category.get(category, days_by_category.get("other", 30)))
    return max(event_end_on, recorded_on) + timedelta(days=days)


def _predicate_review(event: Event, review_id: int | None) -> RedFlagReview:
    if review_id is None:
        raise ValidationError("predicate_review_id", "Choose the red-flag review of the "
                                                     "criminal predicate.")
    review = db.session.get(RedFlagReview, review_id)
    if review is None or review.entry.checklist.event_id != event.id:
        raise ValidationError("predicate_review_id", "Choose a red-flag review of this "
                                                     "event's checklist.")
    if review.status not in (ReviewStatus.PENDING, ReviewStatus.APPROVED):
        raise ValidationError("predicate_review_id", "That red-flag review was rejected or "
                                                     "withdrawn: it supports no predicate.")
    return review


def _clean(event: Event, data: ItemData) -> dict:
    values = {
        "category": choice("category", data.category, ItemCategory),
        "description": text("description", data.description, TEXT_MAX),
        "source": text("source", data.source, 200, single_line=True),
        "purpose": text("purpose", data.purpose, TEXT_MAX),
        "concerns_individuals": bool(data.concerns_individuals),
        "predicate_reference": text("predicate_reference", data.predicate_reference, 120,
                                    required=False, single_line=True) or None,
        "predicate_review_id": None,
    }
    if values["concerns_individuals"]:
        if not values["predicate_reference"]:
            raise ValidationError("predicate_reference", "An item about individuals needs "
                                  "the criminal predicate: give its case or report number, "
                                  "or describe the item without naming anyone.")
        values["predicate_review_id"] = _predicate_review(event, data.predicate_review_id).id
    elif data.predicate_review_id is not None:
        values["predicate_review_id"] = _predicate_review(event, data.predicate_review_id).id
    return values


def _snapshot(item: RegisterItem) -> dict:
    names = (*AUDITED_VALUES, "description", "source", "purpose", "predicate_reference",
             "destruction_method", "keep_schedule", "keep_justification",
             "keep_decision_note")
    return {name: getattr(item, name) for name in names}


def _open_event(event: Event) -> None:
    # A cancelled event's register stays open: what was gathered before the
    # cancellation still needs its disposition.
    if event.status == EventStatus.CLOSED:
        raise ValidationError(None, "The event's record is closed: its register is final.")


def _sync(actor: User, event: Event, now: datetime) -> None:
    checklist.sync_from_sources(event, actor, now)


def add_item(actor: User, event: Event, data: ItemData, now: datetime, *,
             days_by_category: dict, event_end_on: date, today: date) -> RegisterItem:
    access.require_writer(actor, event)
    _open_event(event)
    values = _clean(event, data)
    item = RegisterItem(event_id=event.id, recorded_by_id=actor.id, recorded_at=now,
                        due_on=due_on(event, values["category"], today, days_by_category,
                                      event_end_on), **values)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "register.create", "register_item", item.id, now=now,
                 changes={**audit.diff({}, _snapshot(item), AUDITED_VALUES),
                          "event_id": event.id})
    _sync(actor, event, now)
    return item


def update_item(actor: User, item: RegisterItem, data: ItemData, now: datetime,
                version: int | None = None) -> bool:
    """Correct an item's description before its disposition (the due date keeps)."""
    access.require_writer(actor, item.event)
    _open_event(item.event)
    versioning.check(item, version, "register item")
    if item.disposition is not None:
        raise ValidationError(None, "An item with a disposition is no longer edited.")
    values = _clean(item.event, data)
    before = _snapshot(item)
    for name, value in values.items():
        setattr(item, name, value)
    changes = audit.diff(before, _snapshot(item), AUDITED_VALUES)
    if not changes:
        return False
    db.session.flush()
    audit.record(actor, "register.update", "register_item", item.id, now=now, changes=changes)
    return True


def _may_dispose(actor: User, item: RegisterItem) -> None:
    if not (access.writes(actor, item.event) or access.decides(actor)):
        raise Forbidden("Only the event's planner or liaison officer, or a privacy officer, "
                        "records a disposition.")
    _open_event(item.event)
    if item.disposed or (item.disposition == Disposition.KEPT
                         and item.keep_status == KeepStatus.PENDING):
        raise ValidationError(None, "This item already has a disposition.")


def destroy(actor: User, item: RegisterItem, method: str, now: datetime,
            version: int | None = None) -> None:
    """Record that the item (every copy) was destroyed, and how."""
    _may_dispose(actor, item)
    versioning.check(item, version, "register item")
    method = text("destruction_method", method, 200, single_line=True, minimum=5)
    before = _snapshot(item)
    item.disposition, item.disposed_by_id, item.disposed_at = Disposition.DESTROYED.value, \
        actor.id, now
    item.destruction_method = method
    item.keep_status = None
    db.session.flush()
    audit.record(actor, "register.destroy", "register_item", item.id, now=now,
                 changes=audit.diff(before, _snapshot(item), AUDITED_VALUES))
    _sync(actor, item.event, now)


def propose_keep(actor: User, item: RegisterItem, schedule: str, justification: str,
                 keep_until: date | None, now: datetime, version: int | None = None) -> None:
    """Propose keeping the item under a records schedule; a privacy officer decides."""
    _may_dispose(actor, item)
    versioning.check(item, version, "register item")
    schedule = text("keep_schedule", schedule, 120, single_line=True)
    justification = text("keep_justification", justification, TEXT_MAX,
                         minimum=JUSTIFICATION_MIN)
    if keep_until is None:
        raise ValidationError("keep_until", "Enter the date until which it is kept.")
    if not inputs.in_window(keep_until):
        raise ValidationError("keep_until", inputs.DATE_MESSAGE)
    if keep_until <= item.due_on:
        raise ValidationError("keep_until", "Keeping runs past the due date: choose a later "
                                            "date.")
    if keep_until > item.recorded_at.date() + timedelta(days=5 * 366):
        raise ValidationError("keep_until", "Keep at most five years, then review again "
                                            "(28 CFR 23.20(h)).")
    before = _snapshot(item)
    item.disposition, item.disposed_by_id, item.disposed_at = Disposition.KEPT.value, \
        actor.id, now
    item.keep_schedule, item.keep_justification, item.keep_until = schedule, justification, \
        keep_until
    item.keep_status = KeepStatus.PENDING.value
    item.keep_decided_by_id = item.keep_decided_at = item.keep_decision_note = None
    db.session.flush()
    audit.record(actor, "register.propose_keep", "register_item", item.id, now=now,
                 changes=audit.diff(before, _snapshot(item), AUDITED_VALUES))
    _sync(actor, item.event, now)


def decide_keep(actor: User, item: RegisterItem, decision: str, note: str, now: datetime,
                version: int | None = None) -> None:
    """A privacy officer approves or refuses keeping the item. A refused item needs
    another disposition. Nobody approves their own proposal."""
    access.require_decider(actor)
    _open_event(item.event)
    versioning.check(item, version, "register item")
    if item.disposition != Disposition.KEPT or item.keep_status != KeepStatus.PENDING:
        raise ValidationError(None, "No proposal to keep this item is waiting.")
    if decision not in (KeepStatus.APPROVED, KeepStatus.REJECTED):
        raise ValidationError("decision", "Choose approve or refuse.")
    if item.disposed_by_id == actor.id:
        raise Forbidden("Another privacy officer decides a proposal you made.")
    note = text("keep_decision_note", note, TEXT_MAX,
                required=decision == KeepStatus.REJECTED)
    before = _snapshot(item)
    item.keep_status, item.keep_decided_by_id, item.keep_decided_at = decision, actor.id, now
    item.keep_decision_note = note or None
    if decision == KeepStatus.REJECTED:
        item.disposition = None  # back to needing a disposition
    db.session.flush()
    audit.record(actor, f"register.keep_{decision}", "register_item", item.id, now=now,
                 changes=audit.diff(before, _snapshot(item), AUDITED_VALUES))
    _sync(actor, item.event, now)


# ---- reading -------------------------------------------------------------------------


def get_item(item_id: int) -> RegisterItem:
    item = db.session.get(RegisterItem, item_id)
    if item is None:
        raise NotFound("No such register item.")
    return item


def for_event(event_id: int) -> list[RegisterItem]:
    stmt = (select(RegisterItem).where(RegisterItem.event_id == event_id)
            .options(selectinload(RegisterItem.recorded_by),
                     selectinload(RegisterItem.disposed_by),
                     selectinload(RegisterItem.keep_decided_by))
            .order_by(RegisterItem.recorded_at, RegisterItem.id))
    return list(db.session.scalars(stmt))


def _undisposed():
    return or_(RegisterItem.disposition.is_(None),
               and_(RegisterItem.disposition == Disposition.KEPT.value,
                    RegisterItem.keep_status != KeepStatus.APPROVED.value))


def past_due(today: date, limit: int = 200) -> list[RegisterItem]:
    """Items past their due date without a final disposition, across events (the privacy
    officer's list; descriptions are not shown there)."""
    stmt = (select(RegisterItem).where(RegisterItem.due_on < today, _undisposed())
            .options(selectinload(RegisterItem.event))
            .order_by(RegisterItem.due_on, RegisterItem.id).limit(limit))
    return list(db.session.scalars(stmt))


def keep_proposals() -> list[RegisterItem]:
    """Proposals to keep an item, waiting for a privacy officer."""
    stmt = (select(RegisterItem)
            .where(RegisterItem.disposition == Disposition.KEPT.value,
                   RegisterItem.keep_status == KeepStatus.PENDING.value)
            .options(selectinload(RegisterItem.event))
            .order_by(RegisterItem.disposed_at, RegisterItem.id))
    return list(db.session.scalars(stmt))


def predicate_reviews(event_id: int) -> list[RedFlagReview]:
    """The event's red-flag reviews a predicate may refer to (pending or approved)."""
    stmt = (select(RedFlagReview).join(RedFlagReview.entry).join(ChecklistEntry.checklist)
            .where(EventChecklist.event_id == event_id,
                   RedFlagReview.status.in_([ReviewStatus.PENDING.value,
                                             ReviewStatus.APPROVED.value]))
            .options(selectinload(RedFlagReview.entry))
            .order_by(RedFlagReview.opened_at, RedFlagReview.id))
    return list(db.session.scalars(stmt))
