"""SECURITY.md P-5, a purge that proves itself: while another connection holds a read
transaction, the erased values cannot yet leave the database files (SQLite: the WAL
checkpoint answers "busy"; PostgreSQL: VACUUM FULL cannot take the table). The command
says so and exits non-zero, the retention page shows it, and the scheduler's retry,
once the reader has ended, erases them: the canary is gone from the files."""

import sqlite3

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import SQLITE
from tests.security.test_privacy_retention_storage import (
    CANARY,
    _database_bytes,
    _log_contact,
)
from tracker import scheduler
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.extensions import db
from tracker.outreach import retention
from tracker.outreach.models import OutreachContact


class Reader:
    """A connection in the middle of a read transaction (a long report, say)."""

    def __init__(self, database_kind, database_url):
        if database_kind == SQLITE:
            self.connection = sqlite3.connect(make_url(database_url).database,
                                              isolation_level=None)
            self.connection.execute("BEGIN")
            self.connection.execute("SELECT count(*) FROM outreach_contact").fetchone()
        else:
            self.connection = db.engine.connect()  # its own pooled connection
            self.connection.execute(text("SELECT count(*) FROM outreach_contact")).scalar()

    def end(self):
        if isinstance(self.connection, sqlite3.Connection):
            self.connection.execute("COMMIT")
        else:
            self.connection.rollback()
        self.connection.close()


def test_a_purge_blocked_by_a_reader_says_so_and_the_retry_erases_the_canary(
        app, make_user, make_event, runner, client, login_as, database_kind, database_url,
        database_files):
    _log_contact(make_user, make_event)
    reader = Reader(database_kind, database_url)
    try:
        result = runner.invoke(args=["retention", "purge"])
        assert result.exit_code == 1, result.output
        assert "3 entries purged." in result.output
        assert "Not yet erased from the database files" in result.output
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).where(
            OutreachContact.person_name.is_not(None))) == 0  # gone from the records
        assert CANARY.encode() in _database_bytes(database_files)  # not from the files
        state = retention.scrub_state()
        assert state.pending_since is not None and state.problem

        login_as(Role.PRIVACY_OFFICER)
        page = client.get("/retention/").get_data(as_text=True)
        assert "Purged details not yet erased from the database files" in page
        assert state.problem in page

        # The scheduler's retry while the reader is still there: still blocked, said so.
        scheduler.run_job(app, "retention-scrub-retry")
        db.session.expire_all()
        assert retention.scrub_pending()
    finally:
        reader.end()
    # This test's own session read the table too (on PostgreSQL its transaction is still
    # open, a reader like the other): end it, as a request's end would.
    db.session.rollback()

    scheduler.run_job(app, "retention-scrub-retry")
    db.session.expire_all()
    state = retention.scrub_state()
    assert state.pending_since is None and state.done_at is not None
    assert CANARY.encode() not in _database_bytes(database_files)
    actions = list(db.session.scalars(select(AuditRecord.action).where(
        AuditRecord.object_type == "storage_scrub").order_by(AuditRecord.id)))
    assert actions == ["retention.scrub_blocked", "retention.scrub"]
    page = client.get("/retention/").get_data(as_text=True)
    assert "not yet erased" not in page

    # And a purge with nobody in the way exits 0, as before.
    assert runner.invoke(args=["retention", "purge"]).exit_code == 0
