"""The retention page in a real browser when a purge's erased values could not yet be
removed from the database files (SECURITY.md P-5): the privacy officer sees it, and sees
it gone once the retry has run."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PRIVACY, axe_check
from tracker.db import utcnow
from tracker.extensions import db
from tracker.outreach import retention
from tracker.outreach.jobs import retry_scrub

pytestmark = pytest.mark.browser


def test_privacy_officer_sees_a_purge_not_yet_erased_from_the_files(live_app, signed_in):
    with live_app.app_context():
        now = utcnow()
        retention.mark_scrub_pending(now)  # as a purge does, in its transaction
        retention.record_scrub(retention.ScrubOutcome(False, retention.SQLITE_READER_BUSY),
                               now)
        db.session.commit()
    page = signed_in(PRIVACY)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Retention").click()
    warning = page.locator("#scrub-pending")
    expect(warning.get_by_role("heading")).to_have_text(
        "Purged details not yet erased from the database files")
    expect(warning).to_contain_text("another connection holds a read transaction")
    expect(warning).to_contain_text("The scheduler tries again every minute")
    axe_check(page)

    with live_app.app_context():  # the scheduler's retry, nobody in the way now
        assert retry_scrub(utcnow()).erased
        db.session.remove()
    page.reload()
    expect(page.locator("#scrub-pending")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Retention schedules")
