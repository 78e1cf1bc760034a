"""Bulk data for the benchmarks: users and events written with Core inserts (the services
would also create 48 checklist rows and reminders per event, which the measured pages do
not need and which would take minutes for 100,000 events)."""

import random
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import insert

from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.calendar import feeds
from tracker.calendar.models import CalendarSequence
from tracker.events.models import Event, EventKind, EventStatus, PermitStatus
from tracker.extensions import db

PASSWORD = "bench-password-not-secret"
# Every bench user's authenticator key (random per run): sign-in takes a code from it.
TOTP_SECRET = pyotp.random_base32(length=32)
BATCH = 5000
VENUES = ["Courthouse steps", "City Hall plaza", "Riverfront Park", "Capitol lawn",
          "Main Street, 1st to 8th Avenue", "Centennial Park bandshell"]


def users(count: int = 12) -> list[User]:
    """Planners, liaisons and one of each other role; the first is planner+liaison+admin."""
    made = []
    roles = [Role.PLANNER, Role.LIAISON]
    for n in range(count):
        extra = [Role.ADMIN, Role.LEADERSHIP, Role.PRIVACY_OFFICER] if n == 0 else []
        made.append(accounts.create_user(
            None, email=f"bench{n}@agency.example.com", display_name=f"Officer {n:02d}",
            roles=[r.value for r in [roles[n % 2], *extra]], password=PASSWORD,
            now=datetime.now(UTC)))
        made[-1].totp_secret, made[-1].totp_enrolled_at = TOTP_SECRET, datetime.now(UTC)
    db.session.commit()
    return made


def events(count: int, planner_ids: list[int], *, now: datetime, past_days: int,
           future_days: int, seed: int = 8) -> None:
    """`count` events spread evenly from `past_days` ago to `future_days` ahead, with
    statuses, kinds and sequences in realistic proportions."""
    rng = random.Random(seed)
    kinds = [k.value for k in EventKind]
    # No cancelled events: feeds drop those after CALENDAR_CANCELLED_DAYS, and a feed of
    # all events should hold exactly `count`.
    statuses = [s.value for s in EventStatus if s is not EventStatus.CANCELLED]
    permits = [p.value for p in PermitStatus]
    span = (past_days + future_days) * 86400
    rows, sequences = [], []
    for n in range(count):
        starts = now - timedelta(days=past_days) + timedelta(seconds=span * n // count)
        starts = starts.replace(second=0, microsecond=0)
        touched = min(now, starts) - timedelta(days=rng.randint(1, 30))
        rows.append({
            "title": f"{rng.choice(['Rally', 'March', 'Vigil', 'Town hall'])} #{n} for "
                     f"{rng.choice(['clean water', 'housing', 'transit', 'schools'])}",
            "kind": rng.choice(kinds), "starts_at": starts,
            "ends_at": starts + timedelta(hours=rng.choice([1, 2, 3, 4])),
            "venue": rng.choice(VENUES), "route_description": "", "permit_status":
            rng.choice(permits), "permit_reference": "", "permit_conditions": "",
            "information_source": "permit_application", "organizing_group": "",
            "logistics_notes": "", "status": rng.choice(statuses),
            # users() alternates planners (even) and liaison officers (odd).
            "planner_id": rng.choice([*planner_ids[0::2], None]),
            "liaison_id": rng.choice([*planner_ids[1::2], None]),
            "created_by_id": planner_ids[0], "created_at": touched - timedelta(days=3),
            "updated_at": touched})
        if len(rows) == BATCH:
            _flush(rows, sequences, rng)
    _flush(rows, sequences, rng)
    db.session.commit()


def _flush(rows: list[dict], sequences: list[dict], rng: random.Random) -> None:
    if not rows:
        return
    ids = db.session.scalars(insert(Event).returning(Event.id, sort_by_parameter_order=True),
                             rows).all()
    sequences = [{"event_id": i, "sequence": rng.randint(1, 4)} for i in ids
                 if rng.random() < 0.4]
    if sequences:
        db.session.execute(insert(CalendarSequence), sequences)
    rows.clear()


def feed(owner: User, name: str, **filters) -> str:
    """A feed link for `owner`; returns its token."""
    _feed, token = feeds.create_feed(owner, owner, name, feeds.FeedFilter(**filters),
                                     datetime.now(UTC))
    db.session.commit()
    return token
