"""The guidance checklist in a real browser: the walk-through, a red flag through its
review, the approval gate, the printable compliance summary and template versions."""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ADMIN,
    LEADERSHIP,
    LIAISON,
    PLANNER,
    PRIVACY,
    axe_check,
    record_event,
    unique,
    write_and_submit_plan,
)

pytestmark = pytest.mark.browser

STEP_HEADING = re.compile(r"^Pre-event stage, step (\d+) of (\d+)$")


def _h1(page: Page):
    return page.get_by_role("heading", level=1)


def _open_event(page: Page, title: str) -> None:
    page.goto("/events/")
    page.get_by_role("link", name=title, exact=True).click()
    expect(_h1(page)).to_have_text(title)


def _open_checklist(page: Page) -> None:
    """From an event page, through the button in its checklist panel."""
    page.get_by_role("link", name="Open checklist").click()
    expect(_h1(page)).to_have_text("First Amendment checklist")


def _stage_section(page: Page, label: str):
    """One stage's table on the overview: some prompts (undercover...) recur in stages."""
    return page.locator(
        "section", has=page.get_by_role("heading", name=f"{label} stage", exact=True))


def _progress(page: Page):
    """The text equivalent of the progress bar, e.g. "3 of 49 answered, ..."."""
    return page.locator(".progress p")


def _save(page: Page, button: str = "Save and continue") -> None:
    page.get_by_role("button", name=button).click()


def _answer_pre_event_safely(page: Page, event_url: str) -> None:
    """Answer every pre-event step the signed-in person's role answers, carefully: never
    with an answer the step's own notice says raises a red flag. Stops when the
    walk-through leaves the stage, so it follows whatever template version the event
    has."""
    page.goto(f"{event_url}/checklist/pre_event/1")
    heading = _h1(page)
    while STEP_HEADING.match(before := heading.inner_text()):
        notice = page.locator(".guidance .notice")
        flagged = set()
        if notice.count():  # "Answering Yes raises a red flag: ..."
            flagged = set(notice.inner_text().removeprefix("Answering ")
                          .split(" raises a red flag")[0].split(" or "))
        if not page.get_by_role("button", name="Save and continue").count():
            # Another role's item, or one answered from the event record.
            following = page.get_by_role("link", name="Next without saving \u203a")
            if not following.count():
                break  # the stage's last step
            following.click()
            expect(heading).not_to_have_text(before)
            continue
        options = page.locator("form .checkbox-list label").all_inner_texts()
        if options:
            safe = next(o.strip() for o in options if o.strip() not in flagged)
            page.get_by_label(safe, exact=True).check()
        else:
            page.locator("#value").fill("Recorded in the operations plan")
        _save(page)
        expect(heading).not_to_have_text(before)


def test_planner_walks_through_the_first_steps(signed_in):
    page = signed_in(PLANNER)
    record_event(page, unique("Rally for transit funding"))
    _open_checklist(page)
    # The two items that restate the event record are answered from it.
    expect(_progress(page)).to_contain_text("2 of ")
    axe_check(page)

    page.get_by_role("link", name="Continue with the next unanswered item").click()
    heading = _h1(page)
    expect(heading).to_have_text(STEP_HEADING)
    steps = int(STEP_HEADING.match(heading.inner_text()).group(2))
    total = int(re.search(r"of (\d+) answered", _progress(page).inner_text()).group(1))
    assert steps < total  # the progress counts every stage, the heading one stage
    expect(heading).to_have_text(f"Pre-event stage, step 2 of {steps}")
    axe_check(page)

    for number, answer in enumerate(["Yes", "No"], start=2):
        page.get_by_label(answer, exact=True).check()
        _save(page)
        expect(heading).to_have_text(f"Pre-event stage, step {number + 1} of {steps}")
        expect(_progress(page)).to_contain_text(f"{number + 1} of {total} answered")
    axe_check(page)

    page.get_by_role("link", name="\u2039 Back").click()  # the angle quote, then Back
    expect(heading).to_have_text(f"Pre-event stage, step 3 of {steps}")
    current = page.locator("p", has_text="Current answer:")
    expect(current.locator("strong")).to_have_text("No")
    expect(current).to_contain_text("by Pat Planner")
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    axe_check(page)

    page.get_by_label("Yes", exact=True).check()
    _save(page, "Save and return to overview")
    expect(_h1(page)).to_have_text("First Amendment checklist")
    expect(_progress(page)).to_contain_text(f"4 of {total} answered")
    rows = _stage_section(page, "Pre-event").locator("tbody tr")
    for number, answer in enumerate(["Permit application", "Yes", "Yes"]):
        expect(rows.nth(number).locator("td").nth(2)).to_contain_text(answer)
        expect(rows.nth(number)).to_contain_text("Pat Planner")
    expect(rows.nth(3)).to_contain_text("Not answered")
    axe_check(page)

    page.get_by_role("link", name="Continue with the next unanswered item").click()
    expect(heading).to_have_text(f"Pre-event stage, step 4 of {steps}")
    page.get_by_role("navigation", name="Stages").get_by_role("link", name="Operational").click()
    expect(heading).to_have_text(re.compile(r"^Operational stage, step 1 of \d+$"))
    expect(page.get_by_role("navigation", name="Stages").get_by_role(
        "link", name="Operational")).to_have_attribute("aria-current", "true")
    axe_check(page)


