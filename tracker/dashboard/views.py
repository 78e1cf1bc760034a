"""The dashboard: the next days' events and what needs each role's attention."""

from datetime import timedelta

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.checklist import readiness, reviews
from tracker.db import utcnow
from tracker.events import services as events
from tracker.outreach import services as outreach
from tracker.plans import after_action
from tracker.records import register as records_register
from tracker.timezones import to_local

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def index():
    now = utcnow()
    days = current_app.config["DASHBOARD_DAYS"]
    oversight = None
    if current_user.has_role(Role.PRIVACY_OFFICER, Role.ADMIN):
        oversight = audit.recent_problems(now - timedelta(days=7))
    pending_reviews = (reviews.pending() if current_user.has_role(Role.PRIVACY_OFFICER)
                       else None)
    records_due = (records_register.past_due(to_local(now).date(), limit=20)
                   if current_user.has_role(Role.PRIVACY_OFFICER) else None)
    # Each list shows the soonest rows only: the page costs the same with 100,000 events.
    rows = current_app.config["DASHBOARD_LIST_MAX"]
    today = to_local(now).date()
    overdue_days = current_app.config["DASHBOARD_OVERDUE_DAYS"]
    overdue, overdue_total, due_items, due_total = readiness.due_for(
        current_user, now, days, rows, overdue_days)
    attention = events.needing_attention(current_user, now, days, rows)
    upcoming, upcoming_total = events.upcoming_and_total(now, days, limit=rows)
    return render_template(
        "dashboard/index.html",
        days=days,
        rows=rows,
        upcoming=upcoming,
        upcoming_total=upcoming_total,
        upcoming_range={"since": today.isoformat(),
                        "until": (today + timedelta(days=days)).isoformat()},
        attention=attention,
        ready=readiness.for_events([e for found in attention.values() for e in found]),
        oversight=oversight,
        pending_reviews=pending_reviews,
        records_due=records_due,
        overdue=readiness.by_event(overdue),
        overdue_total=overdue_total,
        due_groups=readiness.by_event(due_items),
        due_shown=len(due_items),
        due_total=due_total,
        count_max=readiness.COUNT_MAX,
        overdue_days=overdue_days,
        follow_ups=(outreach.open_follow_ups(current_user, to_local(now).date(), days)
                    if current_user.has_role(Role.LIAISON) else []),
        corrective_actions=after_action.open_actions_for(current_user),
        today=today,
        now=now,
    )
