"""GET /healthz for load balancers and monitoring."""

from flask import Blueprint, current_app, jsonify

from tracker import deploy
from tracker.accounts.access import public
from tracker.db import utcnow
from tracker.extensions import limiter
from tracker.operations import health

bp = Blueprint("operations", __name__)


@bp.get("/healthz")
@limiter.exempt  # probes come every few seconds from the same addresses
@public
def healthz():
    """200 when the database answers, the scheduler beat recently and no audit record
    has waited longer than AUDIT_SEAL_MAX_AGE_SECONDS to be sealed, else 503. Not
    audited: see tracker/operations/health.py."""
    files_private = not deploy.file_findings(current_app, deep=False)
    report = health.check(utcnow(), health.max_heartbeat_age(current_app.config),
                          health.max_unsealed_age(current_app.config), files_private)
    response = jsonify(report.as_dict())
    response.status_code = 200 if report.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
