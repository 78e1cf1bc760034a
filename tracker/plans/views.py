"""Pages of the operations plan and the after-action report.

Everyone with a role reads them (liaison and privacy officers, leadership, admins);
the event's planner writes them; leadership approves the plan by approving the event.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.accounts import services as accounts
from tracker.accounts.access import deny, roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.errors import Forbidden
from tracker.events import services as events
from tracker.forms import status_of, submit
from tracker.inputs import ID_MAX
from tracker.plans import after_action, attachments, forms, geo, services
from tracker.plans import sections as S

bp = Blueprint("plans", __name__, url_prefix="/events/<int:event_id>")

READERS = tuple(Role)


def _plan_and_latest(event_id: int):
    event = events.get_event(event_id)
    plan = services.find_plan(event.id)
    return event, plan, (plan.latest if plan else None)


@bp.route("/plan")
@roles_required(*READERS)
def show(event_id: int):
    event, plan, latest = _plan_and_latest(event_id)
    return render_template(
        "plans/show.html", event=event, plan=plan, version=latest,
        lines=S.render_lines(latest.sections) if latest else [],
        sections=S.SECTIONS, may_write=services.may_write(current_user, event),
        submit_form=forms.SubmitForm(version=str(latest.version) if latest else ""),
        approved=services.latest_approved(plan),
        documents=attachments.for_version(latest.id) if latest else [])


@bp.route("/plan/versions/<int:number>")
@roles_required(*READERS)
def version(event_id: int, number: int):
    event, plan, _ = _plan_and_latest(event_id)
    found = services.get_version(plan, number)
    return render_template("plans/version.html", event=event, plan=plan, version=found,
                           sections=S.SECTIONS, documents=attachments.for_version(found.id))


def _row_action(form) -> bool:
    """"Add a row" / "Remove row N": change the rows, save nothing, show the form again."""
    add, remove = request.form.get("add_row"), request.form.get("remove_row")
    if add in S.BY_NAME and S.BY_NAME[add].has_rows:
        if len(form[add].entries) <= S.ROWS_MAX:
            form[add].append_entry()
        return True
    if remove:
        name, _, index = remove.rpartition("-")
        if name in S.BY_NAME and S.BY_NAME[name].has_rows and index.isdigit():
            entries = form[name].entries
            if int(index) < len(entries):
                entries.pop(int(index))
        return True
    return False


@bp.route("/plan/edit", methods=["GET", "POST"])
@roles_required(Role.PLANNER)
def edit(event_id: int):
    event, _plan, latest = _plan_and_latest(event_id)
    if not services.may_write(current_user, event):
        deny()
    if request.method == "POST":
        form = forms.plan_form(formdata=request.form)
        if _row_action(form):
            return _render_edit(event, latest, form)
        try:
            ok, saved = submit(form, lambda: services.save_draft(
                current_user, event, forms.sections_from(form), utcnow(),
                expected_version=_int(form.version.data),
                map_geojson=geo.clean(form.map_geojson.data)))
        except Forbidden:
            deny()
        if ok:
            flash(f"Saved version {saved.number} of the plan (draft).", "success")
            return redirect(url_for("plans.show", event_id=event.id))
    else:
        form = forms.plan_form(data=latest.sections if latest else None)
        form.version.data = str(latest.version) if latest else ""
        form.map_geojson.data = latest.map_geojson if latest else None
    return _render_edit(event, latest, form)


def _render_edit(event, latest, form):
    return render_template(
        "plans/edit.html", event=event, latest=latest, form=form, sections=S.SECTIONS,
        rights_objective=S.RIGHTS_OBJECTIVE, errors=forms.error_list(form),
    ), status_of(form)


def _int(raw) -> int | None:
    try:
        value = int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return -1
    return value if value is None or 0 <= value <= ID_MAX else -1


@bp.route("/plan/submit", methods=["POST"])
@roles_required(Role.PLANNER)
def submit_plan(event_id: int):
    event = events.get_event(event_id)
    form = forms.SubmitForm()
    try:
        ok, saved = submit(form, lambda: services.submit(
            current_user, event, utcnow(), expected_version=_int(form.version.data)))
    except Forbidden:
        deny()
    if ok:
        flash(f"Version {saved.number} is submitted: approving the event approves it.",
              "success")
    else:
        messages = [*form.form_errors, *(m for f in form for m in f.errors)]
        if getattr(form, "conflict", None) is not None:
            messages.append(form.conflict.message)
        for message in messages or ["The plan was not submitted: try again."]:
            flash(message, "error")
    return redirect(url_for("plans.show", event_id=event.id))


@bp.route("/plan/compare")
@roles_required(*READERS)
def compare(event_id: int):
    event, plan, latest = _plan_and_latest(event_id)
    if plan is None or not plan.versions:
        abort(404)
    numbers = [v.number for v in plan.versions]
    a = _int(request.args.get("a")) or max(latest.number - 1, 1)
    b = _int(request.args.get("b")) or latest.number
    if a not in numbers or b not in numbers:
        return render_template("plans/compare.html", event=event, plan=plan, numbers=numbers,
                               a=a, b=b, diff=None,
                               error="Choose two versions of this plan."), 400
    old, new = services.get_version(plan, a), services.get_version(plan, b)
    return render_template("plans/compare.html", event=event, plan=plan, numbers=numbers,
                           a=a, b=b, old=old, new=new, diff=services.compare(old, new),
                           error=None)


@bp.route("/plan/copy", methods=["GET", "POST"])
@roles_required(Role.PLANNER)
def copy(event_id: int):
    event = events.get_event(event_id)
    if not services.may_write(current_user, event):
        deny()
    form = forms.CopyForm()
    candidates = services.copy_candidates(event)
    form.source_id.choices = [(e.id, f"{e.title} ({e.starts_at:%Y-%m-%d})")
                              for e in candidates]
    if request.method == "POST":
        try:
            ok, _ = submit(form, lambda: services.copy_from(
                current_user, event, events.get_event(form.source_id.data), utcnow()))
        except Forbidden:
            deny()
        if ok:
            flash("The plan was copied as a new draft. Check every section for this event.",
                  "success")
            return redirect(url_for("plans.edit", event_id=event.id))
    return render_template("plans/copy.html", event=event, form=form,
                           has_plan=services.find_plan(event.id) is not None,
                           candidates=candidates), status_of(form)


# ---- after-action report --------------------------------------------------------------


def _report_form(report, formdata=None):
    if formdata is not None:
        return forms.ReportForm(formdata=formdata)
    if report is None:
        return forms.ReportForm(formdata=None)
    form = forms.ReportForm(formdata=None, obj=report)
    form.version.data = str(report.version)
    return form


def _action_form(formdata=None):
    form = forms.ActionForm(formdata=formdata) if formdata is not None else forms.ActionForm(
        formdata=None)
    form.owner_id.choices = [(u.id, u.display_name) for u in accounts.list_users()
                             if u.active]
    return form


def _render_report(event, report, form, action_form, close_form=None, close_id=None):
    actions = report.actions if report else []
    close_forms = {a.id: forms.CloseActionForm(formdata=None, version=str(a.version),
                                               prefix=f"close-{a.id}")
                   for a in actions if a.is_open}
    if close_form is not None:
        close_forms[close_id] = close_form
    status = max(status_of(f) for f in (form, action_form, close_form or form))
    return render_template(
        "plans/after_action.html", event=event, report=report, form=form,
        action_form=action_form, counts=after_action.COUNT_LABELS,
        refusal=after_action.why_not_writable(current_user, event, utcnow()),
        may_close={a.id: after_action.may_close(current_user, a) for a in actions},
        close_forms=close_forms), status


@bp.route("/after-action", methods=["GET", "POST"], endpoint="after_action")
@roles_required(*READERS)
def after_action_report(event_id: int):
    event = events.get_event(event_id)
    report = after_action.find_report(event.id)
    if request.method == "POST":
        if not services.may_write(current_user, event):
            deny()
        form = _report_form(report, request.form)
        try:
            ok, _ = submit(form, lambda: after_action.save_report(
                current_user, event, _report_data(form), utcnow(),
                expected_version=_int(form.version.data)))
        except Forbidden:
            deny()
        if ok:
            flash("After-action report saved.", "success")
            return redirect(url_for("plans.after_action", event_id=event.id))
        return _render_report(event, report, form, _action_form())
    return _render_report(event, report, _report_form(report), _action_form())


def _report_data(form) -> after_action.ReportData:
    return after_action.ReportData(**{name: form[name].data for name in (
        "went_as_planned", "did_not_go_as_planned", "arrests", "injuries", "complaints",
        "use_of_force_reports", "lessons", "reviewed_on")})


@bp.route("/after-action/actions", methods=["POST"])
@roles_required(Role.PLANNER)
def add_action(event_id: int):
    event = events.get_event(event_id)
    if not services.may_write(current_user, event):
        deny()
    action_form = _action_form(request.form)
    try:
        ok, _ = submit(action_form, lambda: after_action.add_action(
            current_user, event, action_form.description.data, action_form.owner_id.data,
            action_form.due_on.data, utcnow()))
    except Forbidden:
        deny()
    if ok:
        flash("Corrective action added; its owner will be reminded.", "success")
        return redirect(url_for("plans.after_action", event_id=event.id))
    report = after_action.find_report(event.id)
    return _render_report(event, report, _report_form(report), action_form)


@bp.route("/after-action/actions/<int:action_id>/close", methods=["POST"])
@roles_required(*READERS)
def close_action(event_id: int, action_id: int):
    event = events.get_event(event_id)
    action = after_action.get_action(action_id)
    if action.report.event_id != event.id:
        abort(404)
    if not after_action.may_close(current_user, action):
        deny()
    form = forms.CloseActionForm(prefix=f"close-{action.id}")
    try:
        ok, _ = submit(form, lambda: after_action.close_action(
            current_user, action, form.closing_note.data, utcnow(),
            expected_version=_int(form.version.data)))
    except Forbidden:
        deny()
    if ok:
        flash("Corrective action closed.", "success")
        return redirect(url_for("plans.after_action", event_id=event.id))
    report = after_action.find_report(event.id)
    return _render_report(event, report, _report_form(report), _action_form(), form,
                          action.id)
