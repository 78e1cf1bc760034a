"""Connects the plan's map, documents and Incident Action Plan to the app: their
blueprints, the upload size hook, the map settings the templates read, and the removal
of an event's documents with the event. Called once from create_app."""

from flask import Flask, current_app

from tracker import storage, work
from tracker.db import utcnow
from tracker.events import signals
from tracker.plans import attachments, geo


def map_settings() -> dict:
    """What the map's script needs, from the settings (README "Plan map")."""
    config = current_app.config
    lat, lon = config["MAP_DEFAULT_CENTER"]
    return {"tile_url": config.get("MAP_TILE_URL") or "",
            "attribution": config.get("MAP_TILE_ATTRIBUTION") or "",
            "center": f"{float(lat)},{float(lon)}", "zoom": int(config["MAP_DEFAULT_ZOOM"]),
            "kinds": geo.KINDS}


def map_features(text: str | None) -> list[geo.Feature]:
    """The feature list of a map as stored, or of a map just typed when it is valid (a
    refused one shows its error instead)."""
    return geo.features(text)


def purge_documents() -> str | None:
    """The scheduler's retention job: documents of events past their retention."""
    days = current_app.config.get("PLAN_ATTACHMENT_RETENTION_DAYS")
    if days is None:
        return None
    count = work.run(lambda: attachments.purge(utcnow(), int(days),
                                               storage.for_app(current_app)))
    return f"{count} plan documents removed"


def install(app: Flask) -> None:
    """The blueprints (plan_attachments, plan_iap) are registered by the app factory, with
    the upload route's body-size hook."""
    app.add_template_global(map_settings, "plan_map_settings")
    app.add_template_global(map_features, "plan_map_features")
    app.add_template_global(geo.kind_choices, "plan_map_kinds")
    signals.event_deleted.connect(_documents_go_with_the_event, weak=False)


def _documents_go_with_the_event(event_id, **_):
    """The event's rows go by cascade; its stored files once that deletion commits."""
    attachments.release_event(event_id, storage.for_app(current_app))
