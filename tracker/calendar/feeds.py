"""Feed links: create, regenerate, revoke, and recognise a token on the feed route.

A token is 256 random bits, shown once; only its SHA-256 is stored (a fast hash is
enough for a value that cannot be guessed). It works only on the feed route."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from tracker import inputs
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.calendar.models import CalendarFeed
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events.models import EventKind, EventStatus
from tracker.extensions import db
from tracker.labels import label

TOKEN_BYTES = 32
NAME_MAX = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True)
class FeedFilter:
    kind: str | None = None
    status: str | None = None
    assigned_to_owner: bool = False
    include_cancelled: bool = True


def _clean(name: str, filters: FeedFilter) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", "Give the feed a name.")
    inputs.check_storable("name", name)
    if len(name) > NAME_MAX:
        raise ValidationError("name", f"Use at most {NAME_MAX} characters.")
    if filters.kind and filters.kind not in {k.value for k in EventKind}:
        raise ValidationError("kind", "Choose one of the listed kinds.")
    if filters.status and filters.status not in {s.value for s in EventStatus}:
        raise ValidationError("status", "Choose one of the listed statuses.")
    if filters.status == EventStatus.CANCELLED and not filters.include_cancelled:
        raise ValidationError("include_cancelled", "A feed of cancelled events must "
                                                   "include cancelled events.")
    return name


def create_feed(actor: User | None, owner: User, name: str, filters: FeedFilter,
                now: datetime) -> tuple[CalendarFeed, str]:
    name = _clean(name, filters)
    token = new_token()
    feed = CalendarFeed(owner_id=owner.id, name=name, token_hash=hash_token(token),
                        kind=filters.kind or None, status=filters.status or None,
                        assigned_to_owner=filters.assigned_to_owner,
                        include_cancelled=filters.include_cancelled, created_at=now)
    db.session.add(feed)
    db.session.flush()
    audit.record(actor, "calendar.feed_create", "calendar_feed", feed.id, now=now,
                 changes={"owner_id": owner.id, "kind": feed.kind, "status": feed.status,
                          "assigned_to_owner": feed.assigned_to_owner,
                          "include_cancelled": feed.include_cancelled})
    return feed, token


def _may_manage(actor: User, feed: CalendarFeed) -> bool:
    return feed.owner_id == actor.id or actor.has_role(Role.ADMIN)


def regenerate(actor: User, feed: CalendarFeed, now: datetime) -> str:
    """A new token for the same feed; the old one stops working at once."""
    if feed.owner_id != actor.id:
        raise Forbidden("Only the feed's owner can regenerate its link.")
    if feed.revoked_at is not None:
        raise ValidationError(None, "A revoked feed cannot be regenerated; create a new one.")
    token = new_token()
    feed.token_hash = hash_token(token)
    db.session.flush()
    audit.record(actor, "calendar.feed_regenerate", "calendar_feed", feed.id, now=now)
    return token


def revoke(actor: User | None, feed: CalendarFeed, now: datetime) -> None:
    if actor is not None and not _may_manage(actor, feed):
        raise Forbidden("Only the feed's owner or an administrator can revoke it.")
    if feed.revoked_at is not None:
        raise ValidationError(None, "This feed link is already revoked.")
    feed.revoked_at = now
    feed.revoked_by_id = actor.id if actor else None
    db.session.flush()
    audit.record(actor, "calendar.feed_revoke", "calendar_feed", feed.id, now=now)


def get_feed(feed_id: int) -> CalendarFeed:
    feed = db.session.get(CalendarFeed, feed_id)
    if feed is None:
        raise NotFound("No such feed.")
    return feed


def get_manageable(actor: User, feed_id: int) -> CalendarFeed:
    """The feed if the actor owns it or is an admin; otherwise as if it did not exist."""
    feed = get_feed(feed_id)
    if not _may_manage(actor, feed):
        raise NotFound("No such feed.")
    return feed


def get_owned(actor: User, feed_id: int) -> CalendarFeed:
    feed = get_feed(feed_id)
    if feed.owner_id != actor.id:
        raise NotFound("No such feed.")
    return feed


def feeds_of(user: User) -> list[CalendarFeed]:
    stmt = (select(CalendarFeed).where(CalendarFeed.owner_id == user.id)
            .order_by(CalendarFeed.revoked_at.is_not(None), CalendarFeed.created_at.desc()))
    return list(db.session.scalars(stmt))


def all_feeds() -> list[CalendarFeed]:
    stmt = (select(CalendarFeed).options(selectinload(CalendarFeed.owner))
            .order_by(CalendarFeed.revoked_at.is_not(None), CalendarFeed.created_at.desc()))
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class FeedRef:
    """What the feed route needs of a feed on every request, read without loading it."""

    id: int
    revoked: bool
    owner_active: bool
    last_used_at: datetime | None


def recognise(token: str) -> tuple[FeedRef | None, str]:
    """(feed, "ok") for a usable token; (feed or None, why not) otherwise."""
    if not token or len(token) > 200:
        return None, "unknown"
    # One light query on every feed request: the owner's state comes with the feed.
    row = db.session.execute(
        select(CalendarFeed.id, CalendarFeed.revoked_at, User.active,
               CalendarFeed.last_used_at).join(CalendarFeed.owner)
        .where(CalendarFeed.token_hash == hash_token(token))).first()
    if row is None:
        return None, "unknown"
    feed = FeedRef(row[0], row[1] is not None, bool(row[2]), row[3])
    if feed.revoked:
        return feed, "revoked"
    if not feed.owner_active:
        return feed, "owner deactivated"
    return feed, "ok"


# "Last used" is shown to the minute: recording every fetch would add a write to each.
LAST_USED_STEP = timedelta(minutes=1)


def mark_used(feed: FeedRef, now: datetime) -> None:
    if feed.last_used_at is None or now - feed.last_used_at >= LAST_USED_STEP:
        db.session.execute(update(CalendarFeed).where(CalendarFeed.id == feed.id)
                           .values(last_used_at=now))


def describe(feed: CalendarFeed) -> str:
    parts = [label(EventKind(feed.kind)) if feed.kind else "All kinds",
             label(EventStatus(feed.status)).lower() if feed.status else "any status"]
    if feed.assigned_to_owner:
        parts.append("assigned to the owner")
    parts.append("cancelled included" if feed.include_cancelled else "cancelled left out")
    return ", ".join(parts)
