"""Register items past their due date without a disposition: the privacy officers' weekly
reminder (a scheduler job, once per ISO week) and the list it links to."""

from datetime import date, datetime

from sqlalchemy import select

from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.extensions import db
from tracker.records import register
from tracker.reminders.models import Notice
from tracker.reminders.notices import notify

PAGE = "/records/past-due"


def week_link(today: date) -> str:
    year, week, _ = today.isocalendar()
    return f"{PAGE}?week={year}-W{week:02d}"


def weekly_notice(now: datetime, today: date) -> Notice | None:
    """Tell every privacy officer, once per week, how many items are past due (no
    descriptions: the list is behind the link). Nothing past due, nothing sent; a second
    run in the same week sends nothing."""
    link = week_link(today)
    if db.session.scalar(select(Notice.id).where(Notice.link == link).limit(1)):
        return None
    items = register.past_due(today)
    if not items:
        return None
    events = sorted({item.event.title for item in items})
    lines = [f"{len(items)} item{'s' if len(items) != 1 else ''} of the collected-"
             f"information register {'are' if len(items) != 1 else 'is'} past the "
             "disposition due date: each must be destroyed or kept under a records "
             "schedule with an approved justification.",
             "Events: " + "; ".join(events[:20]) + ("; ..." if len(events) > 20 else "")]
    return notify(accounts.users_with_role(Role.PRIVACY_OFFICER),
                  f"Register items past due: {len(items)}", lines, link, None, now)
