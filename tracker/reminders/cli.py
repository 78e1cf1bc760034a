"""flask --app tracker reminders dispatch"""

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.cli_support import cli_origin
from tracker.db import utcnow
from tracker.reminders import dispatch, jobs, mail, schedule

reminders_cli = AppGroup("reminders", help="Scheduled reminders.")


def run_dispatch() -> dispatch.CycleResult:
    """One cycle now, with the configured mail settings (reminders/jobs.py)."""
    return jobs.dispatch_due(utcnow(), mail.settings_from_config(),
                             schedule.settings_from_config(current_app.config))


@reminders_cli.command("dispatch")
def dispatch_command():
    """Run one dispatch cycle now and print how many reminders were sent."""
    cli_origin("reminders-dispatch")
    result = run_dispatch()
    click.echo(f"{result.sent} sent, {result.cancelled} no longer needed, "
               f"{result.retrying} to retry, {result.failed} failed."
               + (f" {result.lost} taken over by another dispatcher." if result.lost else ""))
