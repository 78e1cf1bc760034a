"""The audit trail page for privacy officers and administrators. Reading it, and
exporting it, are audited."""

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from tracker import work
from tracker.accounts import services as accounts
from tracker.accounts.access import roles_required
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.audit.models import AuditRecord
from tracker.audit_trail import presenter
from tracker.audit_trail import query as trail
from tracker.audit_trail.forms import AuditFilterForm
from tracker.db import utcnow
from tracker.extensions import db
from tracker.inputs import page_number
from tracker.timezones import local_day_range, to_local

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _form() -> tuple[AuditFilterForm, trail.AuditFilter]:
    form = AuditFilterForm(request.args)
    form.actor.choices = [("", "Anyone")] + [
        (str(u.id), u.display_name) for u in accounts.list_users()]
    actions = sorted(((a, presenter.action_label(a))
                      for a in audit.distinct_values(AuditRecord.action)),
                     key=lambda choice: choice[1])
    form.action.choices = [("", "Any action"), *actions]
    form.object_type.choices = [("", "Any type")] + [
        (t, presenter.OBJECT_TYPES.get(t, t))
        for t in audit.distinct_values(AuditRecord.object_type)]
    filters = _filters_from(form) if form.validate() else trail.AuditFilter()
    return form, filters


@bp.route("/")
@roles_required(Role.PRIVACY_OFFICER, Role.ADMIN)
def index():
    form, filters = _form()
    # The read is recorded before the query so it is committed and listed like any other.
    work.run(lambda: audit.record(current_user, "audit.read", "audit_trail", None))
    page = db.paginate(trail.query(filters), page=page_number(request.args.get("page")),
                       per_page=current_app.config["AUDIT_PER_PAGE"], error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    rows = presenter.present(page.items, can_see_users=current_user.has_role(Role.ADMIN))
    return render_template("audit/index.html", form=form, page=page, args=args, rows=rows,
                           zone=to_local(utcnow()).tzname())


@bp.route("/export.csv")
@roles_required(Role.PRIVACY_OFFICER, Role.ADMIN)
def export_csv():
    _form_shown, filters = _form()
    # The export is a disclosure: recorded (with what was asked for) in the same
    # transaction that reads the rows, so there is no export without its record.
    with work.unit():
        records = list(db.session.scalars(trail.query(filters)))
        audit.record(current_user, "audit.export", "audit_trail", None,
                     changes={"filters": _applied(filters), "records": len(records)})
        body = presenter.to_csv(records)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="audit-trail.csv"',
        "Cache-Control": "no-store"})


def _applied(filters: trail.AuditFilter) -> str:
    """The filters used, in one line: the ones the form accepted, never raw input."""
    used = {k: v for k, v in vars(filters).items() if v is not None}
    return ", ".join(f"{k} {v.isoformat() if hasattr(v, 'isoformat') else v}"
                     for k, v in sorted(used.items())) or "none"


def _filters_from(form: AuditFilterForm) -> trail.AuditFilter:
    since, until = local_day_range(form.since.data, form.until.data)
    return trail.AuditFilter(
        actor_id=int(form.actor.data) if form.actor.data else None,
        action=form.action.data or None,
        object_type=form.object_type.data or None,
        object_id=(form.object_id.data or "").strip() or None,
        outcome=form.outcome.data or None,
        since=since,
        until=until,
        event_id=form.event.data,
    )
