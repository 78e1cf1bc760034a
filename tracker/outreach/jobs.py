"""The retention purge as a job: called by `flask retention purge` and the scheduler,
each passing the time and the retention period. Two units of work: the purge is
committed before the database files are scrubbed (a scrub cannot run inside the
transaction that erased the values)."""

from datetime import datetime

from tracker import work
from tracker.outreach import retention


def purge(now: datetime, retention_days: int) -> list:
    """Erase personal details past their retention date, commit, then scrub the files.
    Whether the erased values are gone from the files too is kept in the database
    (retention.scrub_pending()): a blocked scrub is retried soon."""
    with work.unit():
        purged = retention.purge(now, retention_days)
        if purged:
            retention.mark_scrub_pending(now)
    retry_scrub(now)
    return purged


def retry_scrub(now: datetime) -> retention.ScrubOutcome:
    """Scrub the files and record the outcome for a purge still waiting for it."""
    outcome = retention.scrub_storage()
    work.run(lambda: retention.record_scrub(outcome, now))
    return outcome
