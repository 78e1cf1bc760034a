"""Outreach contacts: logging, editing, follow-ups and who may see personal details.

Contacts are reached through their event only: there is deliberately no search by a
person's name, phone or email across events."""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from tracker import inputs, versioning
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.outreach import signals
from tracker.outreach.models import (
    PERSONAL_FIELDS,
    ContactMethod,
    ContactPurpose,
    OutreachContact,
)

TEXT_MAX = 2000
ORGANIZATION_MAX = 200
PHONE_PATTERN = re.compile(r"^[0-9+().\-\s/x]{3,40}$", re.IGNORECASE)
# Values safe to copy into the audit trail: none can hold a person's details.
AUDITED_VALUES = ("method", "purpose", "contacted_at", "follow_up_on")


@dataclass
class ContactData:
    contacted_at: datetime
    method: str
    purpose: str
    organization: str = ""
    summary: str = ""
    outcome: str = ""
    follow_up_on: date | None = None
    person_name: str = ""
    person_phone: str = ""
    person_email: str = ""
    consent: bool = False


def sees_personal_details(user: User, event: Event) -> bool:
    """Liaison officers, the event's planner and privacy officers see contact details;
    everyone else (leadership among them) sees counts and purposes only."""
    return user.has_role(Role.LIAISON, Role.PRIVACY_OFFICER) or (
        user.has_role(Role.PLANNER) and event.planner_id == user.id)


def _require_liaison(actor: User) -> None:
    if not actor.has_role(Role.LIAISON):
        raise Forbidden("Only liaison officers log outreach contacts.")


