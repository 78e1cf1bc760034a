"""flask --app tracker retention purge"""

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.cli_support import cli_origin
from tracker.db import utcnow
from tracker.outreach import jobs, retention

retention_cli = AppGroup("retention", help="Retention of outreach personal details.")


def run_purge() -> list:
    """One purge now, with the configured retention period (outreach/jobs.py)."""
    return jobs.purge(utcnow(), current_app.config["OUTREACH_RETENTION_DAYS"])


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
