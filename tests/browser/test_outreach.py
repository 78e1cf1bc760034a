"""The outreach log in a real browser: logging a contact with consent, follow-ups, what
leadership may see, retention holds, the CSV export and escaping of typed text."""

from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    AGENCY_ZONE,
    LEADERSHIP,
    LIAISON,
    PLANNER,
    PRIVACY,
    axe_check,
    field_value,
    local_start,
    record_event,
    unique,
)

pytestmark = pytest.mark.browser

NAME, PHONE, EMAIL = "Casey Marshal", "615-555-0199", "casey.marshal@example.org"
SUMMARY = "Agreed the assembly point at the north gate and a medic tent by the stage."
CONSENT_MESSAGE = ("Record that the person agreed to us keeping their details, or leave "
                   "name, phone and email empty.")
CONSENT_LABEL = "The person agreed that the agency keeps these details"


def _h1(page: Page):
    return page.get_by_role("heading", level=1)


def _today() -> date:
    # The app shows dates in the agency's zone, not the machine's.
    return datetime.now(AGENCY_ZONE).date()


def _day(day: date) -> str:
    """A date as the log, the dashboard and the retention page print it."""
    return day.strftime("%a %-d %b %Y")


def _open_log(page: Page, event_url: str) -> None:
    """From the event page, through the button in its outreach panel."""
    page.goto(event_url)
    page.get_by_role("link", name="Outreach log", exact=True).click()
    expect(_h1(page)).to_have_text("Outreach log")


def _fill_contact(page: Page, *, organization: str = "Riverfront Marchers",
                  name: str = "", phone: str = "", email: str = "",
                  summary: str = "", follow_up: date | None = None,
                  consent: bool = False, when: datetime | None = None) -> datetime:
    """Fill the "Log a contact" form by its labels; returns the local time typed."""
    when = when or local_start(days_ahead=-1, hour=10)  # yesterday: logged, not planned
    page.get_by_label("When", exact=True).fill(field_value(when))
    page.get_by_label("How", exact=True).select_option(label="Phone")
    page.get_by_label("Purpose", exact=True).select_option(label="Route")
    page.get_by_label("Organization (optional)").fill(organization)
    page.get_by_label("Contact person's name").fill(name)
    page.get_by_label("Phone", exact=True).fill(phone)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label(CONSENT_LABEL).set_checked(consent)
    page.get_by_label("Summary", exact=True).fill(summary)
    if follow_up is not None:
        page.get_by_label("Follow-up date (optional)").fill(follow_up.isoformat())
    return when


def _log_contact(page: Page, event_url: str, **fields) -> None:
    """Log a contact from the event page as the signed-in liaison, and check it saved."""
    _open_log(page, event_url)
    page.get_by_role("link", name="Log a contact").click()
    expect(_h1(page)).to_have_text("Log an outreach contact")
    _fill_contact(page, **fields)
    page.get_by_role("button", name="Log contact").click()
    expect(page.get_by_role("status")).to_have_text("Contact logged.")


def _event_with_contact(signed_in) -> tuple[Page, str]:
    """A fresh event (demo liaison assigned) with one consented contact; returns the
    liaison's page and the event's URL."""
    event_url = record_event(signed_in(PLANNER), unique("Rally with outreach"))
    liaison = signed_in(LIAISON)
    _log_contact(liaison, event_url, name=NAME, phone=PHONE, email=EMAIL,
                 summary=SUMMARY, consent=True)
    return liaison, event_url


