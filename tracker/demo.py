"""flask --app tracker seed-demo: demo accounts (one per role) and events around Nashville.

Safe to run again: existing accounts and events with the same titles are left alone."""

from datetime import datetime, time, timedelta

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from tracker import demo_console, work
from tracker.accounts import mfa
from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.checklist import record_sources, reviews
from tracker.checklist import services as checklist
from tracker.checklist.models import Stage
from tracker.cli_support import cli_origin
from tracker.db import utcnow
from tracker.events import services as events
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.outreach import services as outreach
from tracker.plans import demo as plans_demo
from tracker.records import demo as records_demo
from tracker.records import product_demo
from tracker.timezones import agency_zone

# Demo only: printed by seed-demo so a newcomer can sign in. Never used in production.
DEMO_PASSWORD = "nashville-demo-2026"  # noqa: S105
DEMO_USERS = [
    ("admin@demo.example.com", "Alex Admin", [Role.ADMIN]),
    ("planner@demo.example.com", "Pat Planner", [Role.PLANNER]),
    ("liaison@demo.example.com", "Lee Liaison", [Role.LIAISON]),
    ("leadership@demo.example.com", "Lou Leadership", [Role.LEADERSHIP]),
    ("privacy@demo.example.com", "Pri Privacy", [Role.PRIVACY_OFFICER]),
]
DEMO_EMAILS = {email for email, _name, _roles in DEMO_USERS}

# (title, kind, days from today, start hour, hours, venue, attendance, permit, source, status)
DEMO_EVENTS = [
    ("Rally at Legislative Plaza", "rally", 3, 11, 3, "Legislative Plaza, 301 6th Ave N",
     (200, 500), "granted", "permit_application", EventStatus.PLANNING),
    ("Counter-demonstration at Legislative Plaza", "counter_demonstration", 3, 11, 3,
     "War Memorial Plaza side of Legislative Plaza", (20, 80), "not_required",
     "public_announcement", EventStatus.DRAFT),
    ("March from Centennial Park to the State Capitol", "march", 9, 10, 4,
     "Centennial Park, 2500 West End Ave", (1000, 3000), "granted_with_conditions",
     "organizer_notice", EventStatus.PLAN_APPROVED),
    ("Candlelight vigil at Public Square Park", "vigil", 5, 18, 2,
     "Public Square Park, 1 Public Square", (50, 150), "applied", "organizer_notice",
     EventStatus.DRAFT),
    ("Metro Council public meeting", "public_meeting", 12, 18, 3,
     "Historic Metro Courthouse, 1 Public Square", (100, 300), "not_required",
     "partner_agency", EventStatus.PLANNING),
    ("Broadway holiday parade", "parade", -10, 14, 3, "Broadway from 5th Ave to 1st Ave",
     (5000, 15000), "granted", "permit_application", EventStatus.CONCLUDED),
    # A month out: the dashboard lists all open events, not only the next two weeks.
    ("Rally at Riverfront Park", "rally", 30, 12, 3, "Riverfront Park, 100 1st Ave N",
     (300, 800), "applied", "permit_application", EventStatus.PLANNING),
]

RECORDED_DAYS_AGO = 3
# Counter-events are linked to the event they respond to (which is created first).
RELATED = {"Counter-demonstration at Legislative Plaza": ["Rally at Legislative Plaza"]}
# (days before now it took place, follow-up in days or None, organization, summary)
DEMO_OUTREACH = {
    "March from Centennial Park to the State Capitol": (
        2, 2, "Nashville Neighbors Coalition",
        "Walked the route with the organizers' marshal lead; agreed water stations at "
        "Centennial Park and two ADA-accessible viewing areas on the Capitol grounds."),
    "Broadway holiday parade": (
        14, None, "Downtown Parade Committee",
        "Confirmed road closures on Broadway and the EMS staging point at 4th Ave."),
}
# Planning events whose pre-event checklist is complete, so leadership can approve them.
READY_FOR_APPROVAL = {"Metro Council public meeting"}
APPROVED = {EventStatus.PLAN_APPROVED, EventStatus.CONCLUDED}
# A red flag waiting for the privacy officer, so the review queue has something in it.
PENDING_RED_FLAG = {"Rally at Legislative Plaza": (
    "pre.info_gathering_scope", "yes",
    "A partner agency reported a specific threat to drive vehicles into the rally. "
    "Lt. Demo authorised a 48-hour check of public posts about that threat only, not of "
    "participants; case number recorded in the predicate file.")}
