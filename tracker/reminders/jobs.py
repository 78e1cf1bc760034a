"""The reminder dispatch as a job: called by `flask reminders dispatch` and the
scheduler, each passing the time and the mail settings."""

from datetime import datetime

from tracker import work
from tracker.reminders import dispatch, mail, schedule


def dispatch_due(now: datetime, settings: mail.MailSettings,
                 schedule_settings: schedule.ScheduleSettings) -> dispatch.CycleResult:
    """One cycle: make sure the weekly digests exist (one unit of work), then deliver
    what is due (the dispatcher commits its own fenced claims: reminders/dispatch.py)."""
    work.run(lambda: schedule.ensure_digests(now, schedule_settings))
    return dispatch.run_cycle(now, settings)