def test_liaison_logs_a_contact_with_consent_and_completes_the_follow_up(signed_in):
    title = unique("March with a follow-up")
    event_url = record_event(signed_in(PLANNER), title)
    page = signed_in(LIAISON)
    _open_log(page, event_url)
    expect(page.get_by_text("No contacts logged yet.")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Log a contact").click()
    expect(_h1(page)).to_have_text("Log an outreach contact")
    axe_check(page)
    when = _fill_contact(page, name=NAME, phone=PHONE, email=EMAIL, consent=False)
    page.get_by_role("button", name="Log contact").click()

    # Personal details without consent are refused, and nothing typed is lost.
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("Please correct the following")
    expect(errors).to_contain_text(CONSENT_MESSAGE)
    expect(page.get_by_label("When", exact=True)).to_have_value(field_value(when))
    expect(page.get_by_label("How", exact=True)).to_have_value("phone")
    expect(page.get_by_label("Purpose", exact=True)).to_have_value("route")
    expect(page.get_by_label("Organization (optional)")).to_have_value("Riverfront Marchers")
    expect(page.get_by_label("Contact person's name")).to_have_value(NAME)
    expect(page.get_by_label("Phone", exact=True)).to_have_value(PHONE)
    expect(page.get_by_label("Email", exact=True)).to_have_value(EMAIL)
    expect(page.get_by_label(CONSENT_LABEL)).not_to_be_checked()
    axe_check(page)

    follow_up = _today() + timedelta(days=2)
    page.get_by_label(CONSENT_LABEL).check()
    page.get_by_label("Summary", exact=True).fill(SUMMARY)
    page.get_by_label("Follow-up date (optional)").fill(follow_up.isoformat())
    page.get_by_role("button", name="Log contact").click()

    expect(page.get_by_role("status")).to_have_text("Contact logged.")
    expect(_h1(page)).to_have_text("Outreach log")
    row = page.get_by_role("row").filter(has_text=NAME)
    expect(row).to_contain_text(when.strftime("%a %-d %b %Y, %-I:%M %p"))
    expect(row).to_contain_text(f"Consent recorded {_day(_today())}")
    expect(row).to_contain_text(SUMMARY)
    expect(row).to_contain_text(_day(follow_up))
    axe_check(page)

    # The follow-up becomes a task on the liaison's dashboard ...
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    tasks = page.get_by_role("region", name="My outreach follow-ups")
    task = tasks.get_by_role("row").filter(has_text=title)
    expect(task).to_contain_text(_day(follow_up))
    expect(task).to_contain_text("Route (phone,")
    axe_check(page)

    # ... that leads back to the log, where it is marked done.
    task.get_by_role("link", name=title).click()
    expect(_h1(page)).to_have_text("Outreach log")
    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status")).to_have_text("Follow-up marked done.")
    expect(row).to_contain_text("Done")
    expect(page.get_by_role("button", name="Mark done")).to_have_count(0)
    axe_check(page)


def test_leadership_sees_counts_but_no_personal_details(signed_in):
    _, event_url = _event_with_contact(signed_in)

    page = signed_in(LEADERSHIP)
    _open_log(page, event_url)
    expect(page.get_by_role("heading", name="1 contact by purpose")).to_be_visible()
    expect(page.locator(".figures")).to_have_text("1 Route")
    expect(page.locator("tbody tr")).to_have_count(1)  # the contact, without details
    for private in (NAME, PHONE, EMAIL, SUMMARY):
        expect(page.get_by_text(private)).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Consent recorded")
    expect(page.get_by_role("link", name="Download CSV")).to_have_count(0)
    expect(page.get_by_text("Your role sees the number and purpose of contacts, not the "
                            "people's details or the summaries.")).to_be_visible()
    axe_check(page)

    # Nor can the export be fetched by its address.
    assert page.request.get(f"{event_url}/outreach.csv").status == 403


def test_privacy_officer_places_and_releases_a_retention_hold(signed_in):
    # The demo parade ended 10 days ago; its contact's details go after 30 days.
    page = signed_in(PRIVACY)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Retention").click()
    expect(_h1(page)).to_have_text("Retention schedules")
    scheduled = page.get_by_role("region", name="Scheduled purges")
    parade = scheduled.get_by_role("row").filter(has_text="Broadway holiday parade")
    expect(parade).to_have_count(1)
    expect(parade).to_contain_text(_day(_today() + timedelta(days=20)))
    expect(parade).not_to_contain_text("Due now")
    axe_check(page)

    parade.get_by_role("link", name="Place a hold").click()
    expect(_h1(page)).to_have_text("Place a retention hold")
    expect(page.locator("main")).to_contain_text("Broadway holiday parade")
    axe_check(page)
    reason = unique("Open records request ORR-2026")
    expires = _today() + timedelta(days=60)
    page.get_by_label("Reason for the hold").fill(reason)
    page.get_by_label("Hold expires on").fill(expires.isoformat())
    page.get_by_role("button", name="Place hold").click()

    expect(page.get_by_role("status")).to_contain_text("Hold placed")
    holds = page.get_by_role("region", name="Active holds")
    hold = holds.get_by_role("row").filter(has_text=reason)
    expect(hold).to_contain_text("Broadway holiday parade")
    expect(hold).to_contain_text("Pri Privacy")
    expect(hold).to_contain_text(expires.strftime("%-d %b %Y"))
    expect(parade).to_contain_text(f"Held until {expires.strftime('%-d %b %Y')}")
    expect(parade.get_by_role("link", name="Place a hold")).to_have_count(0)
    axe_check(page)

    hold.get_by_role("button", name="Release").click()
    expect(page.get_by_role("status")).to_have_text("Hold released.")
    expect(holds.get_by_role("row").filter(has_text=reason)).to_have_count(0)
    expect(parade.get_by_role("link", name="Place a hold")).to_have_count(1)
    axe_check(page)


def test_liaison_downloads_the_log_as_csv(signed_in):
    page, _ = _event_with_contact(signed_in)
    axe_check(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.endswith("-outreach.csv")
    with open(download.path(), encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("Date and time,"), lines[0]
    assert len(lines) == 2, lines
    assert NAME in lines[1] and EMAIL in lines[1], lines[1]


def test_typed_markup_is_shown_as_text_not_run(signed_in):
    organization = "<img src=x onerror=alert(1)>"
    summary = "<script>alert(2)</script>"
    event_url = record_event(signed_in(PLANNER), unique("Rally with odd names"))
    # The app's CSP already blocks inline script; bypass it so this tests the escaping.
    page = signed_in(LIAISON, bypass_csp=True)
    dialogs: list[str] = []

    def _note(dialog):
        # Dismiss so a dialog that does fire cannot block the page; the test then fails.
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", _note)  # before any page that could show the text is loaded
    _log_contact(page, event_url, organization=organization, summary=summary)
    page.wait_for_load_state("load")
    axe_check(page)  # also gives a broken image's onerror time to fire
    assert dialogs == [], f"the page ran typed markup: {dialogs}"

    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(organization)
    expect(row).to_contain_text(summary)
    expect(page.locator("main img, main script")).to_have_count(0)
