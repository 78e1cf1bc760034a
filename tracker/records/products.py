"""Products about an event and their privacy review before release.

Planners and liaison officers of the event write drafts and release approved versions;
privacy officers review; leadership, privacy officers and admins read (records.access).
Every change is audited in the caller's transaction; texts never go into the audit."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import versioning
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.errors import NotFound, ValidationError
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.records import access
from tracker.records.dissemination import record_release
from tracker.records.models import ReleaseKind
from tracker.records.product_models import (
    REVIEW_QUESTIONS,
    Product,
    ProductKind,
    ProductVersion,
    VersionStatus,
)
from tracker.records.text import choice, text

V = VersionStatus
DECISIONS = (V.APPROVED, V.RETURNED, V.REJECTED)


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    recipients: str
    caveats: str


def _clean(draft: Draft) -> Draft:
    return Draft(title=text("title", draft.title, 200, single_line=True),
                 body=text("body", draft.body, 20000, minimum=20),
                 recipients=text("recipients", draft.recipients, 2000),
                 caveats=text("caveats", draft.caveats, 2000))


def _open_event(event: Event) -> None:
    if event.status in (EventStatus.CLOSED, EventStatus.CANCELLED):
        raise ValidationError(None, "The event's record is closed.")


def create(actor: User, event: Event, kind: str, draft: Draft, now: datetime) -> Product:
    access.require_writer(actor, event)
    _open_event(event)
    kind = choice("kind", kind, ProductKind)
    clean = _clean(draft)
    product = Product(event_id=event.id, kind=kind, created_by_id=actor.id, created_at=now)
    product.versions.append(_version(actor, 1, clean, now))
    db.session.add(product)
    db.session.flush()
    audit.record(actor, "product.create", "product", product.id, now=now,
                 changes={"event_id": event.id, "kind": kind, "version": 1})
    return product


def _version(actor: User, number: int, clean: Draft, now: datetime) -> ProductVersion:
    return ProductVersion(number=number, title=clean.title, body=clean.body,
                          recipients=clean.recipients, caveats=clean.caveats,
                          status=V.DRAFT.value, written_by_id=actor.id, written_at=now)


def revise(actor: User, product: Product, draft: Draft, now: datetime,
           expected_version: int | None = None) -> ProductVersion:
    """Change the text. A draft is edited in place; a version that was submitted,
    returned, approved or released is frozen, so the change is a new draft version."""
    access.require_writer(actor, product.event)
    _open_event(product.event)
    latest = product.latest
    versioning.check(latest, expected_version, "product version")
    if latest.status == V.SUBMITTED:
        raise ValidationError(None, "This version is waiting for its privacy review: it "
                                    "cannot change until the review is done.")
    if latest.status == V.REJECTED:
        raise ValidationError(None, "This product was rejected: start a new product.")
    clean = _clean(draft)
    if latest.status == V.DRAFT:
        fields = [f for f in ("title", "body", "recipients", "caveats")
                  if getattr(latest, f) != getattr(clean, f)]
        for name in fields:
            setattr(latest, name, getattr(clean, name))
        latest.written_by_id, latest.written_at = actor.id, now
        db.session.flush()
        audit.record(actor, "product.edit", "product", product.id, now=now,
                     changes={"version": latest.number, "fields": fields})
        return latest
    new = _version(actor, latest.number + 1, clean, now)
    product.versions.append(new)
    db.session.flush()
    audit.record(actor, "product.new_version", "product", product.id, now=now,
                 changes={"version": new.number, "after": latest.status})
    return new


def submit(actor: User, version: ProductVersion, now: datetime,
           expected_version: int | None = None) -> None:
    product = version.product
    access.require_writer(actor, product.event)
    _open_event(product.event)
    versioning.check(version, expected_version, "product version")
    if version.status != V.DRAFT or version is not product.latest:
        raise ValidationError(None, "Only the latest draft can be sent for review.")
    version.status, version.submitted_at = V.SUBMITTED.value, now
    for column, _question, _ok in REVIEW_QUESTIONS:
        setattr(version, column, None)
    version.review_note = ""
    version.reviewed_by_id = version.reviewed_at = None
    db.session.flush()
    audit.record(actor, "product.submit", "product", product.id, now=now,
                 changes={"version": version.number})


def review(actor: User, version: ProductVersion, decision: str, answers: dict[str, bool],
           note: str, now: datetime, expected_version: int | None = None) -> None:
    """A privacy officer answers every question and decides. Approval needs the
    approvable answer to each question; returning or rejecting needs a comment."""
    access.require_decider(actor)
    versioning.check(version, expected_version, "product version")
    if version.status != V.SUBMITTED:
        raise ValidationError(None, "This version is not waiting for a review.")
    decision = choice("decision", decision, VersionStatus)
    if decision not in DECISIONS:
        raise ValidationError("decision", "Choose one of the listed options.")
    for column, _question, _ok in REVIEW_QUESTIONS:
        if answers.get(column) not in (True, False):
            raise ValidationError(column, "Answer this question.")
    note = text("note", note, 4000, required=decision != V.APPROVED)
    if decision == V.APPROVED:
        failing = [q for col, q, ok in REVIEW_QUESTIONS if answers[col] is not ok]
        if failing:
            raise ValidationError("decision", "A product can be approved only when every "
                                              "answer allows it: return it with comments "
                                              "instead.")
    for column, _question, _ok in REVIEW_QUESTIONS:
        setattr(version, column, answers[column])
    version.status, version.review_note = decision, note
    version.reviewed_by_id, version.reviewed_at = actor.id, now
    db.session.flush()
    audit.record(actor, "product.review", "product", version.product_id, now=now,
                 changes={"version": version.number, "decision": decision,
                          **{col: answers[col] for col, _q, _ok in REVIEW_QUESTIONS}})


@dataclass(frozen=True)
class Release:
    recipient_agency: str
    recipient_role: str
    need_to_know: str
    authority: str
    method: str


def release(actor: User, version: ProductVersion, release: Release, now: datetime):
    """Release an approved version (or a released one again, to another recipient):
    records the dissemination row and freezes the text. Returns the row."""
    product = version.product
    access.require_writer(actor, product.event)
    if version is not product.latest or version.status not in (V.APPROVED, V.RELEASED):
        raise ValidationError(None, "Only the latest version, approved by a privacy "
                                    "officer, can be released.")
    row = record_release(
        actor, product.event, what_kind=ReleaseKind.PRODUCT.value,
        what_ref=f"product {product.id} version {version.number}",
        recipient_agency=release.recipient_agency, recipient_role=release.recipient_role,
        need_to_know=release.need_to_know, authority=release.authority,
        method=release.method, now=now, check_access=False)
    if version.status == V.APPROVED:
        version.status = V.RELEASED.value
        version.released_by_id, version.released_at = actor.id, now
    db.session.flush()
    audit.record(actor, "product.release", "product", product.id, now=now,
                 changes={"version": version.number, "dissemination_id": row.id})
    return row


def get_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


def get_version(product: Product, number: int) -> ProductVersion:
    found = next((v for v in product.versions if v.number == number), None)
    if found is None:
        raise NotFound("No such version.")
    return found


def for_event(event_id: int) -> list[Product]:
    stmt = (select(Product).where(Product.event_id == event_id)
            .options(selectinload(Product.versions)).order_by(Product.id))
    return list(db.session.scalars(stmt))


def awaiting_review() -> list[ProductVersion]:
    stmt = (select(ProductVersion).where(ProductVersion.status == V.SUBMITTED)
            .options(selectinload(ProductVersion.product).selectinload(Product.event))
            .order_by(ProductVersion.submitted_at))
    return list(db.session.scalars(stmt))


def recent_reviews(limit: int = 10) -> list[ProductVersion]:
    stmt = (select(ProductVersion).where(ProductVersion.reviewed_at.is_not(None))
            .options(selectinload(ProductVersion.product).selectinload(Product.event))
            .order_by(ProductVersion.reviewed_at.desc()).limit(limit))
    return list(db.session.scalars(stmt))
