"""A plan version's documents: the list, attaching one, downloading, removing."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from tracker import storage
from tracker.accounts.access import deny, roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.extensions import db
from tracker.forms import EmptyForm, press, status_of
from tracker.once import submit_once
from tracker.plans import attachments
from tracker.plans.attachments_forms import AttachmentForm

bp = Blueprint("plan_attachments", __name__)

#: Beyond the attachment limit, the request may carry this much more (the other fields,
#: the multipart framing): a file somewhat too large gets a message beside the field; a
#: far larger request is refused whole (413) before it is read.
REQUEST_MARGIN = 1024 * 1024
UPLOAD_ENDPOINT = "plan_attachments.index"


def _max_bytes() -> int:
    return current_app.config["ATTACHMENT_MAX_BYTES"]


def allow_large_upload() -> None:
    """Installed before every other hook (the CSRF check reads the form): the upload
    route alone accepts a body as large as an attachment."""
    if request.endpoint == UPLOAD_ENDPOINT and request.method == "POST":
        request.max_content_length = _max_bytes() + REQUEST_MARGIN


@bp.route("/plans/versions/<int:version_id>/documents", methods=["GET", "POST"])
def index(version_id: int):
    if request.method == "POST" and not current_user.has_role(*attachments.WRITERS):
        deny()
    version = attachments.get_version(version_id)
    form = AttachmentForm()
    form.issue_token()
    if request.method == "POST" and not attachments.may_write(current_user, version):
        deny()
    done = submit_once(form, lambda: attachments.add(
        current_user, version, attachments.Upload(form.kind.data, form.title.data,
                                                  form.read_file()),
        storage.for_app(current_app), utcnow(), _max_bytes()),
        lambda _row: url_for("plan_attachments.index", version_id=version_id))
    if done.saved:
        if not done.repeated:
            flash("Document attached.", "success")
        return redirect(done.location)
    can_edit = attachments.may_write(current_user, version) and version.is_draft
    return render_template(
        "plans/attachments.html", version=version, event=version.plan.event, form=form,
        documents=attachments.for_version(version_id), can_edit=can_edit,
        remove_form=EmptyForm(), max_bytes=_max_bytes()), status_of(form)


@bp.route("/plans/documents/<int:attachment_id>")
def download(attachment_id: int):
    row = attachments.get(attachment_id)
    handle = attachments.open_for(current_user, row, storage.for_app(current_app), utcnow())
    db.session.commit()
    response = send_file(handle, mimetype=row.media_type, as_attachment=True,
                         download_name=row.download_name, conditional=False, etag=False,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = ("default-src 'none'; object-src 'none'; "
                                                       "frame-ancestors 'none'; sandbox")
    return response


@bp.route("/plans/documents/<int:attachment_id>/remove", methods=["POST"])
@roles_required(Role.PLANNER)
def remove(attachment_id: int):
    row = attachments.get(attachment_id)
    version_id = row.version_id
    if not attachments.may_write(current_user, row.version):
        deny()
    press(lambda: attachments.remove(current_user, row, storage.for_app(current_app),
                                     utcnow()), "Document removed.")
    return redirect(url_for("plan_attachments.index", version_id=version_id))
