"""The search page: events by the words of their planning record (never people)."""

from flask import Blueprint, render_template, request

from tracker.events import search as event_search

bp = Blueprint("event_search", __name__, url_prefix="/events")

MAX_RESULTS = 50


@bp.route("/search")
def search():
    query = (request.args.get("q") or "")[:event_search.MAX_QUERY]
    hits = event_search.search(query, limit=MAX_RESULTS)
    return render_template("events/search.html", query=query, hits=hits,
                           searched=bool(event_search.words(query)), limit=MAX_RESULTS)
