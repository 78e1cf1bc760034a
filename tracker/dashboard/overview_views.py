"""The leadership overview page (/overview): leadership and privacy officers only."""

from datetime import timedelta

from flask import Blueprint, current_app, render_template

from tracker.accounts.access import roles_required
from tracker.accounts.roles import Role
from tracker.dashboard import charts
from tracker.dashboard import overview as stats
from tracker.db import utcnow

bp = Blueprint("dashboard_overview", __name__)


def _chart(title: str, table: stats.Table) -> dict:
    series = [charts.Series(name, table.column(key)) for key, name in table.series]
    return {"title": title, "table": table,
            "svg": charts.stacked_bars(title, [m.label for m in table.months], series)}


@bp.route("/overview")
@roles_required(Role.LEADERSHIP, Role.PRIVACY_OFFICER)
def overview():
    now = utcnow()
    lead_hours = current_app.config["PLAN_APPROVAL_LEAD_HOURS"]
    by_kind = stats.events_by_kind(now)
    # Only the kinds that occur get a column in the table (the chart's legend too).
    by_kind = stats.Table(by_kind.months, [
        (key, name) for key, name in by_kind.series
        if any(by_kind.value(m, key) for m in by_kind.months)], by_kind.counts)
    return render_template(
        "dashboard/overview.html", now=now, days=stats.TIMELINE_DAYS,
        timeline=stats.timeline(now), lead_hours=lead_hours,
        charts=[
            ("kinds", _chart("Events by kind per month (last 12 and next 3 months)",
                             by_kind)),
            ("flags", _chart("Red flags raised, approved and rejected per month",
                             stats.red_flags(now))),
            ("on-time", _chart("Plans approved on time, by the month the event started",
                               stats.plans_on_time(now, timedelta(hours=lead_hours)))),
        ])
