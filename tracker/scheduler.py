"""The scheduler process: `flask --app tracker scheduler`.

Periodic jobs read their work from the database (due rows), so the schedule itself needs
no persistent job store, and a restart loses nothing. Never inside web workers. Any
number of these processes may run, on any machines: they elect one leader that runs the
jobs, the others stand by (tracker/operations/leadership.py, node.py)."""

import logging
from collections.abc import Callable

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from tracker import work
from tracker.accounts.services import disable_inactive
from tracker.audit import services as audit
from tracker.audit.context import Origin, set_origin
from tracker.audit.keys import AuditSettings
from tracker.audit.sealing import seal
from tracker.db import utcnow
from tracker.extensions import db
from tracker.operations.health import beat
from tracker.outreach import jobs as outreach_jobs
from tracker.outreach.retention import scrub_pending
from tracker.plans.media_wiring import purge_documents
from tracker.reminders import jobs as reminder_jobs
from tracker.reminders import mail, schedule

log = logging.getLogger(__name__)

# The APScheduler default grace time (1 s) silently drops a run missed while the process
# was busy or down; the jobs are idempotent, so run late rather than never, once.
JOB_DEFAULTS = {"misfire_grace_time": 3600, "coalesce": True, "max_instances": 1}


def purge_retention() -> str:
    purged = outreach_jobs.purge(utcnow(), current_app.config["OUTREACH_RETENTION_DAYS"])
    summary = f"{len(purged)} outreach entries purged"
    documents = purge_documents()
    if documents:
        summary += f"; {documents}"
    if scrub_pending():
        log.warning("retention purge: erased values are still in the database files; "
                    "retried every minute (retention page)")
    return summary


def retry_retention_scrub() -> str | None:
    """Within a minute of a purge whose values could not be erased from the database
    files (a reader in the way), try again; nothing to do, nothing said."""
    if not scrub_pending():
        return None
    if outreach_jobs.retry_scrub(utcnow()).erased:
        return "purged values erased from the database files"
    log.warning("retention purge: erased values still in the database files")
    return None


def dispatch_reminders() -> str:
    result = reminder_jobs.dispatch_due(
        utcnow(), mail.settings_from_config(), schedule.settings_from_config(current_app.config))
    return (f"{result.sent} reminders sent, {result.retrying} to retry"
            + (f", {result.released} handed back (stopping)" if result.released else ""))


def disable_inactive_accounts() -> str:
    disabled = work.run(lambda: disable_inactive(
        utcnow(), current_app.config["INACTIVE_ACCOUNT_DAYS"]))
    return f"{len(disabled)} inactive accounts deactivated"


def seal_audit_trail() -> str | None:
    """Committed audit records into a signed block (SECURITY.md U-3). Says nothing when
    there was nothing to seal: an idle installation would log it every minute."""
    result = seal(AuditSettings.from_config(current_app.config, current_app.instance_path),
                  utcnow())
    if result.blocks:
        return f"{result.records} audit records sealed into block {result.blocks[-1]}"
    return None


def remind_records_due() -> str | None:
    """Once a week, tell the privacy officers of register items past their due date."""
    from tracker.records.due import weekly_notice
    from tracker.timezones import local_date

    now = utcnow()
    notice = work.run(lambda: weekly_notice(now, local_date(now)))
    return f"weekly notice of past-due register items ({notice.id})" if notice else None


def heartbeat() -> None:
    """Tell /healthz this process is alive. Returns nothing: a log line every 30 seconds
    would drown the others."""
    work.run(lambda: beat(utcnow()))


#: name -> (job, config key holding its interval in seconds or minutes, unit). A job
#: returns its one-line summary for the log, or None when there is nothing to say.
JOBS: dict[str, tuple[Callable[[], str | None], str, str]] = {
    "scheduler-heartbeat": (heartbeat, "SCHEDULER_HEARTBEAT_SECONDS", "seconds"),
    "retention-purge": (purge_retention, "RETENTION_PURGE_INTERVAL_MINUTES", "minutes"),
    "retention-scrub-retry": (retry_retention_scrub, "RETENTION_SCRUB_RETRY_SECONDS",
                              "seconds"),
    "reminders-dispatch": (dispatch_reminders, "REMINDER_DISPATCH_INTERVAL_SECONDS",
                           "seconds"),
    "inactive-accounts": (disable_inactive_accounts, "INACTIVE_ACCOUNT_CHECK_MINUTES",
                          "minutes"),
    "audit-seal": (seal_audit_trail, "AUDIT_SEAL_INTERVAL_SECONDS", "seconds"),
    "records-due-reminder": (remind_records_due, "RECORDS_DUE_CHECK_MINUTES", "minutes"),
}


def run_job(app: Flask, name: str) -> None:
    """Run one job in its own app context and unit of work; never let it kill the loop."""
    job = JOBS[name][0]
    with app.app_context():
        set_origin(Origin(source_address=f"scheduler:{name}"))
        try:
            summary = job()
            if summary:
                log.info("job %s: %s", name, summary)
        except Exception:
            work.discard()
            log.exception("job %s failed; it runs again at its next interval", name)
        finally:
            db.session.remove()


def build(app: Flask, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    scheduler = scheduler or BlockingScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC")
    for name, (_, interval_key, unit) in JOBS.items():
        scheduler.add_job(run_job, "interval", args=[app, name], id=name,
                          next_run_time=utcnow(), replace_existing=True,
                          **JOB_DEFAULTS, **{unit: app.config[interval_key]})
    return scheduler


def record_start(scheduler: BaseScheduler, node: str | None = None) -> None:
    """A start is audited, so the trail shows when reminders and purges resumed after a
    gap; the heartbeats are not (tracker/operations/health.py)."""
    set_origin(Origin(source_address="cli:scheduler"))
    changes: dict = {"jobs": sorted(job.id for job in scheduler.get_jobs())}
    if node:
        changes["node"] = node
    work.run(lambda: audit.record(None, "scheduler.start", "scheduler", changes=changes))


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the periodic jobs (reminders, retention purge) until stopped (SIGTERM). Several
    may run, on several machines: one leads and runs the jobs, the others stand by."""
    app = current_app._get_current_object()
    # What each job did ("3 reminders sent, 0 to retry") goes to the service's log
    # through the app's log handler (tracker.scheduler logs under the app's logger).
    app.logger.setLevel(logging.INFO)
    # APScheduler logs two INFO lines per run: 5,760 a day for the heartbeat alone. Missed
    # runs (WARNING) still show; each job logs its own summary and failures.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    from tracker.operations.node import Node, node_name

    # The job set, started only while this process leads the election.
    from tracker.reminders.dispatch import stop_requested

    node = Node(app, lambda: build(app, BackgroundScheduler(job_defaults=JOB_DEFAULTS,
                                                             timezone="UTC")),
                node_name(app.config.get("SCHEDULER_NODE_NAME")),
                # A dispatch cycle under way hands back the reminders it has not sent.
                on_stop=stop_requested.set)
    scheduler = build(app)
    record_start(scheduler, node.name)
    click.echo(f"Scheduler running as {node.name} (standby until it leads): " + ", ".join(
        f"{job.id} every {job.trigger.interval}" for job in scheduler.get_jobs()))
    node.install_signal_handlers()
    node.run()
    click.echo("Scheduler stopped.")
