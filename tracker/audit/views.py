"""The audit trail page for privacy officers and administrators. Reading it is audited."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from tracker.accounts import services as accounts
from tracker.accounts.access import roles_required
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.audit.forms import AuditFilterForm
from tracker.audit.models import AuditRecord
from tracker.extensions import db
from tracker.inputs import page_number
from tracker.timezones import local_day_range

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@roles_required(Role.PRIVACY_OFFICER, Role.ADMIN)
def index():
    users = accounts.list_users()
    form = AuditFilterForm(request.args)
    form.actor.choices = [("", "Anyone")] + [(str(u.id), u.display_name) for u in users]
    form.action.choices = [("", "Any action")] + [
        (a, a) for a in audit.distinct_values(AuditRecord.action)]
    form.object_type.choices = [("", "Any type")] + [
        (t, t) for t in audit.distinct_values(AuditRecord.object_type)]
    filters = _filters_from(form) if form.validate() else audit.AuditFilter()
    # The read is recorded before the query so it is committed and listed like any other.
    audit.record(current_user, "audit.read", "audit_trail", None)
    db.session.commit()
    page = db.paginate(audit.query(filters), page=page_number(request.args.get("page")),
                       per_page=current_app.config["AUDIT_PER_PAGE"], error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", form=form, page=page, args=args,
                           user_names={u.id: u.display_name for u in users})


def _filters_from(form: AuditFilterForm) -> audit.AuditFilter:
    since, until = local_day_range(form.since.data, form.until.data)
    return audit.AuditFilter(
        actor_id=int(form.actor.data) if form.actor.data else None,
        action=form.action.data or None,
        object_type=form.object_type.data or None,
        object_id=(form.object_id.data or "").strip() or None,
        outcome=form.outcome.data or None,
        since=since,
        until=until,
    )
