"""The tracker app as gunicorn serves it, plus the benchmarks' reference endpoints
(bench only, never in the shipped app): registered on the same app object, so they pass
through the same hooks (sign-in check, security headers) as the tracker's own routes.

- /_bench/trivial: a constant two-byte body.
- /_bench/layout: a signed-in page with the layout alone (sign-in required).
- /_bench/prebuilt and /_bench/prebuilt-gzip: the bytes of the files named by
  BENCH_PREBUILT and BENCH_PREBUILT_GZIP, read once into this worker's memory.

gunicorn 'bench.server:app'
"""

import os
from pathlib import Path

from flask import Response

from tracker import create_app
from tracker.accounts.access import public

app = create_app()
_prebuilt: dict[str, bytes] = {}

if os.environ.get("BENCH_DIAGNOSTIC_NO_FEED_AUDIT"):
    # Diagnostic only, never shipped: measures what the audit record written on every
    # feed fetch (SECURITY.md U-1) costs, by leaving it out.
    from types import SimpleNamespace

    from tracker.audit import services as _audit
    from tracker.calendar import serving as _calendar_views

    def _record(actor, action, *args, **kwargs):
        if action == "calendar.feed_fetch":
            return None
        return _audit.record(actor, action, *args, **kwargs)

    _calendar_views.audit = SimpleNamespace(record=_record, DENIED=_audit.DENIED)


def _bytes(variable: str) -> bytes:
    if variable not in _prebuilt:
        _prebuilt[variable] = Path(os.environ[variable]).read_bytes()
    return _prebuilt[variable]


@public
def trivial():
    return Response(b"ok", mimetype="text/plain")


@public
def prebuilt():
    return Response(_bytes("BENCH_PREBUILT"), mimetype="text/calendar")


@public
def prebuilt_gzip():
    response = Response(_bytes("BENCH_PREBUILT_GZIP"), mimetype="text/calendar")
    response.headers["Content-Encoding"] = "gzip"
    return response


for view in (trivial, prebuilt, prebuilt_gzip):
    app.add_url_rule(f"/_bench/{view.__name__.replace('_', '-')}", view.__name__, view)


def layout():
    """A signed-in page with the layout alone (header, menu, unread count, footer) and
    no content of its own: the reference of the dashboard row."""
    from flask import render_template_string

    return render_template_string(
        '{% extends "base.html" %}{% block content %}<h1>Layout</h1>{% endblock %}')


app.add_url_rule("/_bench/layout", "layout", layout)


# --- audited writes (bench/writes.py) ---------------------------------------------------

if os.environ.get("BENCH_AUDIT_OFF"):
    # The reference of the audited-writes row, never shipped: the same edits with every
    # audit record left out.
    from tracker.audit import services as _audit_services

    _audit_services.record = lambda *args, **kwargs: None

_editable: list[int] = []


@public
def edit_event():
    """One event edit through the service, as the edit form's POST does after its
    checks: the title changes, the change is audited (unless BENCH_AUDIT_OFF), signals
    run (reminders, feed generations), one commit."""
    import random
    import uuid
    from dataclasses import fields

    from sqlalchemy import select

    from tracker.accounts.models import User
    from tracker.db import utcnow
    from tracker.events import lifecycle
    from tracker.events import services as events
    from tracker.events.models import Event
    from tracker.extensions import db

    if not _editable:
        _editable.extend(db.session.scalars(select(Event.id).where(
            Event.status.not_in([s.value for s in lifecycle.FINAL_STATES]))))
    event = db.session.get(Event, random.choice(_editable))
    values = {f.name: getattr(event, f.name) for f in fields(events.EventData)
              if f.name != "related_ids"}
    values["title"] = f"Edited {uuid.uuid4().hex[:12]}"
    actor = db.session.scalar(select(User).order_by(User.id).limit(1))
    events.update_event(actor, event, events.EventData(**values), utcnow())
    db.session.commit()
    return Response(b"ok", mimetype="text/plain")


app.add_url_rule("/_bench/edit-event", "edit_event", edit_event)
