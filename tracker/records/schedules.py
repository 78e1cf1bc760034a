"""The records schedule of an event's own free text (28 CFR 23.20(h)).

Each event's free text (tracker.data_schedules.SCHEDULED_TEXT: the event's notes, route
and permit conditions, status notes, red-flag justifications and review notes, product
texts, register descriptions, authorization purposes, and the copies of those texts in
plan approvals and material changes) is reviewed RECORDS_REVIEW_YEARS after the event
ends. A privacy officer keeps it (a reason and a new review date, at most that many
years ahead) or purges it: the texts are erased, the rows, their dates and the audit
trail remain. After the purge's commit, scrub() erases the old values from the database
files too (the outreach purge's storage scrub)."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy import text as sql_text
from sqlalchemy.exc import OperationalError

from tracker import inputs, versioning
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.checklist.models import AnswerRecord, ChecklistEntry, EventChecklist, RedFlagReview
from tracker.data_schedules import SCHEDULED_TEXT
from tracker.errors import NotFound, ValidationError
from tracker.events.models import (
    Event,
    EventStatus,
    EventStatusChange,
    MaterialChange,
    PlanApproval,
)
from tracker.extensions import db
from tracker.outreach import retention
from tracker.records import access
from tracker.records.authorization_models import OnlineAuthorization
from tracker.records.models import RegisterItem
from tracker.records.product_models import Product, ProductVersion
from tracker.records.schedule_models import RecordsSchedule
from tracker.records.text import text
from tracker.timezones import local_date

DEFAULT_YEARS = 5
PURGED = ""  # what an erased text becomes
OPEN_STATES = (EventStatus.DRAFT, EventStatus.PLANNING, EventStatus.PLAN_APPROVED,
               EventStatus.IN_PROGRESS, EventStatus.POSTPONED)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def default_review_on(event: Event, years: int = DEFAULT_YEARS) -> date:
    return _years_after(local_date(event.ends_at), years)


@dataclass(frozen=True)
class Schedule:
    """An event's schedule as it stands: its row if a decision was made, else the
    default."""

    event: Event
    review_on: date
    row: RecordsSchedule | None

    @property
    def purged(self) -> bool:
        return self.row is not None and self.row.texts_purged_at is not None

    def due(self, today: date) -> bool:
        return not self.purged and self.review_on <= today


def schedule_for(event: Event, years: int = DEFAULT_YEARS) -> Schedule:
    row = db.session.scalar(select(RecordsSchedule).where(RecordsSchedule.event_id == event.id))
    return Schedule(event, row.review_on if row else default_review_on(event, years), row)


def all_schedules(years: int = DEFAULT_YEARS) -> list[Schedule]:
    rows = {r.event_id: r for r in db.session.scalars(select(RecordsSchedule))}
    events = db.session.scalars(select(Event).order_by(Event.ends_at, Event.id))
    found = [Schedule(e, rows[e.id].review_on if e.id in rows else default_review_on(e, years),
                      rows.get(e.id)) for e in events]
    return sorted(found, key=lambda s: (s.review_on, s.event.id))


def due(today: date, years: int = DEFAULT_YEARS) -> list[Schedule]:
    """The privacy officer's queue: schedules whose review date has come."""
    return [s for s in all_schedules(years) if s.due(today)]


def _row(event: Event, years: int) -> RecordsSchedule:
    current = schedule_for(event, years)
    if current.row is not None:
        return current.row
    row = RecordsSchedule(event_id=event.id, review_on=current.review_on, reason="")
    db.session.add(row)
    return row


def _check_due(schedule: Schedule, now: datetime) -> None:
    if schedule.purged:
        raise ValidationError(None, "This event's text was already purged.")
    if schedule.event.status in OPEN_STATES:
        raise ValidationError(None, "The event is not over: its record is still in use.")
    if not schedule.due(local_date(now)):
        raise ValidationError(None, "This schedule is not due for review yet.")


def keep(actor: User, event: Event, reason: str, review_on: date | None, now: datetime,
         years: int = DEFAULT_YEARS, expected_version: int | None = None) -> RecordsSchedule:
    access.require_decider(actor)
    schedule = schedule_for(event, years)
    _check_due(schedule, now)
    if schedule.row is not None:
        versioning.check(schedule.row, expected_version, "records schedule")
    reason = text("reason", reason, 2000, minimum=10)
    today = local_date(now)
    if review_on is None:
        raise ValidationError("review_on", "Enter the date of the next review.")
    if not inputs.in_window(review_on):
        raise ValidationError("review_on", inputs.DATE_MESSAGE)
    if review_on <= today:
        raise ValidationError("review_on", "The next review must be after today.")
    if review_on > _years_after(today, years):
        raise ValidationError("review_on", f"Review again within {years} years.")
    row = _row(event, years)
    before = row.review_on
    row.review_on, row.decision, row.reason = review_on, "keep", reason
    row.decided_by_id, row.decided_at = actor.id, now
    db.session.flush()
    audit.record(actor, "records_schedule.keep", "event", event.id, now=now,
                 changes={"review_on": [before.isoformat(), review_on.isoformat()],
                          "reason": "changed"})
    return row


