"""SECURITY.md D-2: `flask --app tracker backup` copies the database consistently while the
tracker keeps writing, and the copy restores: integrity check, audit trail, data."""

import re
import shutil
import sqlite3
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.conftest import NOW, login
from tests.support.smtp import free_port
from tracker import create_app
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import keys, verification
from tracker.audit.models import AuditRecord
from tracker.events import services as events
from tracker.events.models import Event
from tracker.extensions import db
from tracker.operations import backup

WRITTEN = re.compile(r"Backup written to (?P<path>\S+) \((?P<human>[^,]+), (?P<size>\d+) "
                     r"bytes, (?P<method>[\w-]+)\)\.$")


class Writer(threading.Thread):
    """A planner creating events one after another, each in its own committed unit of
    work, until told to stop."""

    def __init__(self, app, planner_id: int, event_data):
        super().__init__(daemon=True)
        self.app, self.planner_id, self.event_data = app, planner_id, event_data
        self.committed: list[str] = []
        self.started_writing = threading.Event()
        self.stop = threading.Event()
        self.error: Exception | None = None

    def run(self):
        with self.app.app_context():
            planner = db.session.get(User, self.planner_id)
            try:
                while not self.stop.is_set():
                    title = f"Written while backing up {len(self.committed)}"
                    events.create_event(planner, self.event_data(title=title), NOW)
                    db.session.commit()
                    self.committed.append(title)
                    if len(self.committed) == 3:
                        self.started_writing.set()
            except Exception as error:  # reported by the test
                self.error = error
                self.started_writing.set()
            finally:
                db.session.remove()


def _verify(app) -> verification.Report:
    return verification.verify(keys.AuditSettings.from_config(app.config,
                                                              app.instance_path))


def restore(copy: Path, tmp_path: Path, monkeypatch):
    """What the README says: the copy becomes the instance's tracker.db."""
    instance = tmp_path / "restored-instance"
    instance.mkdir()
    shutil.copy2(copy, instance / "tracker.db")
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(instance))
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})


@pytest.mark.sqlite_only("the SQLite online backup")
def test_restore_drill_of_a_backup_taken_while_writing(app, runner, make_user, make_event,
                                                       event_data, tmp_path, monkeypatch):
    planner = make_user(Role.PLANNER)
    make_event(planner, title="Planned before the backup")
    writer = Writer(app, planner.id, event_data)
    writer.start()
    writer.started_writing.wait()
    committed_before = list(writer.committed)
    try:
        result = runner.invoke(args=["backup"])
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None
    assert result.exit_code == 0, result.output
    written = WRITTEN.match(result.output.strip())
    copy = Path(written["path"])
    assert copy.parent == Path(app.instance_path) / "backups"
    assert re.fullmatch(r"tracker-\d{8}T\d{6}Z\.sqlite3", copy.name)
    assert int(written["size"]) == copy.stat().st_size > 0
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in copy.parent.iterdir()) == [copy.name]  # one whole file

    # The live database recorded the backup (after the copy, so the copy lacks it).
    [record] = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "backup.create")).all()
    assert record.changes == {"method": "sqlite-backup-api", "file": copy.name,
                              "size_bytes": copy.stat().st_size}

    with sqlite3.connect(copy) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    restored = restore(copy, tmp_path, monkeypatch)
    with restored.app_context():
        report = _verify(restored)
        assert report.ok and report.unsealed >= 2, report
        titles = set(db.session.scalars(select(Event.title)))
        assert {"Planned before the backup", *committed_before} <= titles
        assert titles <= {"Planned before the backup", *writer.committed}
        created = set(db.session.scalars(select(AuditRecord.object_id).where(
            AuditRecord.action == "event.create")))
        assert created == {str(i) for i in db.session.scalars(select(Event.id))}
        assert db.session.scalars(select(AuditRecord).where(
            AuditRecord.action == "backup.create")).all() == []
        client = restored.test_client()
        login(client, planner)  # both steps, against the restored accounts
        assert client.get("/events/").status_code == 200
        db.session.remove()
        db.engine.dispose()


