"""Leadership's overview: the next 30 days with each event's readiness, and monthly
counts for the charts. Every count is grouped by month in the database: a month is the
agency's calendar month, given to the query as UTC bounds (so daylight-saving changes
and the database's lack of time zones do not move an event to the wrong month).

Plans approved on time: an event that started in the month counts as "on time" when its
plan was first approved at least PLAN_APPROVAL_LEAD_HOURS (config) before its start,
"late" when first approved after that deadline (even if before the start), and "not
approved" when it started without an approval. Cancelled events are left out."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Interval, and_, case, cast, func, literal, select

from tracker.checklist import readiness
from tracker.checklist.models import RedFlagReview, ReviewStatus
from tracker.events import services as events
from tracker.events.models import Event, EventKind, EventStatus, PlanApproval, label
from tracker.extensions import db
from tracker.timezones import agency_zone, to_local

TIMELINE_DAYS = 30
TIMELINE_MAX = 200
PAST_MONTHS, NEXT_MONTHS = 12, 3


@dataclass(frozen=True)
class Month:
    key: str  # "2026-12"
    label: str  # "Dec 2026"
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Table:
    """A chart's numbers: one row per month, one column per series."""

    months: list[Month]
    series: list[tuple[str, str]]  # (key, label)
    counts: dict[tuple[str, str], int]  # (month key, series key) -> count

    def value(self, month: Month, key: str) -> int:
        return self.counts.get((month.key, key), 0)

    def column(self, key: str) -> tuple[int, ...]:
        return tuple(self.value(m, key) for m in self.months)

    def total(self, month: Month) -> int:
        return sum(self.value(month, key) for key, _ in self.series)


def months(now: datetime, before: int, after: int) -> list[Month]:
    """The agency-zone months from `before` months ago to `after` months ahead."""
    zone = agency_zone()
    first = to_local(now).date().replace(day=1)
    index = first.year * 12 + first.month - 1
    found = []
    for n in range(index - before, index + after + 1):
        start = date(n // 12, n % 12 + 1, 1)
        end = date((n + 1) // 12, (n + 1) % 12 + 1, 1)
        found.append(Month(f"{start:%Y-%m}", f"{start:%b %Y}",
                           datetime.combine(start, datetime.min.time(), zone),
                           datetime.combine(end, datetime.min.time(), zone)))
    return found


def _bucket(column, spans: list[Month]):
    return case(*[(and_(column >= m.since, column < m.until), m.key) for m in spans])


def _window(column, spans: list[Month]):
    return and_(column >= spans[0].since, column < spans[-1].until)


def timeline(now: datetime) -> list[tuple[date, list[tuple[Event, readiness.Readiness]]]]:
    """Events under way or starting in the next TIMELINE_DAYS, by agency-zone day."""
    stmt = events.filtered(events.EventFilter(
        since=now, until=now + timedelta(days=TIMELINE_DAYS))).limit(TIMELINE_MAX)
    found = list(db.session.scalars(stmt))
    ready = readiness.for_events(found)
    days: dict[date, list] = {}
    for event in found:
        days.setdefault(to_local(event.starts_at).date(), []).append((event, ready[event.id]))
    return list(days.items())


def events_by_kind(now: datetime) -> Table:
    spans = months(now, PAST_MONTHS, NEXT_MONTHS)
    bucket = _bucket(Event.starts_at, spans).label("month")
    rows = db.session.execute(
        select(bucket, Event.kind, func.count(Event.id))
        .where(_window(Event.starts_at, spans), Event.status != EventStatus.CANCELLED.value)
        .group_by(bucket, Event.kind))
    return Table(spans, [(k.value, label(k)) for k in EventKind],
                 {(m, k): n for m, k, n in rows})


def red_flags(now: datetime) -> Table:
    spans = months(now, PAST_MONTHS, 0)
    counts: dict[tuple[str, str], int] = {}
    raised = _bucket(RedFlagReview.opened_at, spans).label("month")
    for month, n in db.session.execute(
            select(raised, func.count(RedFlagReview.id))
            .where(_window(RedFlagReview.opened_at, spans)).group_by(raised)):
        counts[(month, "raised")] = n
    decided = _bucket(RedFlagReview.decided_at, spans).label("month")
    for month, status, n in db.session.execute(
            select(decided, RedFlagReview.status, func.count(RedFlagReview.id))
            .where(_window(RedFlagReview.decided_at, spans),
                   RedFlagReview.status.in_([ReviewStatus.APPROVED.value,
                                             ReviewStatus.REJECTED.value]))
            .group_by(decided, RedFlagReview.status)):
        counts[(month, status)] = n
    return Table(spans, [("raised", "Raised"), ("approved", "Approved"),
                         ("rejected", "Rejected")], counts)


def plans_on_time(now: datetime, lead: timedelta) -> Table:
    """Events that started in each of the last 12 months (up to now), by when their plan
    was first approved (see the module's docstring)."""
    spans = months(now, PAST_MONTHS, 0)
    first = (select(PlanApproval.event_id, func.min(PlanApproval.approved_at).label("at"))
             .group_by(PlanApproval.event_id).subquery())
    bucket = _bucket(Event.starts_at, spans).label("month")
    outcome = case(
        (first.c.at.is_(None), "missing"),
        (_on_time(first.c.at, lead), "on_time"),
        else_="late").label("outcome")
    rows = db.session.execute(
        select(bucket, outcome, func.count(Event.id))
        .select_from(Event).outerjoin(first, first.c.event_id == Event.id)
        .where(_window(Event.starts_at, spans), Event.starts_at <= now,
               Event.status != EventStatus.CANCELLED.value)
        .group_by(bucket, outcome))
    return Table(spans, [("on_time", "Approved on time"), ("late", "Approved late"),
                         ("missing", "Not approved")], {(m, o): n for m, o, n in rows})


def _on_time(approved_at, lead: timedelta):
    """approved_at <= Event.starts_at - lead, in each database's own date arithmetic."""
    if db.engine.dialect.name == "postgresql":
        interval = cast(literal(f"{int(lead.total_seconds())} seconds"), Interval)
        return approved_at <= Event.starts_at - interval
    # SQLite stores the UTC times as ISO text: compare julian days.
    return func.julianday(approved_at) <= func.julianday(Event.starts_at) - (
        lead.total_seconds() / 86400)