def _text(field: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    inputs.check_storable(field, value)
    if len(value) > limit:
        raise ValidationError(field, f"Use at most {limit:,} characters (now {len(value):,}).")
    return value


def _choice(field: str, value: str, enum) -> str:
    if value not in {m.value for m in enum}:
        raise ValidationError(field, "Choose one of the listed options.")
    return value


def _personal(data: ContactData, purge_passed: bool) -> dict[str, str | None]:
    name = _text("person_name", data.person_name, 120)
    phone = _text("person_phone", data.person_phone, 40)
    email = _text("person_email", data.person_email, 254)
    if phone and not PHONE_PATTERN.match(phone):
        raise ValidationError("person_phone", "Enter a phone number: digits, spaces, + - ( ).")
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValidationError("person_email", "Enter a valid email address.") from exc
    given = any((name, phone, email))
    if given and purge_passed:
        raise ValidationError("person_name", "The retention period for this event has "
                                             "passed: personal details are no longer kept.")
    if given and not data.consent:
        raise ValidationError("consent", "Record that the person agreed to us keeping their "
                                         "details, or leave name, phone and email empty.")
    return {"person_name": name or None, "person_phone": phone or None,
            "person_email": email or None}


def _clean(data: ContactData, now: datetime) -> dict:
    if data.contacted_at is None:
        raise ValidationError("contacted_at", "Enter when the contact took place.")
    if not inputs.in_window(data.contacted_at):
        raise ValidationError("contacted_at", inputs.DATE_MESSAGE)
    if not inputs.in_window(data.follow_up_on):
        raise ValidationError("follow_up_on", inputs.DATE_MESSAGE)
    if data.contacted_at > now + timedelta(hours=1):
        raise ValidationError("contacted_at", "Log contacts that have taken place, not "
                                              "planned ones: the time is in the future.")
    return {
        "contacted_at": data.contacted_at,
        "method": _choice("method", data.method, ContactMethod),
        "purpose": _choice("purpose", data.purpose, ContactPurpose),
        "organization": _text("organization", data.organization, ORGANIZATION_MAX),
        "summary": _text("summary", data.summary, TEXT_MAX),
        "outcome": _text("outcome", data.outcome, TEXT_MAX),
        "follow_up_on": data.follow_up_on,
    }


def purge_passed(event: Event, now: datetime, retention_days: int) -> bool:
    return now >= event.ends_at + timedelta(days=retention_days)


def _snapshot(contact: OutreachContact) -> dict:
    names = (*AUDITED_VALUES, "organization", "summary", "outcome", *PERSONAL_FIELDS)
    return {name: getattr(contact, name) for name in names}


def create_contact(actor: User, event: Event, data: ContactData, now: datetime,
                   retention_days: int) -> OutreachContact:
    _require_liaison(actor)
    if event.status == EventStatus.CLOSED:
        raise ValidationError(None, "The event's record is closed.")
    values = _clean(data, now)
    personal = _personal(data, purge_passed(event, now, retention_days))
    contact = OutreachContact(event_id=event.id, officer_id=actor.id, created_at=now,
                              updated_at=now, **values, **personal)
    if any(personal.values()):
        contact.consent_recorded_by_id, contact.consent_recorded_at = actor.id, now
    db.session.add(contact)
    db.session.flush()
    changes = audit.diff({}, _snapshot(contact), AUDITED_VALUES)
    audit.record(actor, "outreach.create", "outreach_contact", contact.id, now=now,
                 changes={**changes, "event_id": event.id})
    signals.contact_changed.send(contact, now=now)
    return contact


def update_contact(actor: User, contact: OutreachContact, data: ContactData, now: datetime,
                   retention_days: int, version: int | None = None) -> bool:
    """Apply the edit made from `version` of the entry (a Conflict if it has been saved
    since); False when nothing changed."""
    _require_liaison(actor)
    versioning.check(contact, version, "outreach entry")
    values = _clean(data, now)
    had_consent = contact.consent_recorded_at is not None
    personal = _personal(ContactData(**{**data.__dict__, "consent": data.consent or
                                        had_consent}),
                         purge_passed(contact.event, now, retention_days))
    before = _snapshot(contact)
    for name, value in {**values, **personal}.items():
        setattr(contact, name, value)
    if any(personal.values()) and not had_consent:
        contact.consent_recorded_by_id, contact.consent_recorded_at = actor.id, now
    changes = audit.diff(before, _snapshot(contact), AUDITED_VALUES)
    if not changes:
        return False
    contact.updated_at = now
    db.session.flush()
    audit.record(actor, "outreach.update", "outreach_contact", contact.id, now=now,
                 changes=changes)
    signals.contact_changed.send(contact, now=now)
    return True


def complete_follow_up(actor: User, contact: OutreachContact, now: datetime) -> None:
    _require_liaison(actor)
    if contact.follow_up_on is None or contact.follow_up_done_at is not None:
        raise ValidationError(None, "There is no open follow-up on this contact.")
    contact.follow_up_done_at = now
    db.session.flush()
    audit.record(actor, "outreach.follow_up_done", "outreach_contact", contact.id, now=now,
                 changes={"follow_up_done_at": {"from": None, "to": now.isoformat()}})
    signals.contact_changed.send(contact, now=now)


def get_contact(contact_id: int) -> OutreachContact:
    contact = db.session.get(OutreachContact, contact_id)
    if contact is None:
        raise NotFound("No such outreach entry.")
    return contact


def for_event(event_id: int) -> list[OutreachContact]:
    stmt = (select(OutreachContact).where(OutreachContact.event_id == event_id)
            .options(selectinload(OutreachContact.officer),
                     selectinload(OutreachContact.holds))
            .order_by(OutreachContact.contacted_at.desc(), OutreachContact.id.desc()))
    return list(db.session.scalars(stmt))


def purpose_counts(contacts: list[OutreachContact]) -> list[tuple[str, int]]:
    counts = Counter(c.purpose_label for c in contacts)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def record_disclosure(actor: User, event: Event, contacts: list[OutreachContact],
                      action: str) -> None:
    """Viewing or exporting contact details is a disclosure: audit it (counts, no values)."""
    audit.record(actor, action, "event", event.id, changes={
        "entries": len(contacts),
        "entries_with_personal_details": sum(c.has_personal_details for c in contacts)})


def open_follow_ups(user: User, today: date, days: int) -> list[OutreachContact]:
    """Follow-ups due within `days` (or overdue) that this liaison logged or whose
    event they are the point of contact for."""
    stmt = (select(OutreachContact).join(OutreachContact.event)
            .where(OutreachContact.follow_up_on.is_not(None),
                   OutreachContact.follow_up_done_at.is_(None),
                   OutreachContact.follow_up_on <= today + timedelta(days=days),
                   or_(OutreachContact.officer_id == user.id, Event.liaison_id == user.id))
            .options(selectinload(OutreachContact.event))
            .order_by(OutreachContact.follow_up_on).limit(100))
    return list(db.session.scalars(stmt))