def test_red_flag_needs_a_justification_and_a_privacy_review(signed_in):
    planner = signed_in(PLANNER)
    title = unique("March for open records")
    event_url = record_event(planner, title)
    _open_checklist(planner)
    _stage_section(planner, "Pre-event").get_by_role(
        "link", name=re.compile("^Will any open-source")).click()
    expect(_h1(planner)).to_have_text(STEP_HEADING)
    expect(planner.locator("#prompt")).to_contain_text("open-source")
    expect(planner.locator(".guidance")).to_contain_text("Answering Yes raises a red flag")
    axe_check(planner)

    planner.get_by_label("Yes", exact=True).check()
    _save(planner)
    summary = planner.get_by_role("alert")
    expect(summary).to_contain_text("Please correct the following")
    expect(summary.get_by_role(
        "link", name=re.compile(r"^Justification: This answer raises a red flag"))
    ).to_be_visible()
    expect(planner.locator("#justification-error")).to_contain_text(
        "explain in at least 20 characters why it is needed and who authorised it")
    expect(planner.get_by_label("Yes", exact=True)).to_be_checked()  # the answer is kept
    axe_check(planner)

    planner.get_by_label("Justification", exact=True).fill(
        "Chief's written approval for a documented threat, case 2026-114.")
    _save(planner)
    planner.goto(event_url)
    flags = planner.get_by_role("region", name="Open red flags (1)")
    expect(flags).to_contain_text("open-source")
    expect(flags).to_contain_text("review pending")
    axe_check(planner)

    privacy = signed_in(PRIVACY)
    privacy.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Privacy reviews").click()
    expect(_h1(privacy)).to_have_text("Privacy reviews")
    row = privacy.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("Yes")
    axe_check(privacy)

    row.get_by_role("link", name=re.compile("^Will any open-source")).click()
    expect(_h1(privacy)).to_have_text("Red-flag review")
    expect(privacy.locator("dl.facts")).to_contain_text("case 2026-114")
    privacy.get_by_role("button", name="Record decision").click()
    errors = privacy.get_by_role("alert")
    expect(errors).to_contain_text("Choose approve or reject.")
    expect(errors).to_contain_text("Write a note explaining the decision.")
    axe_check(privacy)

    privacy.get_by_label("Approve: the justification is sufficient").check()
    privacy.get_by_label("Note", exact=True).fill("Written approval on file; scope is narrow.")
    privacy.get_by_role("button", name="Record decision").click()
    expect(_h1(privacy)).to_have_text("Privacy reviews")
    expect(privacy.get_by_role("status")).to_have_text("Review approved.")
    decided = privacy.locator(
        "section", has=privacy.get_by_role("heading", name="Recent red-flag decisions"))
    expect(decided.get_by_role("listitem").filter(has_text=title)).to_contain_text(
        "Approved: Will any open-source")
    expect(privacy.get_by_role("row").filter(has_text=title)).to_have_count(0)
    axe_check(privacy)

    planner.reload()
    expect(_h1(planner)).to_have_text(title)
    expect(planner.get_by_role("heading", name=re.compile("Open red flags"))).to_have_count(0)
    axe_check(planner)


def test_approval_waits_for_the_pre_event_checklist(signed_in):
    planner = signed_in(PLANNER)
    event_url = record_event(planner, unique("Vigil for street safety"))
    planner.get_by_role("button", name="Start planning").click()
    expect(planner.locator(".status-large")).to_have_text("Planning")

    lead = signed_in(LEADERSHIP)
    lead.goto(event_url)
    lead.get_by_role("button", name="Approve plan").click()
    blocked = lead.get_by_role("alert")
    expect(blocked).to_contain_text("The status was not changed")
    missing = blocked.get_by_role(
        "link", name=re.compile(r"^Answer the required pre-event item: "))
    expect(missing.first).to_be_visible()
    assert missing.count() > 10, missing.all_inner_texts()
    expect(lead.locator(".status-large")).to_have_text("Planning")
    axe_check(lead)

    prompt = missing.first.inner_text().split(": ", 1)[1]
    missing.first.click()
    expect(_h1(lead)).to_have_text(STEP_HEADING)
    expect(lead.locator("#prompt")).to_have_text(prompt)
    axe_check(lead)

    # Demo "Metro Council public meeting" is ready too, but test_status approves it, so
    # this test answers its own event's stage instead of moving a shared one.
    for staff in (planner, lead, signed_in(LIAISON), signed_in(PRIVACY)):
        _answer_pre_event_safely(staff, event_url)
    write_and_submit_plan(planner, event_url)  # approval needs a submitted plan
    lead.goto(event_url)
    lead.get_by_role("button", name="Approve plan").click()
    expect(lead.locator(".status-large")).to_have_text("Plan approved")
    expect(lead.get_by_role("status")).to_have_text("Status changed to plan approved.")
    axe_check(lead)


