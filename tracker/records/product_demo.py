"""Demo data for products and online-work authorizations (seed-demo): on the demo's
concluded event, a bulletin a privacy officer returned once and then approved, released
to the county's emergency management; and a social-media monitoring authorization that
has expired, with the work logged under it."""

from datetime import datetime, timedelta

from sqlalchemy import select

from tracker.accounts.roles import Role
from tracker.events.models import Event
from tracker.extensions import db
from tracker.records import authorizations, products
from tracker.records.product_models import Product
from tracker.timezones import local_date

GOOD = {"q_protected_without_nexus": False, "q_identifies_by_views": False,
        "q_sources_stated": True, "q_distribution_limited": True}
BODY = ("Situational awareness for the Broadway holiday parade: 5,000 to 15,000 spectators "
        "expected along Broadway from 5th Ave to 1st Ave, 2 pm to 5 pm. Road closures from "
        "noon; EMS staging at 4th Ave. No information indicates any threat to the event.")
SOURCES = (" Sources: the parade permit (reliable) and the organizers' route plan "
           "(reliable). Assessment, kept apart: crowds peak near 2nd Ave at the end.")


def seed(event_title: str, users: dict, now: datetime) -> None:
    """Add the demo product and authorization to the event, once."""
    event = db.session.scalar(select(Event).where(Event.title == event_title))
    if event is None or db.session.scalar(
            select(Product.id).where(Product.event_id == event.id)) is not None:
        return
    liaison, planner = users[Role.LIAISON], users[Role.PLANNER]
    privacy, leader = users[Role.PRIVACY_OFFICER], users[Role.LEADERSHIP]
    before = min(event.starts_at - timedelta(days=4), now - timedelta(days=4))
    _product(event, liaison, planner, privacy, before)
    _expired_authorization(event, liaison, privacy, leader, before)


def _product(event, liaison, planner, privacy, at):
    product = products.create(liaison, event, "bulletin", products.Draft(
        title="Broadway holiday parade: situational awareness", body=BODY,
        recipients="Metro Office of Emergency Management, duty officer; Nashville Fire "
                   "Department, EMS coordinator",
        caveats="Law enforcement sensitive. No further dissemination without the "
                "originator's consent."), at)
    products.submit(liaison, product.latest, at + timedelta(hours=1))
    products.review(privacy, product.latest, "returned", {**GOOD, "q_sources_stated": False},
                    "State the source of the crowd estimate and its reliability, and keep "
                    "the assessment apart from the facts.", at + timedelta(hours=3))
    second = products.revise(liaison, product, products.Draft(
        title="Broadway holiday parade: situational awareness", body=BODY + SOURCES,
        recipients=product.latest.recipients, caveats=product.latest.caveats),
        at + timedelta(hours=5))
    products.submit(liaison, second, at + timedelta(hours=5))
    products.review(privacy, second, "approved", GOOD, "", at + timedelta(hours=6))
    products.release(planner, second, products.Release(
        recipient_agency="Metro Office of Emergency Management",
        recipient_role="Duty officer",
        need_to_know="Plans road closures and EMS staging along the parade route.",
        authority="Metro interagency public-safety agreement", method="secure_email"),
        at + timedelta(hours=7))


def _expired_authorization(event, liaison, privacy, leader, at):
    day = local_date(event.starts_at)
    row = authorizations.request(liaison, event, authorizations.Request(
        level="monitoring", purpose="Public posts about the parade's timing, road closures "
                                    "and a reported threat to block the route.",
        predicate_reference="MNPD incident 2026-118734", platforms=["social_networks",
                                                                   "news_sites"],
        starts_on=local_date(at), ends_on=day + timedelta(days=1)), at, max_days=30)
    authorizations.authorize(leader, row, True, "Time-limited to the parade weekend.",
                             at + timedelta(hours=2))
    authorizations.concur(privacy, row, True, "Categories only; no participants.",
                          at + timedelta(hours=3))
    authorizations.log_work(liaison, row, day, "social_networks",
                            ["traffic_and_closures", "threats_of_violence"],
                            event.starts_at + timedelta(hours=1))
