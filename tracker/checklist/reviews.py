"""Red-flag reviews: the privacy officer's queue and decisions."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.checklist import signals
from tracker.checklist.models import ChecklistEntry, EventChecklist, RedFlagReview, ReviewStatus
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.extensions import db

NOTE_MAX = 4000
DECISIONS = (ReviewStatus.APPROVED, ReviewStatus.REJECTED)


def _with_context(stmt):
    return stmt.options(
        selectinload(RedFlagReview.entry).selectinload(ChecklistEntry.checklist)
        .selectinload(EventChecklist.event),
        selectinload(RedFlagReview.answer))


def pending() -> list[RedFlagReview]:
    stmt = (select(RedFlagReview).where(RedFlagReview.status == ReviewStatus.PENDING.value)
            .order_by(RedFlagReview.opened_at, RedFlagReview.id))
    return list(db.session.scalars(_with_context(stmt)))


def recent_decisions(limit: int = 20) -> list[RedFlagReview]:
    stmt = (select(RedFlagReview)
            .where(RedFlagReview.status.in_([d.value for d in DECISIONS]))
            .order_by(RedFlagReview.decided_at.desc()).limit(limit))
    return list(db.session.scalars(_with_context(stmt)))


def pending_count() -> int:
    return db.session.scalar(select(func.count(RedFlagReview.id)).where(
        RedFlagReview.status == ReviewStatus.PENDING.value)) or 0


def get_review(review_id: int) -> RedFlagReview:
    review = db.session.get(RedFlagReview, review_id)
    if review is None:
        raise NotFound("No such review.")
    return review


def decide(actor: User, review: RedFlagReview, decision: str, note: str,
           now: datetime) -> None:
    if not actor.has_role(Role.PRIVACY_OFFICER):
        raise Forbidden("Only a privacy officer decides red-flag reviews.")
    if review.status != ReviewStatus.PENDING:
        raise ValidationError(None, "This review has already been closed.")
    if decision not in {d.value for d in DECISIONS}:
        raise ValidationError("decision", "Choose approve or reject.")
    note = (note or "").strip()
    if not note:
        raise ValidationError("note", "Write a note explaining the decision.")
    if len(note) > NOTE_MAX:
        raise ValidationError("note", f"Use at most {NOTE_MAX:,} characters.")
    review.status = decision
    review.decided_by_id, review.decided_at, review.decision_note = actor.id, now, note
    db.session.flush()
    audit.record(actor, "red_flag.decide", "red_flag_review", review.id, now=now,
                 changes={"status": {"from": ReviewStatus.PENDING.value, "to": decision},
                          "note": "changed"})
    signals.review_decided.send(review, event=review.entry.checklist.event, actor=actor,
                                now=now)
