"""Event pages: list, detail, create, edit, delete a draft, change status."""

from dataclasses import replace
from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import work
from tracker.accounts import services as accounts
from tracker.accounts.access import deny, roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.errors import Forbidden, InvalidTransition, ValidationError
from tracker.events import approvals, lifecycle, registry, services
from tracker.events.forms import CancelForm, EventFilterForm, EventForm, TransitionForm
from tracker.events.models import Event, EventStatus
from tracker.extensions import db
from tracker.forms import EmptyForm, press, status_of, submit
from tracker.inputs import page_number
from tracker.once import submit_once
from tracker.paging import paginate
from tracker.timezones import agency_zone, from_local, local_day_range, to_local

bp = Blueprint("events", __name__, url_prefix="/events")

STATUS_VALUES = {s.value for s in EventStatus}


@bp.route("/")
def index():
    form = EventFilterForm(request.args)
    filters = services.EventFilter()
    if form.validate():
        filters = _filters_from(form)
    page = paginate(db.session, services.filtered(filters),
                    page_number(request.args.get("page")), current_app.config["EVENTS_PER_PAGE"])
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("events/list.html", form=form, page=page, args=args)


def _filters_from(form: EventFilterForm) -> services.EventFilter:
    since, until = local_day_range(form.since.data, form.until.data)
    return services.EventFilter(
        since=since,
        until=until,
        kind=form.kind.data or None,
        status=form.status.data or None,
        assigned_to=current_user.id if form.mine.data == "1" else None,
    )


@bp.route("/<int:event_id>")
def detail(event_id: int):
    event = services.get_event(event_id)
    return render_template("events/detail.html", **_detail_context(event))


def _detail_context(event: Event, blocked: InvalidTransition | None = None,
                    transition_form: TransitionForm | None = None) -> dict:
    targets = [(t, lifecycle.action_label(event, t)) for t in lifecycle.allowed_targets(event)
               if current_user.has_role(*lifecycle.roles_for(event, t))]
    if blocked is not None:
        blocked.reasons = [r if _may_open(r.endpoint) else replace(r, endpoint=None)
                           for r in blocked.reasons]
    panels = registry.detail_panels(event)
    return {"event": event, "targets": targets, "blocked": blocked, "panels": panels,
            "approval": approvals.latest(event),
            "matches_approval": services.approval_state(event),
            "changes_since": approvals.changes_since_approval(event),
            "transition_form": transition_form or TransitionForm(),
            "delete_form": EmptyForm(), "can_edit": current_user.has_role(Role.PLANNER)}


def _may_open(endpoint: str | None) -> bool:
    """Whether the current user's roles admit the page a blocked change links to."""
    view = current_app.view_functions.get(endpoint or "")
    roles = getattr(view, "allowed_roles", None)
    return view is not None and (roles is None or current_user.has_role(*roles))


def _event_form(event: Event | None, fresh: bool = False) -> EventForm:
    """The form for a new event or for `event`; `fresh` ignores the request's values (the
    event as it is saved now, to compare a stale edit with)."""
    form = EventForm(formdata=None, obj=event) if fresh else EventForm(obj=event)
    shown = fresh or not form.is_submitted()
    if event is not None and shown:
        # Set after construction: WTForms prefers obj's (UTC) values over keyword values.
        form.starts_at.data = _wall_clock(event.starts_at)
        form.ends_at.data = _wall_clock(event.ends_at)
        form.related_ids.data = [e.id for e in event.related]
    _set_choices(form, event)
    if event is not None and shown:
        form.stamp(event.version)
    elif event is None:
        form.issue_token()
    return form


def _set_choices(form: EventForm, event: Event | None) -> None:
    none = [("", "Unassigned")]
    form.planner_id.choices = none + [
        (u.id, u.display_name) for u in accounts.users_with_role(Role.PLANNER)]
    form.liaison_id.choices = none + [
        (u.id, u.display_name) for u in accounts.users_with_role(Role.LIAISON)]
    form.related_ids.choices = [
        (e.id, f"{e.title} ({to_local(e.starts_at):%-d %b %Y})")
        for e in services.relation_candidates(event)]


def _wall_clock(instant: datetime) -> datetime:
    return to_local(instant).replace(tzinfo=None)