# A red flag the privacy officer rejected, then answered again: the summary shows both
# answers, and the rejection on the first.
REJECTED_RED_FLAG = {"Metro Council public meeting": (
    "pre.fusion_center", "Request that goes beyond situational awareness",
    "The council asked for background on the speakers expected at the meeting.",
    "Rejected: background on speakers is information about people's views, not "
    "logistics. Ask only for a situational-awareness product.",
    "Situational-awareness product only")}
ROUTE = {"march": "West End Ave east to Broadway, north on 7th Ave to the Capitol grounds."}


@click.command("seed-demo")
@click.option("--qr/--no-qr", default=True, help="Print each account's key as a QR code.")
@with_appcontext
def seed_demo_command(qr):
    """Create the demo accounts and events, then print how to sign in (never in
    production: the password is printed in the README)."""
    if current_app.config.get("PRODUCTION"):
        raise click.ClickException(
            "seed-demo is refused with PRODUCTION on: it creates an administrator whose "
            "password is printed in the README.")
    cli_origin("seed-demo")
    now = utcnow()
    with work.unit():
        users = {role: _demo_user(email, name, [role], now)
                 for email, name, [role] in DEMO_USERS}
        # The demo events were "recorded" a few days ago, so some reminders have come due
        # since: the first dispatch shows them in the inbox and the mail folder.
        recorded = now - timedelta(days=RECORDED_DAYS_AGO)
        for row in DEMO_EVENTS:
            _demo_event(row, users, recorded, now.astimezone(agency_zone()).date())
        # The concluded event's reviewed product and expired social-media authorization.
        product_demo.seed("Broadway holiday parade", users, now)
        codes = demo_console.fresh_recovery_codes(users.values(), now)
    demo_console.print_sign_in(
        [(roles[0].label, users[roles[0]]) for _email, _name, roles in DEMO_USERS], codes,
        DEMO_PASSWORD, current_app.config["TOTP_ISSUER"], qr=qr)


@click.command("demo-code")
@click.argument("email")
def demo_code_command(email):
    """Print the current sign-in code of a demo account (never in production)."""
    if current_app.config.get("PRODUCTION"):
        raise click.ClickException("demo-code is refused with PRODUCTION on.")
    user = accounts.find_by_email(email)
    if user is None or user.email not in DEMO_EMAILS or not user.has_factor:
        raise click.ClickException(f"{email} is not a demo account with a demo key.")
    click.echo(pyotp.TOTP(user.totp_secret).at(utcnow()))


def _demo_user(email, name, roles, now):
    """The account, with an authenticator key already set up so the demo needs no
    enrolment (a real account enrols at its first sign-in)."""
    user = accounts.find_by_email(email)
    if user is None:
        user = accounts.create_user(None, email=email, display_name=name,
                                    roles=[r.value for r in roles], password=DEMO_PASSWORD,
                                    now=now)
    if not user.has_factor:
        mfa.begin_enrolment(user)
        user.totp_enrolled_at = now
    return user


