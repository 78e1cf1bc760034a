"""The Incident Action Plan of a plan version: the printable page and its PDF."""

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_login import current_user

from tracker.accounts.access import roles_required
from tracker.db import utcnow
from tracker.extensions import db
from tracker.plans import attachments, iap

bp = Blueprint("plan_iap", __name__)


def _page(version_id: int, for_pdf: bool) -> tuple[str, object]:
    version = attachments.get_version(version_id)
    document = iap.build(version, utcnow(), current_app.config["AGENCY_NAME"])
    html = render_template(
        "plans/iap.html", iap=document, version_id=version_id, for_pdf=for_pdf,
        stylesheet=iap.stylesheet() if for_pdf else "",
        back_url=url_for("plans.show", event_id=version.plan.event_id))
    return html, version


@bp.route("/plans/versions/<int:version_id>/iap")
@roles_required(*iap.READERS)
def page(version_id: int):
    html, _version = _page(version_id, for_pdf=False)
    return html


@bp.route("/plans/versions/<int:version_id>/iap.pdf")
@roles_required(*iap.READERS)
def pdf(version_id: int):
    html, version = _page(version_id, for_pdf=True)
    content = iap.pdf(html)
    iap.record_download(current_user, version, utcnow())
    db.session.commit()
    name = f"iap-event-{version.plan.event_id}-v{version.number}.pdf"
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