@pytest.mark.sqlite_only("the SQLite online backup")
def test_an_uncommitted_write_is_not_in_the_copy_and_does_not_block_it(
        app, make_user, make_event, event_data, tmp_path):
    planner = make_user(Role.PLANNER)
    make_event(planner, title="Committed")
    holding, release = threading.Event(), threading.Event()

    def write_and_hold():
        with app.app_context():
            actor = db.session.get(User, planner.id)
            events.create_event(actor, event_data(title="Not yet committed"), NOW)
            db.session.flush()  # the write lock is held from here to the commit
            holding.set()
            release.wait()
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=write_and_hold, daemon=True)
    thread.start()
    holding.wait()
    try:
        made = backup.create(db.engine.url, tmp_path / "during-a-write.sqlite3")
    finally:
        release.set()
        thread.join()
    with sqlite3.connect(made.path) as raw:
        assert raw.execute("SELECT title FROM event").fetchall() == [("Committed",)]
    assert sorted(db.session.scalars(select(Event.title))) == ["Committed",
                                                               "Not yet committed"]


def test_destination_folder_or_file_and_never_over_an_existing_file(app, runner, tmp_path):
    folder = tmp_path / "offsite"
    folder.mkdir()
    into_folder = runner.invoke(args=["backup", str(folder)])
    assert into_folder.exit_code == 0, into_folder.output
    assert Path(WRITTEN.match(into_folder.output.strip())["path"]).parent == folder

    named = tmp_path / "named.backup"
    assert runner.invoke(args=["backup", str(named)]).exit_code == 0
    size = named.stat().st_size
    again = runner.invoke(args=["backup", str(named)])
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert named.stat().st_size == size
    outcomes = list(db.session.scalars(select(AuditRecord.outcome).where(
        AuditRecord.action == "backup.create").order_by(AuditRecord.id)))
    assert outcomes == ["success", "success", "failure"]


def test_a_missing_pg_dump_is_named_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no pg_dump on it
    url = make_url("postgresql+psycopg://tracker:secret@db.example/tracker")
    with pytest.raises(backup.BackupError, match=r"pg_dump was not found.*postgresql-client"):
        backup.create(url, tmp_path / "tracker.pgdump")
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


# --- PostgreSQL: pg_dump and pg_restore --------------------------


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump")
def test_a_failing_pg_dump_leaves_no_file_and_says_why(tmp_path):
    nobody_listens = f"postgresql+psycopg://tracker:secret@127.0.0.1:{free_port()}/tracker"
    with pytest.raises(backup.BackupError, match=r"pg_dump failed \(exit 1\)") as failure:
        backup.create(make_url(nobody_listens), tmp_path / "tracker.pgdump")
    assert "secret" not in str(failure.value)
    assert list(tmp_path.iterdir()) == []


def _postgres_app(url: str, instance: Path, monkeypatch):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(instance))
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                       "SQLALCHEMY_DATABASE_URI": url})


@pytest.mark.postgresql_only("pg_dump and pg_restore")
def test_postgresql_backup_with_pg_dump_restores(app, runner, make_user, make_event,
                                                  postgres_server, tmp_path, monkeypatch):
    planner = make_user(Role.PLANNER)
    make_event(planner, title="Kept in the dump")
    result = runner.invoke(args=["backup", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = WRITTEN.match(result.output.strip())
    assert written["method"] == "pg_dump"
    assert db.session.scalars(select(AuditRecord.outcome).where(
        AuditRecord.action == "backup.create")).all() == ["success"]
    dump = Path(written["path"])
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600

    restored_name = postgres_server.create_database(empty=True)
    try:
        restored_url = postgres_server.url(restored_name)
        pg_restore = shutil.which("pg_restore") or pytest.skip("needs pg_restore")
        libpq_url = restored_url.replace("postgresql+psycopg://", "postgresql://", 1)
        subprocess.run([pg_restore, "--no-owner", "--exit-on-error",  # noqa: S603 (fixed)
                        f"--dbname={libpq_url}", str(dump)],
                       check=True, capture_output=True, timeout=120)
        _check_restored(_postgres_app(restored_url, tmp_path / "restored", monkeypatch))
    finally:
        postgres_server.drop_database(restored_name)


def _check_restored(restored) -> None:
    with restored.app_context():
        report = _verify(restored)
        assert report.ok and report.unsealed >= 2, report
        assert db.session.scalars(select(Event.title)).all() == ["Kept in the dump"]
        db.session.remove()
        db.engine.dispose()
