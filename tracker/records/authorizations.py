"""Social-media and open-source authorizations for an event's online work.

The event's planner or liaison officer requests; leadership authorizes or refuses and a
privacy officer concurs or not, in either order; the request is authorized when both
have agreed and refused when either has not. It lapses by itself after `ends_on` (no job
is needed: every reader compares with today). Work logged against it records the date,
the kind of platform and the categories looked at, never people."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from tracker import inputs, versioning
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.checklist import services as checklist
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.records import access
from tracker.records.authorization_models import (
    PREDICATE_LEVELS,
    AuthorizationStatus,
    EngagementLevel,
    OnlineAuthorization,
    OnlineWorkEntry,
    Platform,
    WorkCategory,
)
from tracker.records.text import choice, text
from tracker.timezones import local_date

A = AuthorizationStatus
DEFAULT_MAX_DAYS = 90


@dataclass(frozen=True)
class Request:
    level: str
    purpose: str
    predicate_reference: str
    platforms: list[str]
    starts_on: date | None
    ends_on: date | None


def _dates(req: Request, today: date, max_days: int) -> tuple[date, date]:
    for field in ("starts_on", "ends_on"):
        value = getattr(req, field)
        if value is None:
            raise ValidationError(field, "Enter a date.")
        if not inputs.in_window(value):
            raise ValidationError(field, inputs.DATE_MESSAGE)
    if req.starts_on < today:
        raise ValidationError("starts_on", "The period cannot start in the past: work done "
                                           "before an authorization was not authorized.")
    if req.ends_on < req.starts_on:
        raise ValidationError("ends_on", "The period must end on or after its first day.")
    if (req.ends_on - req.starts_on).days + 1 > max_days:
        raise ValidationError("ends_on", f"An authorization covers at most {max_days} days.")
    return req.starts_on, req.ends_on


def request(actor: User, event: Event, req: Request, now: datetime,
            max_days: int = DEFAULT_MAX_DAYS) -> OnlineAuthorization:
    access.require_writer(actor, event)
    if event.status in (EventStatus.CLOSED, EventStatus.CANCELLED):
        raise ValidationError(None, "The event's record is closed.")
    level = choice("level", req.level, EngagementLevel)
    purpose = text("purpose", req.purpose, 2000, minimum=10)
    predicate = text("predicate_reference", req.predicate_reference, 120,
                     required=False, single_line=True)
    if level in PREDICATE_LEVELS and not predicate:
        raise ValidationError("predicate_reference", "This level needs a criminal predicate.")
    platforms = sorted(set(req.platforms or []))
    if not platforms:
        raise ValidationError("platforms", "Choose at least one kind of platform.")
    for value in platforms:
        choice("platforms", value, Platform)
    starts_on, ends_on = _dates(req, local_date(now), max_days)
    row = OnlineAuthorization(
        event_id=event.id, level=level, purpose=purpose, predicate_reference=predicate,
        platforms=platforms, starts_on=starts_on, ends_on=ends_on, status=A.REQUESTED.value,
        requested_by_id=actor.id, requested_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "online_authorization.request", "online_authorization", row.id,
                 now=now, changes={"event_id": event.id, "level": level,
                                   "platforms": platforms, "starts_on": starts_on.isoformat(),
                                   "ends_on": ends_on.isoformat()})
    return row


def _decision_open(row: OnlineAuthorization, now: datetime) -> None:
    if row.status != A.REQUESTED:
        raise ValidationError(None, "This request has already been decided.")
    if row.expired(local_date(now)):
        raise ValidationError(None, "The requested period is over: the request lapsed.")


def authorize(actor: User, row: OnlineAuthorization, agree: bool, note: str, now: datetime,
              expected_version: int | None = None) -> None:
    """Leadership's decision."""
    if not actor.has_role(Role.LEADERSHIP):
        raise Forbidden("Only leadership authorizes online work.")
    _decide(actor, row, "leadership", agree, note, now, expected_version)


def concur(actor: User, row: OnlineAuthorization, agree: bool, note: str, now: datetime,
           expected_version: int | None = None) -> None:
    """The privacy officer's concurrence."""
    access.require_decider(actor)
    _decide(actor, row, "privacy", agree, note, now, expected_version)


def _decide(actor, row, side, agree, note, now, expected_version) -> None:
    versioning.check(row, expected_version, "request")
    _decision_open(row, now)
    if getattr(row, f"{side}_decision") is not None:
        raise ValidationError(None, "This side of the decision is already recorded.")
    if agree not in (True, False):
        raise ValidationError("decision", "Choose one of the listed options.")
    note = text("note", note, 2000, required=not agree)
    decision = "agreed" if agree else "declined"
    setattr(row, f"{side}_decision", decision)
    setattr(row, f"{side}_by_id", actor.id)
    setattr(row, f"{side}_at", now)
    setattr(row, f"{side}_note", note)
    if not agree:
        row.status = A.REFUSED.value
    elif row.leadership_decision == "agreed" and row.privacy_decision == "agreed":
        row.status = A.AUTHORIZED.value
    db.session.flush()
    audit.record(actor, f"online_authorization.{side}", "online_authorization", row.id,
                 now=now, changes={"decision": decision, "status": row.status})
    checklist.sync_from_sources(row.event, actor, now)


