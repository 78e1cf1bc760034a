"""The demo concluded event's information records: three register items (one destroyed,
one kept with an approved justification, one past its due date without a disposition, so
the privacy officer's dashboard shows it) and one release to another agency."""

from datetime import timedelta

from flask import current_app

from tracker.accounts.roles import Role
from tracker.events.models import Event
from tracker.records import dissemination, register
from tracker.timezones import local_date

ITEMS = [
    ("photo_or_video", "Four crowd-density photos of Broadway between 4th and 5th Ave, "
     "taken from the command post", "Command post camera (officer on duty)",
     "Crowd-density monitoring during the parade", ""),
    ("report", "Incident report of a storefront window broken at 3rd Ave during the "
     "parade's dispersal", "Patrol officer's incident report",
     "Criminal investigation of property damage", "Case 26-004417"),
    ("open_source_post", "The parade committee's public post announcing the route change "
     "at 2nd Ave", "Public page of the Downtown Parade Committee",
     "Traffic planning for the changed route", ""),
]


def _add(planner, event, row, at):
    category, description, source, purpose, predicate = row
    return register.add_item(
        planner, event, register.ItemData(category, description, source, purpose,
                                          predicate_reference=predicate), at,
        days_by_category=current_app.config["RECORDS_RETENTION_DAYS"],
        event_end_on=local_date(event.ends_at), today=local_date(at))


def seed(event: Event, users: dict) -> None:
    planner, liaison = users[Role.PLANNER], users[Role.LIAISON]
    officer = users[Role.PRIVACY_OFFICER]
    at = event.ends_at + timedelta(hours=1)
    photos, report, _post = (_add(planner, event, row, at) for row in ITEMS)
    register.destroy(liaison, photos, "Deleted from the command-post laptop and the camera "
                                      "card", at + timedelta(days=2))
    register.propose_keep(planner, report, "Criminal case file, schedule CR-7",
                          "Evidence in the open property-damage case 26-004417; the "
                          "district attorney has the case.",
                          report.due_on + timedelta(days=365), at + timedelta(days=2))
    register.decide_keep(officer, report, "approved", "Criminal case evidence: keep under "
                         "CR-7, review when the case closes.", at + timedelta(days=3))
    dissemination.record_release(
        planner, event, what_kind="register_items",
        what_ref=f"Register item {report.id} (incident report, case 26-004417)",
        recipient_agency="Office of the District Attorney",
        recipient_role="Assistant district attorney, property crimes unit",
        need_to_know="Prosecution of the property-damage case 26-004417.",
        authority="Criminal case referral, department policy 4.12",
        method="secure_portal", now=at + timedelta(days=3))
