"""The event's information records page: the collected-information register, the
dissemination log and the internal exports; adding an item, its disposition, the
privacy officer's decision on keeping it, and recording a release."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.accounts.access import deny, roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.events import services as events
from tracker.forms import status_of, submit
from tracker.once import submit_once
from tracker.records import access, dissemination, exports, register
from tracker.records.forms import (
    DecisionForm,
    DestroyForm,
    ItemEditForm,
    ItemForm,
    KeepForm,
    ReleaseForm,
)
from tracker.records.models import Disposition, KeepStatus
from tracker.timezones import agency_zone, from_local, local_date, to_local

bp = Blueprint("records", __name__)

STAFF = (Role.PLANNER, Role.LIAISON, Role.PRIVACY_OFFICER, Role.LEADERSHIP, Role.ADMIN)
WRITERS = (Role.PLANNER, Role.LIAISON)


def _event_for(event_id: int, check):
    event = events.get_event(event_id)
    if not check(current_user, event):
        deny()
    return event


@bp.route("/events/<int:event_id>/records")
@roles_required(*STAFF)
def event_records(event_id: int):
    event = _event_for(event_id, access.reads)
    today = local_date(utcnow())
    return render_template(
        "records/event.html", event=event, items=register.for_event(event_id),
        releases=dissemination.for_event(event_id), exports=exports.for_event(event_id),
        today=today, can_write=access.writes(current_user, event))


def _review_choices(form, event_id: int) -> None:
    form.predicate_review_id.choices = [("", "None")] + [
        (str(r.id), f"Review {r.id}: {r.entry.item.prompt[:80]} ({r.status})")
        for r in register.predicate_reviews(event_id)]


@bp.route("/events/<int:event_id>/records/items/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_item(event_id: int):
    event = _event_for(event_id, access.writes)
    form = ItemForm()
    _review_choices(form, event_id)
    form.issue_token()
    now = utcnow()
    done = submit_once(form, lambda: register.add_item(
        current_user, event, _item_data(form), now,
        days_by_category=current_app.config["RECORDS_RETENTION_DAYS"],
        event_end_on=local_date(event.ends_at), today=local_date(now)),
        lambda _item: url_for("records.event_records", event_id=event_id))
    if done.saved:
        if not done.repeated:
            flash("Item added to the register.", "success")
        return redirect(done.location)
    return render_template("records/item_form.html", form=form, event=event,
                           item=None), status_of(form)


def _edit_form(item, fresh: bool = False) -> ItemEditForm:
    """The edit form; `fresh` ignores the request's values (the item as saved now)."""
    form = ItemEditForm(formdata=None, obj=item) if fresh else ItemEditForm(obj=item)
    _review_choices(form, item.event_id)
    if fresh or not form.is_submitted():
        form.predicate_review_id.data = str(item.predicate_review_id or "")
        form.stamp(item.version)
    return form


