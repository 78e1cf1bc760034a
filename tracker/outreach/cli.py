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
    """One purge: commit, then scrub the database file. Used by the CLI and the
    scheduler."""
    purged = retention.purge(utcnow(), current_app.config["OUTREACH_RETENTION_DAYS"])
    db.session.commit()
    retention.scrub_storage()
    return purged


@retention_cli.command("purge")
def purge_command():
    """Erase personal details past their retention date (entries on hold are kept)."""
    cli_origin("retention-purge")
    purged = run_purge()
    for contact in purged:
        click.echo(f"purged personal details of outreach entry {contact.id} "
                   f"(event {contact.event_id})")
    click.echo(f"{len(purged)} entr{'y' if len(purged) == 1 else 'ies'} purged.")
