"""Pages for the records schedules of the event record's own text: the list, and the
privacy officer's keep and purge decisions (the due ones are in the review queue)."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker import work
from tracker.accounts.access import roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.forms import status_of, submit
from tracker.records import schedules
from tracker.records.schedule_forms import KeepForm, PurgeForm
from tracker.timezones import local_date

bp = Blueprint("schedules", __name__, url_prefix="/schedules")


def _years() -> int:
    return current_app.config["RECORDS_REVIEW_YEARS"]


@bp.route("/")
@roles_required(Role.PRIVACY_OFFICER, Role.LEADERSHIP, Role.ADMIN)
def index():
    return render_template("records/schedules.html", schedules=schedules.all_schedules(
        _years()), today=local_date(utcnow()), years=_years())


def _form(cls, schedule, fresh=False):
    form = cls(formdata=None) if fresh else cls()
    if fresh or not form.is_submitted():
        form.stamp(schedule.row.version if schedule.row else 1)
    return form


def _expected(form, schedule):
    return form.expected_version if schedule.row is not None else None


@bp.route("/<int:event_id>/keep", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def keep(event_id: int):
    event = schedules.get_event(event_id)
    schedule = schedules.schedule_for(event, _years())
    form = _form(KeepForm, schedule)
    ok, _ = submit(form, lambda: schedules.keep(
        current_user, event, form.reason.data or "", form.review_on.data, utcnow(),
        _years(), _expected(form, schedule)),
        current=lambda: _form(KeepForm, schedules.schedule_for(event, _years()), True))
    if ok:
        flash("The event's text is kept until its next review.", "success")
        return redirect(url_for("reviews.queue"))
    return render_template("records/schedule_keep.html", form=form, event=event,
                           schedule=schedule), status_of(form)


@bp.route("/<int:event_id>/purge", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def purge(event_id: int):
    event = schedules.get_event(event_id)
    schedule = schedules.schedule_for(event, _years())
    form = _form(PurgeForm, schedule)
    ok, _ = submit(form, lambda: schedules.purge(current_user, event, utcnow(), _years(),
                                                 _expected(form, schedule)))
    if ok:
        outcome = work.run(lambda: schedules.scrub(utcnow()))
        flash("The event's text was purged." + (
            "" if outcome.erased else " Its old values are still in the database files: "
            "the erase is retried (see the retention page)."),
            "success" if outcome.erased else "error")
        return redirect(url_for("reviews.queue"))
    return render_template("records/schedule_purge.html", form=form, event=event,
                           schedule=schedule), status_of(form)