def test_a_pending_red_flag_blocks_approval(signed_in):
    lead = signed_in(LEADERSHIP)
    _open_event(lead, "Rally at Legislative Plaza")
    lead.get_by_role("button", name="Approve plan").click()
    blocked = lead.get_by_role("alert")
    expect(blocked).to_contain_text("The status was not changed")
    expect(blocked.get_by_role("link", name=re.compile(
        r"^The red flag on “Will any open-source or social-media check .*” is waiting "
        r"for a privacy officer's review\.$"))).to_be_visible()
    expect(lead.locator(".status-large")).to_have_text("Planning")
    axe_check(lead)


def test_compliance_summary_prints_without_the_site_chrome(signed_in, tmp_path):
    page = signed_in(PLANNER)
    title = "March from Centennial Park to the State Capitol"
    _open_event(page, title)
    page.get_by_role("link", name="Compliance summary").click()
    expect(_h1(page)).to_have_text(f"Compliance summary: {title}")
    expect(page.locator("main")).to_contain_text("plan approval sign-off")
    # CSS locators, not roles: a hidden element has no role, so it would "pass" unseen.
    chrome = [page.locator(s) for s in ("header.site-header", "nav.site-nav",
                                        "footer.site-footer", "p.breadcrumb")]
    for part in chrome:
        expect(part).to_be_visible()
    axe_check(page)

    page.emulate_media(media="print")
    for part in chrome:
        expect(part).to_be_hidden()
    expect(_h1(page)).to_be_visible()
    answers = page.locator("table", has_text="How did the agency first learn")
    expect(answers).to_be_visible()
    expect(answers).to_contain_text("Pat Planner")
    expect(page.get_by_text("(plan approval sign-off)")).to_be_visible()

    pdf = tmp_path / "summary.pdf"
    page.pdf(path=pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = max((int(n) for n in re.findall(rb"/Count (\d+)", data)), default=0)
    assert pages > 1 or len(data) > 10_000, (pages, len(data))
    pdftotext = shutil.which("pdftotext")
    if pdftotext:  # poppler-utils is optional: without it, skip only this check
        text = subprocess.run([pdftotext, str(pdf), "-"],  # noqa: S603 (our own file)
                              capture_output=True, text=True, check=True).stdout
        assert title in " ".join(text.split())


def test_admin_publishes_a_new_prompt_for_new_events_only(signed_in):
    admin = signed_in(ADMIN)
    admin.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Checklist template").click()
    expect(_h1(admin)).to_have_text("Checklist template")
    version = int(re.search(r"Version (\d+), published",
                            admin.locator("main").inner_text()).group(1))
    axe_check(admin)

    # An optional post-event item no other browser test answers or names.
    item = admin.get_by_role("row").filter(has=admin.locator("code", has_text="post.key_lesson"))
    old_prompt = item.locator("a[href$=\"/items/post.key_lesson\"]").inner_text()
    item.locator("a[href$=\"/items/post.key_lesson\"]").click()
    expect(_h1(admin)).to_have_text("Edit checklist item")
    expect(admin.get_by_label("Prompt", exact=True)).to_have_value(old_prompt)
    # A short-text item with no red flags: both list boxes must come back empty.
    expect(admin.get_by_label("Choices", exact=True)).to_have_value("")
    expect(admin.get_by_label("Red-flag answers", exact=True)).to_have_value("")
    axe_check(admin)

    new_prompt = unique("The one lesson to carry into the next event")
    admin.get_by_label("Prompt", exact=True).fill(new_prompt)
    admin.get_by_label("What changed").fill("Plainer prompt for the key lesson")
    admin.get_by_role("button", name="Publish new version").click()
    expect(_h1(admin)).to_have_text("Checklist template")
    expect(admin.get_by_role("status")).to_have_text(
        f"Published checklist version {version + 1}.")
    expect(item.locator("a[href$=\"/items/post.key_lesson\"]")).to_have_text(new_prompt)
    expect(admin.locator("main")).to_contain_text("Plainer prompt for the key lesson")
    axe_check(admin)

    planner = signed_in(PLANNER)
    record_event(planner, unique("Rally after the template change"))
    _open_checklist(planner)
    expect(planner.locator("main")).to_contain_text(f"Guidance version {version + 1}.")
    post = _stage_section(planner, "Post-event")
    expect(post.get_by_role("link", name=new_prompt, exact=True)).to_be_visible()
    expect(post.get_by_role("link", name=old_prompt, exact=True)).to_have_count(0)
    axe_check(planner)

    # An event recorded before keeps the version it started with.
    _open_event(planner, "Metro Council public meeting")
    _open_checklist(planner)
    expect(planner.locator("main")).not_to_contain_text(f"Guidance version {version + 1}.")
    expect(post.get_by_role("link", name=old_prompt, exact=True)).to_be_visible()
    expect(post.get_by_role("link", name=new_prompt, exact=True)).to_have_count(0)
    axe_check(planner)
