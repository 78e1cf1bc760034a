"""Administrators edit the checklist template; every save publishes a new version."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import work
from tracker.accounts.access import roles_required
from tracker.accounts.roles import Role
from tracker.checklist import catalog
from tracker.checklist.forms import ItemForm
from tracker.db import utcnow
from tracker.errors import NotFound
from tracker.forms import EmptyForm, status_of, submit

bp = Blueprint("checklist_admin", __name__, url_prefix="/admin/checklist")


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    return render_template("checklist/admin_index.html", template=catalog.current_template(),
                           versions=catalog.list_versions())


@bp.route("/publish-shipped", methods=["POST"])
@roles_required(Role.ADMIN)
def publish_shipped():
    """Publish version 1 from the file shipped with the tracker, if nothing is published
    yet (otherwise the first new event does it)."""
    if EmptyForm().validate_on_submit():
        work.run(lambda: catalog.ensure_template(utcnow()))
    return redirect(url_for("checklist_admin.index"))


def _spec_from(form: ItemForm, key: str | None) -> catalog.ItemSpec:
    lines = lambda text: [x.strip() for x in (text or "").splitlines() if x.strip()]  # noqa: E731
    return catalog.ItemSpec(
        key=key or form.key.data.strip(), stage=form.stage.data, prompt=form.prompt.data,
        response_type=form.response_type.data, responsible_role=form.responsible_role.data,
        guidance=form.guidance.data or "", choices=lines(form.choices.data),
        required=form.required.data, red_flag_answers=lines(form.red_flag_answers.data),
        due_anchor=form.due_anchor.data or None, due_days=form.due_days.data)


def _initial(item) -> dict:
    """The form's starting values. Passed as data, not obj: WTForms would prefer the
    item's lists over the newline-joined text the text areas need."""
    spec = catalog.ItemSpec.from_item(item)
    return {**spec.__dict__, "choices": "\n".join(spec.choices),
            "red_flag_answers": "\n".join(spec.red_flag_answers),
            "due_anchor": spec.due_anchor or "", "note": ""}


def _item_or_404(key: str):
    template = catalog.current_template()
    item = next((i for i in template.items if i.key == key), None) if template else None
    if item is None:
        raise NotFound("No such checklist item.")
    return item


@bp.route("/items/new", methods=["GET", "POST"])
@bp.route("/items/<key>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_item(key: str | None = None):
    item = _item_or_404(key) if key else None
    form = _item_form(item)
    ok, template = submit(form, lambda: catalog.save_item(
        current_user, key, _spec_from(form, key), utcnow(), form.note.data,
        version=form.expected_version), current=lambda: _item_form(
            _item_or_404(key) if key else None, fresh=True))
    if ok:
        flash(f"Published checklist version {template.version}.", "success")
        return redirect(url_for("checklist_admin.index"))
    return render_template("checklist/admin_item.html", form=form, item=item), (
        status_of(form))


def _item_form(item, fresh: bool = False) -> ItemForm:
    """The form for a new item or for `item` of the current template, carrying that
    template's version; `fresh` ignores the request's values (the item as published
    now)."""
    data = _initial(item) if item else {"required": True}
    form = ItemForm(formdata=None, data=data) if fresh else ItemForm(data=data)
    if item is not None:
        del form.key  # keys are stable: an edit keeps the item's key
    if fresh or not form.is_submitted():
        template = catalog.current_template()
        if template is not None:
            form.stamp(template.version)
    return form


@bp.route("/items/<key>/delete", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def delete_item(key: str):
    """GET asks for confirmation on a page (removing publishes a new template version);
    POST removes."""
    item = _item_or_404(key)
    if request.method == "GET":
        return render_template("checklist/confirm_remove_item.html", item=item,
                               template=catalog.current_template(), form=EmptyForm())
    if EmptyForm().validate_on_submit():
        template = work.run(lambda: catalog.remove_item(current_user, key, utcnow(),
                                                        f"Removed item {key}"))
        flash(f"Item removed: published checklist version {template.version}.", "success")
    return redirect(url_for("checklist_admin.index"))