def _demo_event(row, users, now, today):
    title, kind, days, hour, hours, venue, (low, high), permit, source, status = row
    if db.session.scalar(select(Event.id).where(Event.title == title)) is not None:
        return
    zone = agency_zone()
    day = today + timedelta(days=days)
    starts = datetime.combine(day, time(hour), zone)
    planner, liaison = users[Role.PLANNER], users[Role.LIAISON]
    data = events.EventData(
        title=title, kind=kind, starts_at=starts, ends_at=starts + timedelta(hours=hours),
        venue=venue, information_source=source, permit_status=permit,
        route_description=ROUTE.get(kind, ""), attendance_low=low, attendance_high=high,
        planner_id=planner.id, liaison_id=liaison.id,
        logistics_notes="Coordinate traffic control with Metro Public Works.",
        related_ids=list(db.session.scalars(
            select(Event.id).where(Event.title.in_(RELATED.get(title, []))))))
    event = events.create_event(planner, data, now)
    path = {
        EventStatus.DRAFT: [],
        EventStatus.PLANNING: [EventStatus.PLANNING],
        EventStatus.PLAN_APPROVED: [EventStatus.PLANNING, EventStatus.PLAN_APPROVED],
        EventStatus.CONCLUDED: [EventStatus.PLANNING, EventStatus.PLAN_APPROVED,
                                EventStatus.IN_PROGRESS, EventStatus.CONCLUDED],
    }[status]
    if title in READY_FOR_APPROVAL or status in APPROVED:
        _answer_stage(event, Stage.PRE_EVENT, users, now)
        plans_demo.seed_plan(event, planner, now)
    if title in DEMO_OUTREACH:
        _demo_outreach(event, users[Role.LIAISON], now, *DEMO_OUTREACH[title])
    if title in REJECTED_RED_FLAG:
        _rejected_red_flag(event, users, now, *REJECTED_RED_FLAG[title])
    if title in PENDING_RED_FLAG:
        key, value, why = PENDING_RED_FLAG[title]
        entry = next(e for e in checklist.get_for_event(event.id).entries if e.item.key == key)
        checklist.answer(planner, entry, value, why, now)
    for target in path:
        actor = users[Role.LEADERSHIP] if target is EventStatus.PLAN_APPROVED else planner
        events.transition(actor, event, target, now)
    if status is EventStatus.CONCLUDED:
        plans_demo.seed_after_action(event, planner, planner, now)
        records_demo.seed(event, users)


def _demo_outreach(event, liaison, now, days_ago, follow_up_days, organization, summary):
    """A contact logged with the person's consent, as a liaison officer would."""
    follow_up = (now.astimezone(agency_zone()).date() + timedelta(days=follow_up_days)
                 if follow_up_days is not None else None)
    outreach.create_contact(liaison, event, outreach.ContactData(
        contacted_at=now - timedelta(days=days_ago), method="in_person",
        purpose="route" if follow_up else "logistics", organization=organization,
        summary=summary, outcome="Agreed; details in the operations plan.",
        follow_up_on=follow_up, person_name="Jordan Example",
        person_phone="615-555-0142", person_email="jordan@example.org", consent=True),
        now, retention_days=30)


def _rejected_red_flag(event, users, now, key, flagged, why, decision, second):
    entry = next(e for e in checklist.get_for_event(event.id).entries if e.item.key == key)
    checklist.answer(users[Role.PLANNER], entry, flagged, why, now + timedelta(hours=1))
    reviews.decide(users[Role.PRIVACY_OFFICER], checklist.current_review(entry), "rejected",
                   decision, now + timedelta(hours=2))
    checklist.answer(users[Role.PLANNER], entry, second, "", now + timedelta(hours=3))


def _answer_stage(event, stage, users, now):
    """Answer a stage's required items the safe way, as a diligent planner would."""
    entries = checklist.entries_by_stage(checklist.get_for_event(event.id))[stage]
    for entry in entries:
        if not entry.item.required or entry.answered:
            continue
        if record_sources.source_for(entry.item.key):
            continue  # answered from the records (below)
        safe = [o for o in entry.item.answer_options if o not in entry.item.red_flag_answers]
        value = safe[0] if safe else (
            event.starts_at.date().isoformat() if entry.item.response_type == "date"
            else "Recorded in the operations plan")
        actor = next(u for u in users.values() if checklist.may_answer(u, entry))
        checklist.answer(actor, entry, value, "", now)
    checklist.sync_from_sources(event, users[Role.PLANNER], now)
