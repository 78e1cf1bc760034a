"""Outreach pages: an event's log, logging and editing a contact, follow-ups, CSV."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from tracker import work
from tracker.accounts.access import deny, roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.events import services as events
from tracker.forms import EmptyForm, press, status_of, submit
from tracker.once import submit_once
from tracker.outreach import export, services
from tracker.outreach.forms import ContactForm
from tracker.outreach.models import OutreachContact
from tracker.timezones import agency_zone, from_local, to_local

bp = Blueprint("outreach", __name__)


def _retention_days() -> int:
    return current_app.config["OUTREACH_RETENTION_DAYS"]


@bp.route("/events/<int:event_id>/outreach")
def event_log(event_id: int):
    event = events.get_event(event_id)
    contacts = services.for_event(event_id)
    full = services.sees_personal_details(current_user, event)
    if full and any(c.has_personal_details for c in contacts):
        work.run(lambda: services.record_disclosure(current_user, event, contacts,
                                                    "outreach.view_personal"))
    return render_template(
        "outreach/log.html", event=event, contacts=contacts, full=full,
        counts=services.purpose_counts(contacts), follow_up_form=EmptyForm(),
        can_log=current_user.has_role(Role.LIAISON), today=to_local(utcnow()).date())


@bp.route("/events/<int:event_id>/outreach.csv")
def export_csv(event_id: int):
    event = events.get_event(event_id)
    if not services.sees_personal_details(current_user, event):
        deny()
    contacts = services.for_event(event_id)
    work.run(lambda: services.record_disclosure(current_user, event, contacts,
                                                "outreach.export"))
    return Response(export.to_csv(contacts), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="event-{event_id}-outreach.csv"',
        "Cache-Control": "no-store"})


def _data_from(form: ContactForm) -> services.ContactData:
    return services.ContactData(
        contacted_at=from_local(form.contacted_at.data, agency_zone(), "contacted_at"),
        method=form.method.data, purpose=form.purpose.data,
        organization=form.organization.data or "", summary=form.summary.data or "",
        outcome=form.outcome.data or "", follow_up_on=form.follow_up_on.data,
        person_name=form.person_name.data or "", person_phone=form.person_phone.data or "",
        person_email=form.person_email.data or "", consent=form.consent.data)


@bp.route("/events/<int:event_id>/outreach/new", methods=["GET", "POST"])
@roles_required(Role.LIAISON)
def create(event_id: int):
    event = events.get_event(event_id)
    form = ContactForm()
    if not form.is_submitted():
        form.contacted_at.data = to_local(utcnow()).replace(tzinfo=None, second=0,
                                                            microsecond=0)
    form.issue_token()
    done = submit_once(form, lambda: services.create_contact(
        current_user, event, _data_from(form), utcnow(), _retention_days()),
        lambda _contact: url_for("outreach.event_log", event_id=event_id))
    if done.saved:
        if not done.repeated:
            flash("Contact logged.", "success")
        return redirect(done.location)
    return render_template("outreach/form.html", form=form, event=event, contact=None), (
        status_of(form))


def _contact_form(contact: OutreachContact, fresh: bool = False) -> ContactForm:
    """The edit form; `fresh` ignores the request's values (the entry as saved now)."""
    form = ContactForm(formdata=None, obj=contact) if fresh else ContactForm(obj=contact)
    if fresh or not form.is_submitted():
        form.contacted_at.data = to_local(contact.contacted_at).replace(tzinfo=None)
        form.consent.data = contact.consent_recorded_at is not None
        form.stamp(contact.version)
    return form


@bp.route("/outreach/<int:contact_id>/edit", methods=["GET", "POST"])
@roles_required(Role.LIAISON)
def edit(contact_id: int):
    contact = services.get_contact(contact_id)
    form = _contact_form(contact)
    ok, _ = submit(form, lambda: services.update_contact(
        current_user, contact, _data_from(form), utcnow(), _retention_days(),
        version=form.expected_version), current=lambda: _contact_form(contact, fresh=True))
    if ok:
        flash("Contact saved.", "success")
        return redirect(url_for("outreach.event_log", event_id=contact.event_id))
    return render_template("outreach/form.html", form=form, event=contact.event,
                           contact=contact), status_of(form)


@bp.route("/outreach/<int:contact_id>/follow-up-done", methods=["POST"])
@roles_required(Role.LIAISON)
def follow_up_done(contact_id: int):
    contact = services.get_contact(contact_id)
    press(lambda: services.complete_follow_up(current_user, contact, utcnow()),
          "Follow-up marked done.")
    return redirect(url_for("outreach.event_log", event_id=contact.event_id))
