"""The in-app inbox, reminder settings, per-event offsets and failed deliveries."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import work
from tracker.accounts.access import roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.events import services as events
from tracker.forms import EmptyForm, press, submit
from tracker.reminders import schedule, services
from tracker.reminders.forms import EventOffsetsForm, PreferencesForm
from tracker.reminders.models import ReminderKind

bp = Blueprint("reminders", __name__)


@bp.route("/inbox")
def inbox():
    return render_template("reminders/inbox.html", messages=services.inbox(current_user),
                           form=EmptyForm())


@bp.route("/inbox/<int:message_id>/read", methods=["POST"])
def mark_read(message_id: int):
    if EmptyForm().validate_on_submit():
        work.run(lambda: services.mark_read(current_user, message_id, utcnow()))
    return redirect(url_for("reminders.inbox"))


@bp.route("/inbox/read-all", methods=["POST"])
def mark_all_read():
    if EmptyForm().validate_on_submit():
        count = work.run(lambda: services.mark_all_read(current_user, utcnow()))
        flash(f"{count} message{'' if count == 1 else 's'} marked read.", "success")
    return redirect(url_for("reminders.inbox"))


@bp.route("/account/reminders", methods=["GET", "POST"])
def preferences():
    form = PreferencesForm()
    if not form.is_submitted():
        for kind, channel in services.preferences(current_user).items():
            form[kind.value].data = channel.value
        own = services.own_offsets(current_user)
        form.event_offsets.data = ", ".join(map(str, own)) if own else ""
    ok, _ = submit(form, lambda: services.save_preferences(
        current_user, {k.value: form[k.value].data for k in ReminderKind},
        services.parse_offsets(form.event_offsets.data, "event_offsets"), utcnow(),
        schedule.settings_from_config(current_app.config)))
    if ok:
        flash("Reminder settings saved.", "success")
        return redirect(url_for("reminders.preferences"))
    return render_template("reminders/preferences.html", form=form, kinds=list(ReminderKind)
                           ), 400 if form.errors else 200


@bp.route("/events/<int:event_id>/reminders", methods=["GET", "POST"])
@roles_required(Role.PLANNER)
def event_offsets(event_id: int):
    event = events.get_event(event_id)
    form = EventOffsetsForm()
    if not form.is_submitted():
        current = services.event_offsets(event)
        form.offsets.data = ", ".join(map(str, current)) if current else ""
    ok, _ = submit(form, lambda: services.set_event_offsets(
        current_user, event, services.parse_offsets(form.offsets.data, "offsets"), utcnow(),
        schedule.settings_from_config(current_app.config)))
    if ok:
        flash("Event reminders saved.", "success")
        return redirect(url_for("events.detail", event_id=event_id))
    return render_template("reminders/event_offsets.html", form=form, event=event), (
        400 if form.errors else 200)


@bp.route("/admin/reminders")
@roles_required(Role.ADMIN)
def troubled():
    return render_template("reminders/admin.html", reminders=services.troubled(),
                           form=EmptyForm())


@bp.route("/admin/reminders/<int:reminder_id>/retry", methods=["POST"])
@roles_required(Role.ADMIN)
def retry(reminder_id: int):
    press(lambda: services.retry_now(current_user, reminder_id, utcnow()),
          "The reminder will be sent in the next dispatch cycle.")
    return redirect(request.referrer or url_for("reminders.troubled"))
