"""Pages for social-media and open-source authorizations: the event's list, the request,
leadership's authorization, the privacy officer's concurrence, the work log."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.accounts.access import deny, roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.events import services as events
from tracker.forms import EmptyForm, press, status_of
from tracker.once import submit_once
from tracker.records import access, authorizations
from tracker.records.authorization_forms import DecisionForm, RequestForm, WorkForm
from tracker.timezones import local_date

bp = Blueprint("authorizations", __name__)
WRITERS = (Role.PLANNER, Role.LIAISON)


def _allow(check, event) -> None:
    """The event-level check after the role check: a refusal is audited (deny)."""
    if not check(current_user, event):
        deny()


@bp.route("/online-work/")
@roles_required(Role.LEADERSHIP, Role.PRIVACY_OFFICER)
def waiting():
    """Requests waiting for the current user's side of the decision."""
    return render_template("records/authorization_waiting.html",
                           rows=authorizations.waiting_for(current_user),
                           today=local_date(utcnow()))


@bp.route("/events/<int:event_id>/online-work")
@roles_required(*Role)
def event_authorizations(event_id: int):
    event = events.get_event(event_id)
    _allow(access.reads, event)
    return render_template("records/authorizations.html", event=event,
                           rows=authorizations.for_event(event.id),
                           today=local_date(utcnow()),
                           may_write=access.writes(current_user, event))


@bp.route("/events/<int:event_id>/online-work/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def create(event_id: int):
    event = events.get_event(event_id)
    _allow(access.writes, event)
    form = RequestForm()
    form.issue_token()
    done = submit_once(form, lambda: authorizations.request(
        current_user, event, authorizations.Request(
            level=form.level.data, purpose=form.purpose.data or "",
            predicate_reference=form.predicate_reference.data or "",
            platforms=form.platforms.data or [], starts_on=form.starts_on.data,
            ends_on=form.ends_on.data), utcnow(),
        current_app.config["ONLINE_AUTHORIZATION_MAX_DAYS"]),
        lambda row: url_for("authorizations.detail", authorization_id=row.id))
    if done.saved:
        if not done.repeated:
            flash("Request recorded: it needs leadership's authorization and a privacy "
                  "officer's concurrence before any work.", "success")
        return redirect(done.location)
    return render_template("records/authorization_form.html", form=form, event=event), (
        status_of(form))


@bp.route("/online-work/<int:authorization_id>")
@roles_required(*Role)
def detail(authorization_id: int):
    row = authorizations.get(authorization_id)
    _allow(access.reads, row.event)
    return render_template(
        "records/authorization_detail.html", row=row, event=row.event,
        today=local_date(utcnow()), button=EmptyForm(),
        may_write=access.writes(current_user, row.event),
        may_authorize=current_user.has_role(Role.LEADERSHIP) and row.leadership_decision is None,
        may_concur=access.decides(current_user) and row.privacy_decision is None)


def _decide(authorization_id: int, side: str):
    row = authorizations.get(authorization_id)
    form = DecisionForm()
    form.issue_token()
    if not form.is_submitted():
        form.stamp(row.version)
    decide = authorizations.authorize if side == "leadership" else authorizations.concur
    agree = {"agree": True, "decline": False}.get(form.decision.data)
    done = submit_once(form, lambda: decide(current_user, row, agree, form.note.data or "",
                                            utcnow(), form.expected_version),
                       lambda _: url_for("authorizations.detail", authorization_id=row.id))
    if done.saved:
        if not done.repeated:
            flash("Decision recorded.", "success")
        return redirect(done.location)
    return render_template("records/authorization_decide.html", form=form, row=row,
                           event=row.event, side=side, today=local_date(utcnow())), (
        status_of(form))


@bp.route("/online-work/<int:authorization_id>/authorize", methods=["GET", "POST"])
@roles_required(Role.LEADERSHIP)
def authorize(authorization_id: int):
    return _decide(authorization_id, "leadership")


@bp.route("/online-work/<int:authorization_id>/concur", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def concur(authorization_id: int):
    return _decide(authorization_id, "privacy")


@bp.route("/online-work/<int:authorization_id>/withdraw", methods=["POST"])
@roles_required(*WRITERS)
def withdraw(authorization_id: int):
    row = authorizations.get(authorization_id)
    _allow(access.writes, row.event)
    press(lambda: authorizations.withdraw(current_user, row, utcnow()),
          "Authorization withdrawn: no further work may be done under it.")
    return redirect(url_for("authorizations.detail", authorization_id=row.id))


@bp.route("/online-work/<int:authorization_id>/work", methods=["GET", "POST"])
@roles_required(*WRITERS)
def log_work(authorization_id: int):
    row = authorizations.get(authorization_id)
    _allow(access.writes, row.event)
    form = WorkForm()
    form.platform.choices = [c for c in form.platform.choices if c[0] in row.platforms]
    form.issue_token()
    if not form.is_submitted():
        form.worked_on.data = local_date(utcnow())
    done = submit_once(form, lambda: authorizations.log_work(
        current_user, row, form.worked_on.data, form.platform.data,
        form.categories.data or [], utcnow()),
        lambda _: url_for("authorizations.detail", authorization_id=row.id))
    if done.saved:
        if not done.repeated:
            flash("Work logged.", "success")
        return redirect(done.location)
    return render_template("records/authorization_work.html", form=form, row=row,
                           event=row.event), status_of(form)
