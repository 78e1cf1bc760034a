"""The calendar page: month, week and list views of events (FullCalendar, served from
the tracker's static files), its JSON feed for the signed-in user, and a month's list
rendered on the server for browsers without script."""

from datetime import date

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_login import current_user

from tracker.calendar import month
from tracker.db import utcnow
from tracker.errors import ValidationError
from tracker.events.forms import EventFilterForm
from tracker.timezones import agency_zone, to_local

bp = Blueprint("calendar_view", __name__, url_prefix="/calendar")

VIEWS = {"month": "dayGridMonth", "week": "timeGridWeek", "list": "listMonth"}


def _filters() -> tuple[EventFilterForm, dict]:
    form = EventFilterForm(request.args)
    if not form.validate():
        return form, {}
    return form, {"kind": form.kind.data or None, "status": form.status.data or None,
                  "assigned_to": current_user.id if form.mine.data == "1" else None}


def _month(value: str | None) -> date:
    try:
        return date.fromisoformat(f"{value}-01") if value else to_local(utcnow()).date()
    except ValueError:
        return to_local(utcnow()).date()


def _shift(first: date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@bp.route("/")
def page():
    form, filters = _filters()
    shown = _month(request.args.get("month")).replace(day=1)
    if not 1900 < shown.year < 2200:
        shown = to_local(utcnow()).date().replace(day=1)
    view = request.args.get("view") if request.args.get("view") in VIEWS else "month"
    kept = {k: request.args[k] for k in ("kind", "status", "mine") if request.args.get(k)}
    return render_template(
        "calendar/page.html", form=form, month=shown, view=view,
        fc_view=VIEWS[view], events=month.in_range(month.month_range(shown), **filters),
        previous=_shift(shown, -1), following=_shift(shown, 1), kept=kept,
        feed_url=url_for("calendar_view.feed", **kept), zone=agency_zone().key)


@bp.route("/events.json")
def feed():
    """Events in [start, end) for the calendar in the browser: data only, no personal
    details, times in the agency's zone with their offset."""
    form, filters = _filters()
    if form.errors:
        return jsonify(error="Choose filters from the listed options.",
                       fields=sorted(form.errors)), 400
    try:
        span = month.parse_range(request.args.get("start"), request.args.get("end"))
    except ValidationError as error:
        return jsonify(error=error.message, field=error.field), 400
    found = month.in_range(span, **filters)
    response = jsonify([month.entry(e, url_for("events.detail", event_id=e.id))
                        for e in found])
    response.headers["Cache-Control"] = "no-store"
    return response
