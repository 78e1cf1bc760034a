"""flask --app tracker retention purge"""

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.cli_support import cli_origin
from tracker.db import utcnow
from tracker.extensions import db
from tracker.outreach import retention

retention_cli = AppGroup("retention", help="Retention of outreach personal details.")


def run_purge() -> list:
    """One purge: commit, then scrub the database files. Used by the CLI and the
    scheduler. Whether the erased values are gone from the files too is kept in the
    database (retention.scrub_pending()): a blocked scrub is retried soon."""
    now = utcnow()
    purged = retention.purge(now, current_app.config["OUTREACH_RETENTION_DAYS"])
    if purged:
        retention.mark_scrub_pending(now)
    db.session.commit()
    retry_scrub(now)
    return purged


def retry_scrub(now) -> retention.ScrubOutcome:
    """Scrub the files and record the outcome for a purge still waiting for it."""
    outcome = retention.scrub_storage()
    retention.record_scrub(outcome, now)
    db.session.commit()
    return outcome


@retention_cli.command("purge")
def purge_command():
    """Erase personal details past their retention date (entries on hold are kept).
    Exits with status 1 if the erased values could not yet be removed from the database
    files."""
    cli_origin("retention-purge")
    purged = run_purge()
    for contact in purged:
        click.echo(f"purged personal details of outreach entry {contact.id} "
                   f"(event {contact.event_id})")
    click.echo(f"{len(purged)} entr{'y' if len(purged) == 1 else 'ies'} purged.")
    state = retention.scrub_state()
    if state is not None and state.pending_since is not None:
        click.echo(f"Not yet erased from the database files: {state.problem}. The "
                   "scheduler tries again every minute; or run this command again once "
                   "that transaction has ended.", err=True)
        raise SystemExit(1)
