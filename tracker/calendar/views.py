"""Calendar pages: the feed itself (token, no sign-in), event downloads, feed links."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker import links, work
from tracker.accounts.access import public
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.calendar import assembly, content, feeds, fetch_counts, serving
from tracker.calendar.forms import FeedForm
from tracker.calendar.settings import feed_settings
from tracker.db import utcnow
from tracker.errors import ValidationError
from tracker.events import services as events
from tracker.extensions import csrf, limiter
from tracker.forms import EmptyForm, press, status_of
from tracker.once import submit_once

bp = Blueprint("calendar", __name__)


def settings() -> content.FeedSettings:
    return feed_settings(current_app.config, links.current_base())


def _calendar_response(body: bytes, etag: str, modified, filename: str | None = None):
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["ETag"] = etag
    response.last_modified = modified
    response.headers["Cache-Control"] = "private, no-cache"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/calendar/feeds/<token>.ics")
@public
@csrf.exempt
@limiter.limit(lambda: current_app.config["FEED_RATE_LIMIT"])
def feed(token: str):
    """Calendar clients cannot send headers or cookies: the token in the path is the
    credential (a documented exception), valid on this route only."""
    with work.unit():
        answer = serving.answer(
            token, utcnow(), settings(), current_app.config["CALENDAR_MEMORY_CACHE_MB"] << 20,
            gzipped=request.accept_encodings["gzip"] > 0,
            not_modified=request.if_none_match.contains_weak, counter=_counter())
    if not answer.found:
        abort(404)
    return _feed_response(answer.rendering, answer.gzipped, answer.etag, answer.modified_at)


def _counter() -> fetch_counts.NotModifiedCounter:
    """This web worker's count of 304 answers (calendar/fetch_counts.py)."""
    counter = current_app.extensions.get("feed_not_modified")
    if counter is None:
        counter = current_app.extensions.setdefault("feed_not_modified",
                                                    fetch_counts.NotModifiedCounter())
    return counter


def _feed_response(rendering, gzipped: bool, etag: str, modified):
    """304 when `rendering` is None; the plain or gzip bytes with their own ETag."""
    if rendering is None:
        response = Response(status=304)
    elif gzipped:
        etag = rendering.gzip_etag
        response = _calendar_response(rendering.gzip, etag, modified)
        response.headers["Content-Encoding"] = "gzip"
    else:
        etag = rendering.etag
        response = _calendar_response(rendering.body, etag, modified)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    # Both encodings are offered: caches must key on the request's Accept-Encoding.
    response.headers["Vary"] = "Accept-Encoding"
    return response


@bp.route("/events/<int:event_id>/calendar.ics")
def download(event_id: int):
    event = events.get_event(event_id)
    body = content.render_event(event, settings())
    work.run(lambda: audit.record(current_user, "calendar.download", "event", event.id))
    return _calendar_response(body, assembly.etag_of(body), event.updated_at,
                              f"event-{event.id}.ics")


def _feed_urls(token: str) -> dict[str, str]:
    https = links.public_url(url_for("calendar.feed", token=token), scheme="https")
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


def _show_token(feed, token: str):
    """The one time the link is shown: the page is not stored by the browser."""
    response = Response(render_template("calendar/feed_created.html", feed=feed,
                                        urls=_feed_urls(token)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/calendar/feeds")
def feed_list():
    is_admin = current_user.has_role(Role.ADMIN)
    return render_template(
        "calendar/feeds.html", mine=feeds.feeds_of(current_user),
        everyone=feeds.all_feeds() if is_admin else None, describe=feeds.describe,
        action_form=EmptyForm())


@bp.route("/calendar/feeds/new", methods=["GET", "POST"])
def feed_create():
    form = FeedForm()
    form.issue_token()
    done = submit_once(form, lambda: feeds.create_feed(
        current_user, current_user, form.name.data, feeds.FeedFilter(
            kind=form.kind.data or None, status=form.status.data or None,
            assigned_to_owner=form.assigned_to_owner.data,
            include_cancelled=form.include_cancelled.data), utcnow()),
        lambda _created: url_for("calendar.feed_list"))
    if done.saved and not done.repeated:
        return _show_token(*done.result)
    if done.saved:
        # The link was shown once, to the first submit; only its hash is kept.
        flash("This form was already submitted: the feed is in your list. Its link was "
              "shown once; regenerate it if you did not copy it.", "info")
        return redirect(done.location)
    return render_template("calendar/feed_form.html", form=form), status_of(form)


@bp.route("/calendar/feeds/<int:feed_id>/regenerate", methods=["POST"])
def feed_regenerate(feed_id: int):
    feed = feeds.get_owned(current_user, feed_id)
    if EmptyForm().validate_on_submit():
        try:
            token = work.run(lambda: feeds.regenerate(current_user, feed, utcnow()))
            return _show_token(feed, token)
        except ValidationError as err:
            flash(err.message, "error")
    return redirect(url_for("calendar.feed_list"))


@bp.route("/calendar/feeds/<int:feed_id>/revoke", methods=["GET", "POST"])
def feed_revoke(feed_id: int):
    """GET asks for confirmation on a page (a revoked link never works again); POST
    revokes."""
    feed = feeds.get_manageable(current_user, feed_id)
    if request.method == "GET":
        if feed.revoked_at is not None:
            flash(f"Feed \u201c{feed.name}\u201d is already revoked.", "info")
            return redirect(url_for("calendar.feed_list"))
        return render_template("calendar/confirm_revoke.html", feed=feed, form=EmptyForm())
    press(lambda: feeds.revoke(current_user, feed, utcnow()),
          f"Feed \u201c{feed.name}\u201d revoked: its link no longer works.")
    return redirect(url_for("calendar.feed_list"))


@bp.route("/calendar/subscribe")
def subscribe_help():
    return render_template("calendar/subscribe.html",
                           refresh=current_app.config["CALENDAR_REFRESH_MINUTES"],
                           cancelled_days=current_app.config["CALENDAR_CANCELLED_DAYS"])
