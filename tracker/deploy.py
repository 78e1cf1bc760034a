"""Production safety: refuse to start unsafe, and `flask --app tracker check-deploy`
to list what a reviewer would flag before go-live."""

import logging
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker.operations import private_files

log = logging.getLogger(__name__)
#: gunicorn's worker count in docs/deploy/gunicorn.conf.py when TRACKER_WEB_WORKERS is unset.
DEFAULT_WEB_WORKERS = 4


class UnsafeConfiguration(RuntimeError):
    pass


def apply_production_defaults(config) -> None:
    """What the production switch turns on: secure cookies, and JSON log lines for the
    log collector unless LOG_FORMAT says otherwise."""
    production = bool(config.get("PRODUCTION"))
    if production:
        config["SESSION_COOKIE_SECURE"] = True
        # The sign-in page's pointer to seed-demo's output is for a demo machine only.
        config["DEMO_MODE"] = False
    if config.get("LOG_FORMAT") is None:
        config["LOG_FORMAT"] = "json" if production else "text"


def apply_key_rotation(config) -> None:
    """SECRET_KEY_FALLBACKS (Flask 3.1): old keys still accepted for what they signed,
    while everything new is signed with SECRET_KEY. Flask's session cookie reads the
    setting itself; Flask-WTF's CSRF tokens are given the same keys (itsdangerous signs
    with the last of a list and verifies with any), so forms open during a rotation
    still submit."""
    fallbacks = config.get("SECRET_KEY_FALLBACKS") or []
    if isinstance(fallbacks, str):  # one old key given as a plain string
        fallbacks = [fallbacks]
    config["SECRET_KEY_FALLBACKS"] = [str(key) for key in fallbacks]
    if config["SECRET_KEY_FALLBACKS"] and not config.get("WTF_CSRF_SECRET_KEY"):
        config["WTF_CSRF_SECRET_KEY"] = [*config["SECRET_KEY_FALLBACKS"],
                                         config["SECRET_KEY"]]


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
    problems += rate_limit_findings(config)
    problems += file_findings(app, deep=True)
    return problems


def rate_limit_findings(config) -> list[str]:
    workers = int(config.get("WEB_WORKERS") or DEFAULT_WEB_WORKERS)
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://") and workers > 1:
        return [f"RATELIMIT_STORAGE_URI is memory:// with {workers} web workers: each "
                "worker counts on its own, so the sign-in limit is "
                f"{workers} times higher. Install the redis extra and set "
                "TRACKER_RATELIMIT_STORAGE_URI=redis://HOST:6379."]
    return []


def watched_files(app: Flask) -> tuple[Path, list[Path]]:
    """The instance folder, and private paths that may lie outside it: the SQLite
    database with its -wal and -shm, the backup folder."""
    url = make_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    others = private_files.database_files(url)
    backups = app.config.get("BACKUP_FOLDER")
    if backups and Path(backups).exists():
        others.append(Path(backups))
    return Path(app.instance_path), others


def file_findings(app: Flask, deep: bool) -> list[str]:
    instance, others = watched_files(app)
    found = private_files.exposed(instance, others, deep=deep)
    if not found:
        return []
    return [f"Readable by others: {', '.join(str(f) for f in found)}. Make folders 0700 "
            "and files 0600, owned by the tracker's user (chmod go= PATH)."]


def database_findings() -> list[str]:
    """Demo accounts, or any active account whose password is the demo password printed
    in the README (checked against every hash: slow, so only in check-deploy)."""
    from tracker.accounts.models import User
    from tracker.accounts.passwords import verify_password
    from tracker.demo import DEMO_EMAILS, DEMO_PASSWORD
    from tracker.extensions import db

    problems = []
    try:
        demo = sorted(db.session.scalars(select(User.email).where(
            User.email.in_(DEMO_EMAILS))))
        hashes = db.session.execute(select(User.email, User.password_hash).where(
            User.active.is_(True))).all()
    except SQLAlchemyError as error:
        db.session.rollback()
        return [f"The database could not be checked for demo accounts "
                f"({type(error).__name__}): run `flask --app tracker db upgrade`."]
    if demo:
        problems.append(f"Demo accounts are in the database: {', '.join(demo)}. Delete "
                        "this database and start from an empty one (never run seed-demo "
                        "in production).")
    with_demo_password = sorted(email for email, password_hash in hashes
                                if password_hash and verify_password(password_hash,
                                                                     DEMO_PASSWORD))
    if with_demo_password:
        problems.append("Accounts with the demo password printed in the README: "
                        f"{', '.join(with_demo_password)}. Change their passwords.")
    return problems


def warn_at_start(app: Flask) -> None:
    """Under PRODUCTION every process (web worker, scheduler, command) logs at start what
    check-deploy would flag in its files, per-worker rate limits and whether demo
    accounts exist: an error line
    per problem, for the log collector's alerts. The full check, demo passwords
    included, is check-deploy's."""
    if not app.config.get("PRODUCTION"):
        return
    problems = rate_limit_findings(app.config) + file_findings(app, deep=False)
    with app.app_context():
        from tracker.accounts.models import User
        from tracker.demo import DEMO_EMAILS
        from tracker.extensions import db

        try:
            if db.session.scalar(select(User.id).where(User.email.in_(DEMO_EMAILS))
                                 .limit(1)) is not None:
                problems.append("Demo accounts are in the database (seed-demo was run): "
                                "see `flask --app tracker check-deploy`.")
        except SQLAlchemyError:  # not migrated yet, or unreachable: /healthz says so
            db.session.rollback()
        finally:
            db.session.remove()
    for problem in problems:
        log.error("UNSAFE: %s", problem)


@click.command("check-deploy")
@with_appcontext
def check_deploy_command():
    """List the settings that are unsafe for production; exit 1 if there are any."""
    problems = findings(current_app) + database_findings()
    if not problems:
        click.echo("No unsafe production settings found.")
        return
    for problem in problems:
        click.echo(f"UNSAFE: {problem}")
    raise SystemExit(1)
