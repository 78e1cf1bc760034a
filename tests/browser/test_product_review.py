"""A product's review round trip in a real browser: the liaison drafts a bulletin and
sends it for review, the privacy officer returns it with comments from the review queue,
the liaison revises it (a new version) and sends it again, the privacy officer approves,
the planner releases it (a dissemination row) and the released text is frozen. Axe runs
on every new page, including the online-work pages, the records schedules and the
retention page with its schedule section."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import LEADERSHIP, LIAISON, PLANNER, PRIVACY, axe_check
from tracker.events.models import Event
from tracker.extensions import db
from tracker.records.authorization_models import OnlineAuthorization

pytestmark = pytest.mark.browser

PARADE = "Broadway holiday parade"
BODY = ("Permitted march of about 300 people on West End Ave, 10 am to noon. Road closures "
        "from 9 am.")


def _ids(app) -> tuple[int, int]:
    with app.app_context():
        event_id = db.session.scalar(select(Event.id).where(
            Event.title == "March from Centennial Park to the State Capitol"))
        parade = db.session.scalar(select(Event.id).where(Event.title == PARADE))
        expired = db.session.scalar(select(OnlineAuthorization.id).where(
            OnlineAuthorization.event_id == parade))
        db.session.remove()
    return event_id, expired


def _h1(page: Page):
    return page.get_by_role("heading", level=1)


def _answer(page: Page, sources_stated: str) -> None:
    for name, value in (("q_protected_without_nexus", "no"), ("q_identifies_by_views", "no"),
                        ("q_sources_stated", sources_stated),
                        ("q_distribution_limited", "yes")):
        page.locator(f"input[name={name}][value={value}]").check()


def test_product_review_round_trip(live_app, signed_in):
    event_id, expired_id = _ids(live_app)
    liaison, privacy, planner = signed_in(LIAISON), signed_in(PRIVACY), signed_in(PLANNER)

    liaison.goto(f"/events/{event_id}")
    liaison.get_by_role("link", name="Products", exact=True).click()
    expect(_h1(liaison)).to_have_text("Products about this event")
    axe_check(liaison)
    liaison.get_by_role("link", name="Draft a product").click()
    axe_check(liaison)
    liaison.get_by_label("Title").fill("March logistics")
    liaison.get_by_label("Text").fill(BODY)
    liaison.get_by_label("Intended recipients").fill("Metro OEM, duty officer")
    liaison.get_by_label("Handling caveats").fill("Law enforcement sensitive")
    liaison.get_by_role("button", name="Save draft").click()
    expect(_h1(liaison)).to_have_text("March logistics")
    axe_check(liaison)
    liaison.get_by_role("button", name="Send for privacy review").click()
    expect(liaison.get_by_text("Waiting for privacy review")).to_be_visible()
    product_url = liaison.url

    privacy.goto("/reviews/")
    axe_check(privacy)
    privacy.get_by_role("link", name="March logistics").click()
    expect(_h1(privacy)).to_have_text("Privacy review of a product")
    axe_check(privacy)
    _answer(privacy, "no")
    privacy.get_by_label("Return with comments for revision").check()
    privacy.get_by_role("button", name="Record review").click()
    expect(privacy.locator(".error-message").first).to_be_visible()  # comments required
    axe_check(privacy)
    privacy.get_by_role("textbox", name="Comments").fill("Say where the crowd estimate comes from.")
    privacy.get_by_role("button", name="Record review").click()
    expect(privacy.get_by_text("Returned with comments").first).to_be_visible()

    liaison.goto(product_url)
    expect(liaison.get_by_text("Say where the crowd estimate comes from.")).to_be_visible()
    liaison.get_by_role("link", name="Revise (new version)").click()
    expect(liaison.get_by_text("saving makes version 2")).to_be_visible()
    liaison.get_by_label("Text").fill(BODY + " Source: the permit application (reliable).")
    liaison.get_by_role("button", name="Save draft").click()
    liaison.get_by_role("button", name="Send for privacy review").click()

    privacy.goto("/reviews/")
    privacy.get_by_role("link", name="March logistics").click()
    _answer(privacy, "yes")
    privacy.get_by_label("Approve for release").check()
    privacy.get_by_role("button", name="Record review").click()
    expect(privacy.get_by_text("Approved for release", exact=True)).to_be_visible()

    planner.goto(product_url)
    planner.get_by_role("link", name="Release").click()
    expect(_h1(planner)).to_have_text("Release version 2")
    axe_check(planner)
    planner.get_by_label("Receiving agency").fill("Metro Office of Emergency Management")
    planner.get_by_label("Receiving role or office").fill("Duty officer")
    planner.get_by_label("Need to know and right to know").fill(
        "Plans road closures along the route.")
    planner.get_by_label("Authority for the release").fill("Interagency agreement")
    planner.get_by_role("button", name="Record the release").click()
    expect(planner.get_by_text("Released (frozen)", exact=True)).to_be_visible()
    expect(planner.get_by_role("link", name="Revise (new version)")).to_be_visible()
    expect(planner.get_by_role("heading", name="Earlier versions")).to_be_visible()

    # The other new pages, read by the roles that use them.
    leader = signed_in(LEADERSHIP)
    leader.goto(f"/online-work/{expired_id}")
    expect(leader.get_by_text("Expired", exact=True)).to_be_visible()
    axe_check(leader)
    leader.goto(f"/events/{event_id}/online-work")
    axe_check(leader)
    leader.get_by_role("link", name="Online-work requests").click()
    expect(_h1(leader)).to_have_text("Online-work requests waiting for you")
    axe_check(leader)
    liaison.goto(f"/events/{event_id}/online-work/new")
    axe_check(liaison)
    privacy.goto("/schedules/")
    axe_check(privacy)
    privacy.goto("/retention/")
    expect(privacy.get_by_role("heading", name=re.compile("Event text: records schedules"))
           ).to_be_visible()
    axe_check(privacy)
