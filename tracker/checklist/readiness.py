"""How ready each event is, for the dashboard's lists: the required items left in the
stage that matters now, and the red flags pending or rejected. A few grouped queries for
a whole list of events, not one per event."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from tracker.accounts.models import User
from tracker.checklist.models import (
    AnswerRecord,
    ChecklistEntry,
    EventChecklist,
    RedFlagReview,
    ReviewStatus,
    Stage,
    TemplateItem,
)
from tracker.events import lifecycle
from tracker.events.models import Event, EventStatus
from tracker.extensions import db

S = EventStatus
# The stage whose required items an event works on in each status.
STAGE_FOR_STATUS = {S.DRAFT: Stage.PRE_EVENT, S.PLANNING: Stage.PRE_EVENT,
                    S.POSTPONED: Stage.PRE_EVENT, S.PLAN_APPROVED: Stage.OPERATIONAL,
                    S.IN_PROGRESS: Stage.OPERATIONAL, S.CONCLUDED: Stage.POST_EVENT,
                    S.CLOSED: Stage.POST_EVENT, S.CANCELLED: Stage.PRE_EVENT}


@dataclass(frozen=True)
class Readiness:
    stage: Stage
    required_left: int
    flags_pending: int
    flags_rejected: int

    @property
    def ready(self) -> bool:
        return not (self.required_left or self.flags_pending or self.flags_rejected)


def for_events(events: list[Event]) -> dict[int, Readiness]:
    ids = [e.id for e in events]
    if not ids:
        return {}
    left = {(event_id, stage): count for event_id, stage, count in db.session.execute(
        select(EventChecklist.event_id, TemplateItem.stage, func.count(ChecklistEntry.id))
        .join(ChecklistEntry.checklist).join(ChecklistEntry.item)
        .where(EventChecklist.event_id.in_(ids), TemplateItem.required.is_(True),
               ChecklistEntry.value.is_(None))
        .group_by(EventChecklist.event_id, TemplateItem.stage))}
    # A review counts while it judges the entry's latest answer.
    latest = (select(func.max(AnswerRecord.id)).where(
        AnswerRecord.entry_id == RedFlagReview.entry_id).scalar_subquery())
    flags = {(event_id, status): count for event_id, status, count in db.session.execute(
        select(EventChecklist.event_id, RedFlagReview.status, func.count(RedFlagReview.id))
        .join(RedFlagReview.entry).join(ChecklistEntry.checklist)
        .where(EventChecklist.event_id.in_(ids), RedFlagReview.answer_id == latest,
               RedFlagReview.status.in_([ReviewStatus.PENDING.value,
                                         ReviewStatus.REJECTED.value]))
        .group_by(EventChecklist.event_id, RedFlagReview.status))}
    found = {}
    for event in events:
        stage = STAGE_FOR_STATUS[event.status_enum]
        found[event.id] = Readiness(
            stage, left.get((event.id, stage.value), 0),
            flags.get((event.id, ReviewStatus.PENDING.value), 0),
            flags.get((event.id, ReviewStatus.REJECTED.value), 0))
    return found


# A dashboard total counts at most this many rows: past it the page says "more than".
COUNT_MAX = 1000


def due_for(user: User, now: datetime, days: int, limit: int = 100,
            overdue_days: int = 90
            ) -> tuple[list[ChecklistEntry], int, list[ChecklistEntry], int]:
    """Unanswered items on the user's open events that the user's roles answer:
    (overdue within the last `overdue_days`, how many in all, due within `days`, how
    many in all).

    Each list starts from the unanswered entries in its time window, in due order (the
    partial index ix_checklist_entry_open_due), and stops at `limit`; a total counts at
    most COUNT_MAX + 1 rows (more than COUNT_MAX is shown as such). Neither grows with
    the number of events or the years of history. The event's columns are wrapped
    (coalesce) so that databases walk the due index rather than every event of the user
    (SQLite's planner prefers the assignee indexes otherwise)."""
    open_states = [s.value for s in lifecycle.OPEN_STATES] + [S.CONCLUDED.value]
    base = (
        select(ChecklistEntry)
        .join(ChecklistEntry.checklist).join(EventChecklist.event)
        .join(ChecklistEntry.item)
        .where(ChecklistEntry.value.is_(None), ChecklistEntry.due_at.is_not(None),
               func.coalesce(Event.status, Event.status).in_(open_states),
               TemplateItem.responsible_role.in_([r.value for r in user.roles]),
               (func.coalesce(Event.planner_id, 0) == user.id)
               | (func.coalesce(Event.liaison_id, 0) == user.id)))
    result = []
    for stmt in (base.where(ChecklistEntry.due_at >= now - timedelta(days=overdue_days),
                            ChecklistEntry.due_at < now),
                 base.where(ChecklistEntry.due_at >= now,
                            ChecklistEntry.due_at <= now + timedelta(days=days))):
        # The joined checklist, event and item come with each row: the page groups the
        # entries by event and names their items without a query per group.
        shown = list(db.session.scalars(stmt.options(
            contains_eager(ChecklistEntry.checklist).contains_eager(EventChecklist.event),
            contains_eager(ChecklistEntry.item)).order_by(
            ChecklistEntry.due_at, ChecklistEntry.id).limit(limit)))
        total = len(shown) if len(shown) < limit else bounded_count(stmt)
        result += [shown, total]
    return result[0], result[1], result[2], result[3]


def bounded_count(stmt) -> int:
    """How many rows `stmt` has, counting at most COUNT_MAX + 1."""
    window = stmt.with_only_columns(ChecklistEntry.id).order_by(None).limit(
        COUNT_MAX + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(window)) or 0


def by_event(entries: list[ChecklistEntry]) -> list[tuple[Event, list[ChecklistEntry]]]:
    """Entries grouped by their event, in the order the events first appear."""
    groups: dict[int, tuple[Event, list]] = {}
    for entry in entries:
        event = entry.checklist.event
        groups.setdefault(event.id, (event, []))[1].append(entry)
    return list(groups.values())