@bp.route("/records/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_item(item_id: int):
    """Correct an item before its disposition (its due date stays)."""
    item = _item_for(item_id, access.writes)
    form = _edit_form(item)
    ok, _ = submit(form, lambda: register.update_item(
        current_user, item, _item_data(form), utcnow(), version=form.expected_version),
        current=lambda: _edit_form(item, fresh=True))
    if ok:
        flash("Item saved.", "success")
        return redirect(url_for("records.item", item_id=item.id))
    return render_template("records/item_form.html", form=form, event=item.event,
                           item=item), status_of(form)


def _item_data(form: ItemForm) -> register.ItemData:
    raw = form.predicate_review_id.data or ""
    return register.ItemData(
        category=form.category.data, description=form.description.data or "",
        source=form.source.data or "", purpose=form.purpose.data or "",
        concerns_individuals=bool(form.concerns_individuals.data),
        predicate_reference=form.predicate_reference.data or "",
        predicate_review_id=int(raw) if raw.isdigit() and len(raw) < 10 else None)


def _item_for(item_id: int, check):
    item = register.get_item(item_id)
    if not check(current_user, item.event):
        deny()
    return item


def _forms(item, **given):
    forms = {"destroy": DestroyForm(formdata=None), "keep": KeepForm(formdata=None),
             "decide": DecisionForm(formdata=None)}
    for form in forms.values():
        form.stamp(item.version)
    forms.update(given)
    return forms


def _render_item(item, status=200, **given):
    may_dispose = access.writes(current_user, item.event) or access.decides(current_user)
    open_record = item.event.status != "closed"
    pending = (item.disposition == Disposition.KEPT
               and item.keep_status == KeepStatus.PENDING)
    return render_template(
        "records/item.html", item=item, event=item.event, forms=_forms(item, **given),
        today=local_date(utcnow()),
        can_dispose=may_dispose and open_record and item.disposition is None,
        can_decide=access.decides(current_user) and open_record and pending
        and item.disposed_by_id != current_user.id,
        can_edit=access.writes(current_user, item.event) and open_record
        and item.disposition is None), status


@bp.route("/records/items/<int:item_id>")
@roles_required(*STAFF)
def item(item_id: int):
    return _render_item(_item_for(item_id, access.reads))


def _may_dispose(user, event) -> bool:
    return access.writes(user, event) or access.decides(user)


@bp.route("/records/items/<int:item_id>/destroy", methods=["POST"])
@roles_required(Role.PLANNER, Role.LIAISON, Role.PRIVACY_OFFICER)
def destroy(item_id: int):
    item = _item_for(item_id, _may_dispose)
    form = DestroyForm()
    ok, _ = submit(form, lambda: register.destroy(
        current_user, item, form.destruction_method.data or "", utcnow(),
        version=form.expected_version))
    if ok:
        flash("Destruction recorded.", "success")
        return redirect(url_for("records.event_records", event_id=item.event_id))
    return _render_item(item, status_of(form), destroy=form)


@bp.route("/records/items/<int:item_id>/keep", methods=["POST"])
@roles_required(Role.PLANNER, Role.LIAISON, Role.PRIVACY_OFFICER)
def keep(item_id: int):
    item = _item_for(item_id, _may_dispose)
    form = KeepForm()
    ok, _ = submit(form, lambda: register.propose_keep(
        current_user, item, form.keep_schedule.data or "", form.keep_justification.data or "",
        form.keep_until.data, utcnow(), version=form.expected_version))
    if ok:
        flash("Proposal to keep the item sent to the privacy officers.", "success")
        return redirect(url_for("records.event_records", event_id=item.event_id))
    return _render_item(item, status_of(form), keep=form)


@bp.route("/records/items/<int:item_id>/decide", methods=["POST"])
@roles_required(Role.PRIVACY_OFFICER)
def decide(item_id: int):
    item = register.get_item(item_id)
    if item.disposed_by_id == current_user.id:
        deny()
    form = DecisionForm()
    ok, _ = submit(form, lambda: register.decide_keep(
        current_user, item, form.decision.data or "", form.keep_decision_note.data or "",
        utcnow(), version=form.expected_version))
    if ok:
        flash("Decision recorded.", "success")
        return redirect(url_for("records.event_records", event_id=item.event_id))
    return _render_item(item, status_of(form), decide=form)


@bp.route("/events/<int:event_id>/records/releases/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_release(event_id: int):
    event = _event_for(event_id, access.writes)
    form = ReleaseForm()
    if not form.is_submitted():
        form.released_at.data = to_local(utcnow()).replace(tzinfo=None, second=0,
                                                           microsecond=0)
    form.issue_token()
    done = submit_once(form, lambda: dissemination.record_release(
        current_user, event, what_kind=form.what_kind.data, what_ref=form.what_ref.data,
        recipient_agency=form.recipient_agency.data, recipient_role=form.recipient_role.data,
        need_to_know=form.need_to_know.data, authority=form.authority.data,
        method=form.method.data, now=utcnow(),
        released_at=from_local(form.released_at.data, agency_zone(), "released_at")),
        lambda _row: url_for("records.event_records", event_id=event_id))
    if done.saved:
        if not done.repeated:
            flash("Release recorded in the dissemination log.", "success")
        return redirect(done.location)
    return render_template("records/release_form.html", form=form, event=event), (
        status_of(form))


@bp.route("/records/past-due")
@roles_required(Role.PRIVACY_OFFICER, Role.LEADERSHIP, Role.ADMIN)
def past_due():
    """Items past their due date without a disposition, and proposals to keep an item
    waiting for a privacy officer, across events (no descriptions: open the item)."""
    return render_template("records/past_due.html", items=register.past_due(
        local_date(utcnow())), proposals=register.keep_proposals())