def withdraw(actor: User, row: OnlineAuthorization, now: datetime) -> None:
    access.require_writer(actor, row.event)
    if row.status not in (A.REQUESTED, A.AUTHORIZED) or row.expired(local_date(now)):
        raise ValidationError(None, "Only a pending or current authorization can be "
                                    "withdrawn.")
    row.status = A.WITHDRAWN.value
    db.session.flush()
    audit.record(actor, "online_authorization.withdraw", "online_authorization", row.id,
                 now=now)
    checklist.sync_from_sources(row.event, actor, now)


def log_work(actor: User, row: OnlineAuthorization, worked_on: date | None, platform: str,
             categories: list[str], now: datetime) -> OnlineWorkEntry:
    access.require_writer(actor, row.event)
    if worked_on is None:
        raise ValidationError("worked_on", "Enter a date.")
    if not inputs.in_window(worked_on):
        raise ValidationError("worked_on", inputs.DATE_MESSAGE)
    if worked_on > local_date(now):
        raise ValidationError("worked_on", "Log work that has been done: the date is in the "
                                           "future.")
    if row.status != A.AUTHORIZED or not (row.starts_on <= worked_on <= row.ends_on):
        raise ValidationError("worked_on", "The authorization was not in force on that "
                                           "date: work outside it is not authorized.")
    platform = choice("platform", platform, Platform)
    if platform not in row.platforms:
        raise ValidationError("platform", "That kind of platform is not in the "
                                          "authorization.")
    categories = sorted(set(categories or []))
    if not categories:
        raise ValidationError("categories", "Choose at least one category.")
    for value in categories:
        choice("categories", value, WorkCategory)
    entry = OnlineWorkEntry(authorization_id=row.id, worked_on=worked_on, platform=platform,
                            categories=categories, logged_by_id=actor.id, logged_at=now)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "online_authorization.work", "online_authorization", row.id,
                 now=now, changes={"worked_on": worked_on.isoformat(), "platform": platform,
                                   "categories": categories})
    return entry


def get(authorization_id: int) -> OnlineAuthorization:
    row = db.session.get(OnlineAuthorization, authorization_id)
    if row is None:
        raise NotFound("No such authorization.")
    return row


def for_event(event_id: int) -> list[OnlineAuthorization]:
    stmt = (select(OnlineAuthorization).where(OnlineAuthorization.event_id == event_id)
            .options(selectinload(OnlineAuthorization.work))
            .order_by(OnlineAuthorization.starts_on, OnlineAuthorization.id))
    return list(db.session.scalars(stmt))


def waiting_for(user: User) -> list[OnlineAuthorization]:
    """Requests waiting for this user's side of the decision."""
    sides = []
    if user.has_role(Role.LEADERSHIP):
        sides.append(OnlineAuthorization.leadership_decision.is_(None))
    if user.has_role(Role.PRIVACY_OFFICER):
        sides.append(OnlineAuthorization.privacy_decision.is_(None))
    if not sides:
        return []
    stmt = (select(OnlineAuthorization).where(OnlineAuthorization.status == A.REQUESTED,
                                              or_(*sides))
            .options(selectinload(OnlineAuthorization.event))
            .order_by(OnlineAuthorization.requested_at))
    return list(db.session.scalars(stmt))


# What the checklist's information-gathering items read (wiring.py registers them).
BEYOND_NOTICES = PREDICATE_LEVELS


def gathering_beyond_logistics(event: Event) -> str:
    """pre.info_gathering_scope: 'yes' when online work beyond reading public notices was
    authorized for the event, else 'no' (no such work may be done without one)."""
    rows = [r for r in for_event(event.id) if r.status == A.AUTHORIZED
            and r.level in BEYOND_NOTICES]
    return "yes" if rows else "no"


def authorization_summary(event: Event) -> str:
    """pre.check_authorization: who authorized what, in roles and levels (an
    authorization withdrawn after work was done under it still counts)."""
    rows = [r for r in for_event(event.id) if r.status == A.AUTHORIZED
            or (r.status == A.WITHDRAWN and r.work)]
    if not rows:
        return "No online work beyond public notices was authorized."
    parts = [f"{r.level_label}, {r.starts_on:%-d %b %Y} to {r.ends_on:%-d %b %Y}: "
             "authorized by leadership, privacy officer concurred; purpose on the "
             "authorization" for r in rows]
    return "; ".join(parts)[:300]
