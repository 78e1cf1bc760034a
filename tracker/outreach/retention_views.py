"""The privacy officer's retention page: what will be purged when, and the holds."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker import page_sections
from tracker.accounts.access import roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.forms import EmptyForm, press, submit
from tracker.outreach import retention, services
from tracker.outreach.forms import HoldForm
from tracker.timezones import local_date

bp = Blueprint("retention", __name__, url_prefix="/retention")


@bp.route("/")
@roles_required(Role.PRIVACY_OFFICER)
def index():
    now = utcnow()
    return render_template(
        "outreach/retention.html", now=now,
        days=current_app.config["OUTREACH_RETENTION_DAYS"],
        scheduled=retention.schedule(now, current_app.config["OUTREACH_RETENTION_DAYS"]),
        holds=retention.holds(local_date(now)), release_form=EmptyForm(),
        scrub=retention.scrub_state(),
        # Other schedules (the event record's own text) add their sections here.
        sections=page_sections.prepared(page_sections.RETENTION, current_user, now))


@bp.route("/outreach/<int:contact_id>/hold", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def place_hold(contact_id: int):
    contact = services.get_contact(contact_id)
    form = HoldForm()
    ok, _ = submit(form, lambda: retention.place_hold(
        current_user, contact, form.reason.data, form.expires_on.data, utcnow()))
    if ok:
        flash("Hold placed: the entry's personal details will not be purged while it "
              "lasts.", "success")
        return redirect(url_for("retention.index"))
    return render_template("outreach/hold.html", form=form, contact=contact), (
        400 if form.errors else 200)


@bp.route("/holds/<int:hold_id>/release", methods=["POST"])
@roles_required(Role.PRIVACY_OFFICER)
def release_hold(hold_id: int):
    hold = retention.get_hold(hold_id)
    press(lambda: retention.release_hold(current_user, hold, utcnow()), "Hold released.")
    return redirect(url_for("retention.index"))
