"""flask --app tracker audit verify"""

import click
from flask.cli import AppGroup

from tracker.audit import chain

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify_command():
    """Check the hash chain over the whole audit trail; exit 1 at the first broken link."""
    verdict = chain.verify()
    if verdict.ok:
        click.echo(f"Audit trail intact: {verdict.checked} records verified.")
        return
    where = (f"record {verdict.first_broken_id}" if verdict.first_broken_id
             else "the end of the trail")
    click.echo(f"Audit trail BROKEN at {where}: {verdict.reason}. "
               f"{verdict.checked} records before it verified.", err=True)
    raise SystemExit(1)