def _data_from(form: EventForm) -> services.EventData:
    zone = agency_zone()
    values = {name: form[name].data for name in services.EventData.__dataclass_fields__}
    values["starts_at"] = from_local(form.starts_at.data, zone, "starts_at")
    values["ends_at"] = from_local(form.ends_at.data, zone, "ends_at")
    values["related_ids"] = form.related_ids.data or []
    return services.EventData(**values)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.PLANNER)
def create():
    form = _event_form(None)
    if request.method == "GET" and "planner_id" not in request.args:
        form.planner_id.data = current_user.id
    done = submit_once(
        form, lambda: services.create_event(current_user, _data_from(form), utcnow()),
        lambda event: url_for("events.detail", event_id=event.id))
    if done.saved:
        if not done.repeated:
            flash("Event recorded as a draft.", "success")
        return redirect(done.location)
    return render_template("events/form.html", form=form, event=None), status_of(form)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PLANNER)
def edit(event_id: int):
    event = services.get_event(event_id)
    form = _event_form(event)
    pending = _changes_to_confirm(form, event)
    before = event.status
    if not pending:
        ok, _ = submit(form, lambda: services.update_event(
            current_user, event, _data_from(form), utcnow(), version=form.expected_version),
            current=lambda: _event_form(event, fresh=True))
        if ok:
            flash("Changes saved." if event.status == before else "Changes saved. The plan "
                  "changed after approval: it is back in planning and needs a new approval.",
                  "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template(
        "events/form.html", form=form, event=event, pending=pending,
        reopens=approvals.would_reopen(event), material=approvals.MATERIAL_FIELDS
    ), status_of(form)


def _changes_to_confirm(form: EventForm, event: Event) -> list[approvals.Change]:
    """A save that would change an approved or running plan is shown back with the
    changes listed, and saved only when confirmed (no script needed: the CSP forbids
    inline script, and this works the same with the keyboard and a screen reader)."""
    if (not form.is_submitted() or request.form.get("confirm_material") == "1"
            or not form.validate()):
        return []
    try:
        return services.preview_material_changes(current_user, event, _data_from(form))
    except ValidationError:
        return []  # the save that follows puts the message on the form


@bp.route("/<int:event_id>/delete", methods=["GET", "POST"])
@roles_required(Role.PLANNER)
def delete(event_id: int):
    """GET asks for confirmation (a page: no script needed, and it works with the
    keyboard); POST deletes."""
    event = services.get_event(event_id)
    if request.method == "GET":
        return render_template("events/confirm_delete.html", event=event, form=EmptyForm())
    if press(lambda: services.delete_event(current_user, event, utcnow()), "Draft deleted."):
        return redirect(url_for("events.index"))
    return redirect(url_for("events.detail", event_id=event_id))


@bp.route("/<int:event_id>/status", methods=["POST"])
@roles_required(Role.PLANNER, Role.LEADERSHIP)
def change_status(event_id: int):
    event = services.get_event(event_id)
    form = TransitionForm()
    if not form.validate_on_submit() or form.target.data not in STATUS_VALUES:
        flash("Choose a status change from the event page.", "error")
        return redirect(url_for("events.detail", event_id=event_id))
    target = EventStatus(form.target.data)
    if target is EventStatus.CANCELLED:
        # Final: asked on its own page, with the reason.
        return redirect(url_for("events.cancel", event_id=event_id))
    try:
        work.run(lambda: services.transition(current_user, event, target, utcnow(),
                                             note=form.note.data or ""))
    except (InvalidTransition, ValidationError, Forbidden) as err:
        if isinstance(err, Forbidden):
            deny()
        blocked = err if isinstance(err, InvalidTransition) else InvalidTransition(err.message)
        context = _detail_context(event, blocked=blocked, transition_form=form)
        return render_template("events/detail.html", **context), 409
    flash(f"Status changed to {event.status_label.lower()}.", "success")
    return redirect(url_for("events.detail", event_id=event_id))


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.PLANNER, Role.LEADERSHIP)
def cancel(event_id: int):
    """Cancel an event after confirmation, with the reason."""
    event = services.get_event(event_id)
    form = CancelForm()
    try:
        ok, _ = submit(form, lambda: services.cancel_event(
            current_user, event, form.reason.data, utcnow()))
    except InvalidTransition as err:
        flash(err.message, "error")
        return redirect(url_for("events.detail", event_id=event_id))
    except Forbidden:
        deny()
    if ok:
        flash("Event cancelled.", "success")
        return redirect(url_for("events.detail", event_id=event_id))
    return render_template("events/cancel.html", event=event, form=form
                           ), 400 if form.errors else 200
