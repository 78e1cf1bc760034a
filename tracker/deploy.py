"""Production safety: refuse to start unsafe, and `flask --app tracker check-deploy`
to list what a reviewer would flag before go-live."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.middleware.proxy_fix import ProxyFix


class UnsafeConfiguration(RuntimeError):
    pass


def apply_production_defaults(config) -> None:
    """What the production switch turns on: secure cookies, and JSON log lines for the
    log collector unless LOG_FORMAT says otherwise."""
    production = bool(config.get("PRODUCTION"))
    if production:
        config["SESSION_COOKIE_SECURE"] = True
    if config.get("LOG_FORMAT") is None:
        config["LOG_FORMAT"] = "json" if production else "text"


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address and scheme from the
    headers they set (werkzeug's ProxyFix reads only that many hops from the right)."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def refuse_unsafe_production(app: Flask, secret_was_configured: bool) -> None:
    """With PRODUCTION on, debug mode or a secret key that was not configured stops the
    app at start-up rather than running exposed."""
    if not app.config.get("PRODUCTION"):
        return
    if app.debug or app.config.get("DEBUG"):
        raise UnsafeConfiguration("PRODUCTION is on but debug mode is enabled.")
    if not secret_was_configured:
        raise UnsafeConfiguration("PRODUCTION is on but no SECRET_KEY is configured "
                                  "(set TRACKER_SECRET_KEY, shared by all workers).")


def findings(app: Flask) -> list[str]:
    """Every setting that is unsafe for a production deployment, in plain words."""
    config = app.config
    problems = []
    if not config.get("PRODUCTION"):
        problems.append("PRODUCTION is off: set TRACKER_PRODUCTION=true in production.")
    if app.debug or config.get("DEBUG"):
        problems.append("Debug mode is on: tracebacks and the debugger would be exposed.")
    if not config.get("SECRET_KEY_CONFIGURED"):
        problems.append("SECRET_KEY is generated per machine: set TRACKER_SECRET_KEY so "
                        "every worker and machine shares it.")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE is off: session cookies could travel "
                        "over plain HTTP.")
    base = config.get("PUBLIC_BASE_URL") or ""
    if not base.startswith("https://"):
        problems.append("PUBLIC_BASE_URL is not an https:// address: feed links, calendar "
                        "links and mails need the public HTTPS address.")
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("The database is SQLite: use PostgreSQL for several workers.")
    if not config.get("MAIL_SERVER"):
        problems.append("MAIL_SERVER is not set: reminder mail is only written to files.")
    elif config.get("MAIL_SECURITY") == "none":
        problems.append("MAIL_SECURITY is none: mail to the SMTP server is not encrypted.")
    return problems


@click.command("check-deploy")
@with_appcontext
def check_deploy_command():
    """List the settings that are unsafe for production; exit 1 if there are any."""
    problems = findings(current_app)
    if not problems:
        click.echo("No unsafe production settings found.")
        return
    for problem in problems:
        click.echo(f"UNSAFE: {problem}")
    raise SystemExit(1)
