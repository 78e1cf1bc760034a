"""The tracker: planning for First Amendment-protected events."""

import os
import secrets
from pathlib import Path

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.engine import make_url

from tracker import inputs
from tracker.config import DefaultConfig
from tracker.deploy import (
    apply_key_rotation,
    apply_production_defaults,
    refuse_unsafe_production,
    trust_proxies,
    warn_at_start,
)
from tracker.extensions import csrf, db, limiter, login_manager, migrate
from tracker.operations import private_files

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    instance_path = Path(os.environ.get("TRACKER_INSTANCE_PATH", PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path.resolve()),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    _configure(app, config)
    trust_proxies(app)
    _bind_extensions(app)
    inputs.install(app)  # before the blueprints: their <int:...> ids are bounded
    _register_blueprints(app)
    _register_web_hooks(app)
    _register_cli(app)
    warn_at_start(app)
    return app


def _configure(app: Flask, config: dict | None) -> None:
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("TRACKER")
    if config:
        app.config.update(config)
    if app.config.get("PRODUCTION"):
        # Whatever this process writes (a library's file too) is its owner's only.
        os.umask(os.umask(0) | 0o077)
    private_files.make_instance_folder(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = Path(app.instance_path) / "tracker.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    private_files.create_sqlite_file(make_url(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.config["SECRET_KEY_CONFIGURED"] = bool(app.config.get("SECRET_KEY"))
    # Under PRODUCTION a missing key is refused before a key file is generated: a file
    # left behind would not be used, and would only look like a key that is.
    refuse_unsafe_production(app, app.config["SECRET_KEY_CONFIGURED"])
    if not app.config["SECRET_KEY_CONFIGURED"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    apply_key_rotation(app.config)
    apply_production_defaults(app.config)
    refuse_unsafe_production(app, app.config["SECRET_KEY_CONFIGURED"])


def _instance_secret(path: Path) -> str:
    """Generated once per installation and kept in the instance folder (mode 0600)."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _bind_extensions(app: Flask) -> None:
    from tracker import once as _once  # noqa: F401  (form_submission)
    from tracker.accounts import models as _accounts  # noqa: F401  (register tables)
    from tracker.audit import models as _audit  # noqa: F401
    from tracker.calendar import models as _calendar  # noqa: F401
    from tracker.checklist import models as _checklist  # noqa: F401
    from tracker.events import models as _events  # noqa: F401
    from tracker.events import search as _search  # noqa: F401  (the search index DDL)
    from tracker.operations import models as _operations  # noqa: F401
    from tracker.outreach import models as _outreach  # noqa: F401
    from tracker.plans import attachment_models as _plan_attachments  # noqa: F401
    from tracker.plans import models as _plans  # noqa: F401
    from tracker.records import authorization_models as _authorizations  # noqa: F401
    from tracker.records import models as _records  # noqa: F401
    from tracker.records import product_models as _products  # noqa: F401
    from tracker.records import schedule_models as _schedules  # noqa: F401
    from tracker.reminders import models as _reminders  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "strong"

    from tracker.accounts import loader

    # Each request's user comes from its server-side session (tracker/accounts/sessions).
    login_manager.user_loader(loader.load_user)


def _register_blueprints(app: Flask) -> None:
    from tracker.accounts.account_views import bp as account_bp
    from tracker.accounts.views import bp as accounts_bp
    from tracker.audit_trail.views import bp as audit_bp
    from tracker.calendar import hooks as calendar_hooks
    from tracker.calendar import panels as calendar_panels
    from tracker.calendar.page_views import bp as calendar_view_bp
    from tracker.calendar.views import bp as calendar_bp
    from tracker.checklist import gates as checklist_gates
    from tracker.checklist.admin_views import bp as checklist_admin_bp
    from tracker.checklist.review_views import bp as reviews_bp
    from tracker.checklist.views import bp as checklist_bp
    from tracker.dashboard.overview_views import bp as overview_bp
    from tracker.dashboard.views import bp as dashboard_bp
    from tracker.events.search_views import bp as event_search_bp
    from tracker.events.views import bp as events_bp
    from tracker.operations.views import bp as operations_bp
    from tracker.outreach import panels as outreach_panels
    from tracker.outreach.retention_views import bp as retention_bp
    from tracker.outreach.views import bp as outreach_bp
    from tracker.plans import media_wiring as plan_media
    from tracker.plans import wiring as plans_wiring
    from tracker.plans.attachments_views import allow_large_upload
    from tracker.plans.attachments_views import bp as plan_attachments_bp
    from tracker.plans.iap_views import bp as plan_iap_bp
    from tracker.plans.views import bp as plans_bp
    from tracker.records import product_wiring
    from tracker.records import wiring as records_wiring
    from tracker.records.authorization_views import bp as authorizations_bp
    from tracker.records.product_views import bp as products_bp
    from tracker.records.schedule_views import bp as schedules_bp
    from tracker.records.views import bp as records_bp
    from tracker.reminders import wiring as reminder_wiring
    from tracker.reminders.views import bp as reminders_bp

    for blueprint in (accounts_bp, account_bp, audit_bp, dashboard_bp, events_bp, checklist_bp,
                      reviews_bp, checklist_admin_bp, outreach_bp, retention_bp, calendar_bp,
                      reminders_bp, operations_bp, records_bp, products_bp,
                      authorizations_bp, schedules_bp, plans_bp, plan_attachments_bp,
                      plan_iap_bp, event_search_bp,
                      calendar_view_bp, overview_bp):
        app.register_blueprint(blueprint)
    # Each area wires itself in one place; the order does not matter (events tells of a
    # change in two phases, see tracker/events/signals.py).
    reminder_wiring.install(app)
    checklist_gates.install(app)
    outreach_panels.install()
    calendar_panels.install()
    calendar_hooks.install()
    records_wiring.install()
    product_wiring.install(app)
    plans_wiring.install(app)
    plan_media.install(app)
    # Before the CSRF check, which reads the form (and so the body) first.
    app.before_request_funcs.setdefault(None, []).insert(0, allow_large_upload)


def _register_web_hooks(app: Flask) -> None:
    from tracker import logging_filters, logs, templating
    from tracker.accounts import access
    from tracker.audit.context import Origin, set_origin
    from tracker.errors import register_error_handlers

    def _set_origin():
        set_origin(Origin(source_address=request.remote_addr or "unknown"))

    logs.install(app)
    # Before every other hook (the rate limiter may answer first): each response, even a
    # refusal, logs and audits under its own request id.
    app.before_request_funcs.setdefault(None, []).insert(0, _set_origin)
    access.install(app)
    logging_filters.install(app.logger)
    register_error_handlers(app)
    templating.install(app)

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        message = "The form had expired or was sent from elsewhere. Reload the page and try again."
        return render_template("errors/error.html", code=400, title="Form expired",
                               message=message), 400

    csp = _content_security_policy(app.config.get("MAP_TILE_URL"))

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", csp)
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config.get("PRODUCTION"):
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        return response


def _content_security_policy(tile_url: str | None) -> str:
    """No outside script, ever. Images: the tracker's own, data: URIs (the map's drawing
    tool icons), and the map tile server when MAP_TILE_URL names an outside host."""
    from tracker.plans.geo import tile_origin

    images = " ".join(filter(None, ("'self'", "data:", tile_origin(tile_url))))
    return (f"default-src 'self'; img-src {images}; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def _register_cli(app: Flask) -> None:
    from tracker.accounts.cli import (
        create_user_command,
        reset_factor_command,
        unlock_user_command,
    )
    from tracker.audit.cli import audit_cli
    from tracker.calendar.cli import feeds_cli
    from tracker.demo import demo_code_command, seed_demo_command
    from tracker.deploy import check_deploy_command
    from tracker.operations.cli import backup_command, restore_command
    from tracker.outreach.cli import retention_cli
    from tracker.reminders.cli import reminders_cli
    from tracker.scheduler import scheduler_command

    for command in (create_user_command, seed_demo_command, demo_code_command, retention_cli,
                    scheduler_command, feeds_cli, reminders_cli, audit_cli,
                    check_deploy_command, backup_command, unlock_user_command,
                    reset_factor_command, restore_command):
        app.cli.add_command(command)
