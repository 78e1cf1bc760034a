"""Pages for products: the event's list, drafting, the privacy review, the release."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.accounts.access import deny, roles_required
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.events import services as events
from tracker.forms import EmptyForm, press, status_of, submit
from tracker.once import submit_once
from tracker.records import access, products
from tracker.records.product_forms import DraftForm, ReleaseForm, ReviewForm
from tracker.records.product_models import REVIEW_QUESTIONS

bp = Blueprint("products", __name__)
WRITERS = (Role.PLANNER, Role.LIAISON)


def _allow(check, event) -> None:
    """The event-level check after the role check: a refusal is audited (deny)."""
    if not check(current_user, event):
        deny()


def _draft(form: DraftForm) -> products.Draft:
    return products.Draft(title=form.title.data or "", body=form.body.data or "",
                          recipients=form.recipients.data or "",
                          caveats=form.caveats.data or "")


@bp.route("/events/<int:event_id>/products")
@roles_required(*Role)
def event_products(event_id: int):
    event = events.get_event(event_id)
    _allow(access.reads, event)
    return render_template("records/products.html", event=event,
                           products=products.for_event(event.id),
                           may_write=access.writes(current_user, event))


@bp.route("/events/<int:event_id>/products/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def create(event_id: int):
    event = events.get_event(event_id)
    _allow(access.writes, event)
    form = DraftForm()
    form.issue_token()
    done = submit_once(form, lambda: products.create(
        current_user, event, form.kind.data, _draft(form), utcnow()),
        lambda product: url_for("products.detail", product_id=product.id))
    if done.saved:
        if not done.repeated:
            flash("Draft saved. Send it for privacy review when it is ready.", "success")
        return redirect(done.location)
    return render_template("records/product_form.html", form=form, event=event,
                           product=None), status_of(form)


@bp.route("/products/<int:product_id>")
@roles_required(*Role)
def detail(product_id: int):
    product = products.get_product(product_id)
    _allow(access.reads, product.event)
    return render_template("records/product_detail.html", product=product,
                           event=product.event, latest=product.latest,
                           questions=REVIEW_QUESTIONS, button=EmptyForm(),
                           may_write=access.writes(current_user, product.event),
                           may_review=access.decides(current_user))


def _edit_form(product, fresh: bool = False) -> DraftForm:
    latest = product.latest
    form = DraftForm(formdata=None, obj=latest) if fresh else DraftForm(obj=latest)
    form.kind.data = product.kind  # not shown: the kind of a product stays
    if fresh or not form.is_submitted():
        form.stamp(latest.version)
    return form


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit(product_id: int):
    product = products.get_product(product_id)
    _allow(access.writes, product.event)
    form = _edit_form(product)
    ok, version = submit(form, lambda: products.revise(
        current_user, product, _draft(form), utcnow(), form.expected_version),
        current=lambda: _edit_form(product, fresh=True))
    if ok:
        flash(f"Version {version.number} saved as a draft.", "success")
        return redirect(url_for("products.detail", product_id=product.id))
    return render_template("records/product_form.html", form=form, event=product.event,
                           product=product), status_of(form)


@bp.route("/products/<int:product_id>/versions/<int:number>/submit", methods=["POST"])
@roles_required(*WRITERS)
def send_for_review(product_id: int, number: int):
    product = products.get_product(product_id)
    _allow(access.writes, product.event)
    version = products.get_version(product, number)
    press(lambda: products.submit(current_user, version, utcnow()),
          "Sent for privacy review.")
    return redirect(url_for("products.detail", product_id=product.id))


@bp.route("/products/<int:product_id>/versions/<int:number>/review", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def review(product_id: int, number: int):
    product = products.get_product(product_id)
    version = products.get_version(product, number)
    form = ReviewForm()
    form.issue_token()
    if not form.is_submitted():
        form.stamp(version.version)
    answers = {col: {"yes": True, "no": False}.get(getattr(form, col).data)
               for col, _q, _ok in REVIEW_QUESTIONS}
    done = submit_once(form, lambda: products.review(
        current_user, version, form.decision.data, answers, form.note.data or "", utcnow(),
        form.expected_version),
        lambda _: url_for("products.detail", product_id=product.id))
    if done.saved:
        if not done.repeated:
            flash(f"Review recorded: {version.status_label.lower()}.", "success")
        return redirect(done.location)
    return render_template("records/product_review.html", form=form, product=product,
                           version=version, event=product.event,
                           questions=REVIEW_QUESTIONS), status_of(form)


@bp.route("/products/<int:product_id>/versions/<int:number>/release", methods=["GET", "POST"])
@roles_required(*WRITERS)
def release(product_id: int, number: int):
    product = products.get_product(product_id)
    _allow(access.writes, product.event)
    version = products.get_version(product, number)
    form = ReleaseForm()
    form.issue_token()
    done = submit_once(form, lambda: products.release(
        current_user, version, products.Release(
            recipient_agency=form.recipient_agency.data or "",
            recipient_role=form.recipient_role.data or "",
            need_to_know=form.need_to_know.data or "",
            authority=form.authority.data or "", method=form.method.data), utcnow()),
        lambda _: url_for("products.detail", product_id=product.id))
    if done.saved:
        if not done.repeated:
            flash("Release recorded in the dissemination log; the released text is frozen.",
                  "success")
        return redirect(done.location)
    return render_template("records/product_release.html", form=form, product=product,
                           version=version, event=product.event), status_of(form)
