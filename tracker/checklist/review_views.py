"""The privacy officer's red-flag review queue and decision page."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker import page_sections
from tracker.accounts.access import roles_required
from tracker.accounts.roles import Role
from tracker.checklist import reviews, services
from tracker.checklist.forms import DecisionForm
from tracker.db import utcnow
from tracker.forms import status_of
from tracker.once import submit_once

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


@bp.route("/")
@roles_required(Role.PRIVACY_OFFICER)
def queue():
    # Other areas' reviews (products, social-media requests, records schedules) add
    # their sections through tracker/page_sections.py.
    return render_template("checklist/review_queue.html", pending=reviews.pending(),
                           decided=reviews.recent_decisions(),
                           sections=page_sections.prepared(page_sections.REVIEW_QUEUE,
                                                           current_user, utcnow()))


@bp.route("/<int:review_id>", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def decide(review_id: int):
    review = reviews.get_review(review_id)
    form = DecisionForm()
    form.issue_token()
    done = submit_once(form, lambda: reviews.decide(
        current_user, review, form.decision.data, form.note.data, utcnow()),
        lambda _: url_for("reviews.queue"))
    if done.saved:
        if not done.repeated:
            flash(f"Review {review.status}.", "success")
        return redirect(done.location)
    entry = review.entry
    return render_template(
        "checklist/review.html", review=review, entry=entry, form=form,
        event=entry.checklist.event, number=services.step_number(entry),
    ), status_of(form)