def purge(actor: User, event: Event, now: datetime, years: int = DEFAULT_YEARS,
          expected_version: int | None = None) -> dict[str, int]:
    """Erase the event's scheduled texts; returns how many rows of each table changed.
    The caller commits, then calls scrub(now) and commits again."""
    access.require_decider(actor)
    schedule = schedule_for(event, years)
    _check_due(schedule, now)
    if schedule.row is not None:
        versioning.check(schedule.row, expected_version, "records schedule")
    counts = _erase(event)
    row = _row(event, years)
    row.decision, row.reason = "purge", ""
    row.decided_by_id, row.decided_at, row.texts_purged_at = actor.id, now, now
    retention.mark_scrub_pending(now)
    db.session.flush()
    audit.record(actor, "records_schedule.purge", "event", event.id, now=now,
                 changes={"purged": {t: n for t, n in counts.items() if n}})
    return counts


def _erase(event: Event) -> dict[str, int]:
    counts: dict[str, int] = {}

    def blank(model, where, table):
        values = dict.fromkeys(SCHEDULED_TEXT[table], PURGED)
        result = db.session.execute(update(model).where(where).values(**values)
                                    .execution_options(synchronize_session=False))
        counts[table] = result.rowcount

    # The event row itself goes through the ORM: its version is raised, so a form left
    # open on the old text is a conflict rather than a silent restore.
    for name in SCHEDULED_TEXT["event"]:
        setattr(event, name, PURGED)
    counts["event"] = 1
    entries = select(ChecklistEntry.id).join(EventChecklist).where(
        EventChecklist.event_id == event.id)
    blank(EventStatusChange, EventStatusChange.event_id == event.id, "event_status_change")
    blank(ChecklistEntry, ChecklistEntry.id.in_(entries), "checklist_entry")
    blank(AnswerRecord, AnswerRecord.entry_id.in_(entries), "checklist_answer")
    blank(RedFlagReview, RedFlagReview.entry_id.in_(entries), "red_flag_review")
    products = select(Product.id).where(Product.event_id == event.id)
    blank(ProductVersion, ProductVersion.product_id.in_(products), "product_version")
    blank(RegisterItem, RegisterItem.event_id == event.id, "register_item")
    blank(OnlineAuthorization, OnlineAuthorization.event_id == event.id,
          "online_authorization")
    # Copies of the texts inside JSON: the approved content and the change records.
    approvals = db.session.scalars(select(PlanApproval).where(PlanApproval.event_id == event.id))
    counts["plan_approval"] = 0
    for approval in approvals:
        approval.content = {"purged": True}
        counts["plan_approval"] += 1
    changes = db.session.scalars(select(MaterialChange).where(MaterialChange.event_id == event.id))
    counts["event_material_change"] = 0
    for change in changes:
        change.changes = [{"field": c.get("field"), "label": c.get("label"), "old": PURGED,
                           "new": PURGED} for c in change.changes or []]
        counts["event_material_change"] += 1
    db.session.flush()
    db.session.expire_all()
    return counts


# Tables whose old row versions PostgreSQL keeps in the table file after an UPDATE.
REWRITTEN_TABLES = tuple(SCHEDULED_TEXT)


def scrub(now: datetime) -> retention.ScrubOutcome:
    """After the purge's commit: the erased values out of the database files (SQLite:
    the outreach scrub's checkpoint, which covers every table; PostgreSQL: each table
    rewritten). The outcome is recorded on the shared scrub row; the caller commits."""
    if db.engine.dialect.name == "postgresql":
        outcome = _rewrite_postgresql()
        if outcome.erased:
            outcome = retention.scrub_storage()
    else:
        outcome = retention.scrub_storage()
    retention.record_scrub(outcome, now)
    return outcome


def _rewrite_postgresql() -> retention.ScrubOutcome:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sql_text("SET lock_timeout = '5s'"))
        try:
            for table in REWRITTEN_TABLES:
                conn.execute(sql_text(f'VACUUM FULL "{table}"'))
        except OperationalError:
            return retention.ScrubOutcome(False, "another transaction is using the event "
                                                 "tables; the scrub is retried")
        finally:
            conn.execute(sql_text("RESET lock_timeout"))
    return retention.ScrubOutcome(True)


def get_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    return event
