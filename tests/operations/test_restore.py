"""`flask --app tracker restore BACKUP --to DATABASE_URL` (NIST CP-10): into a fresh
database, refusing a non-empty one without --force, migrating, and verifying the audit
trail of the restored database (not the live one), naming it on every line."""

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.conftest import fresh_database
from tracker import create_app
from tracker.audit.models import AuditRecord
from tracker.events.models import Event
from tracker.extensions import db
from tracker.operations.restore import label


@pytest.fixture
def live(request, tmp_path, monkeypatch):
    """The running installation: a migrated database with an event and its audit trail,
    and a backup of it."""
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "instance"))
    url = fresh_database(request, tmp_path / "live", empty=True) \
        if request.config.getoption("--db") == "postgresql" else \
        f"sqlite:///{tmp_path / 'live.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "s", "TESTING": True})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        result = runner.invoke(args=["create-user", "planner@agency.example.gov", "--name",
                                     "Pat", "--role", "planner", "--password-stdin"],
                               input="a long private passphrase\n")
        assert result.exit_code == 0, result.output
        db.session.remove()
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0, sealed.output
    made = runner.invoke(args=["backup", str(tmp_path / "nightly.backup")])
    assert made.exit_code == 0, made.output
    yield app, tmp_path / "nightly.backup"
    with app.app_context():
        db.engine.dispose()


def target_database(request, tmp_path) -> str:
    if request.config.getoption("--db") == "postgresql":
        return fresh_database(request, tmp_path / "restored", empty=True)
    return f"sqlite:///{tmp_path / 'restored.db'}"


def restore(app, *args):
    return app.test_cli_runner().invoke(args=["restore", *args])


def records(url: str, action: str) -> list:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(select(AuditRecord.changes).where(
            AuditRecord.action == action)).all()
    engine.dispose()
    return [row[0] for row in rows]


def test_restore_into_a_fresh_database_migrates_and_verifies_it(request, live, tmp_path):
    app, backup = live
    target = target_database(request, tmp_path)
    name = label(make_url(target))
    result = restore(app, str(backup), "--to", target)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert all(line.startswith(f"{name}: ") for line in lines), lines
    assert f"{name}: restored from {backup}" in lines
    assert any(re_match(r"schema at revision \w+", line) for line in lines)
    assert any(re_match(r"audit trail intact: [1-9]\d* sealed records verified", line)
               for line in lines)
    # The restore is recorded in the restored trail; the live one is untouched.
    [restored] = records(target, "backup.restore")
    assert restored["file"] == backup.name and restored["records_verified"] >= 1
    assert records(app.config["SQLALCHEMY_DATABASE_URI"], "backup.restore") == []
    created = records(target, "user.create")
    assert len(created) == 1
    assert created == records(app.config["SQLALCHEMY_DATABASE_URI"], "user.create")
    if target.startswith("sqlite"):
        assert stat.S_IMODE(Path(make_url(target).database).stat().st_mode) == 0o600

    # Into the same, now non-empty, database: refused, then replaced with --force.
    again = restore(app, str(backup), "--to", target)
    assert again.exit_code == 1
    assert f"{name}: not empty" in again.output and "--force" in again.output
    forced = restore(app, str(backup), "--to", target, "--force")
    assert forced.exit_code == 0, forced.output
    assert f"{name}: replacing" in forced.output
    assert len(records(target, "backup.restore")) == 1  # the copy replaced the first


def re_match(pattern: str, line: str) -> bool:
    import re

    return re.search(pattern, line) is not None


def test_a_tampered_backup_fails_verification_naming_the_restored_database(
        request, live, tmp_path):
    if request.config.getoption("--db") == "postgresql":
        pytest.skip("the tampering edits a SQLite backup file")
    app, backup = live
    with sqlite3.connect(backup) as raw:
        raw.execute("UPDATE audit_record SET action = 'account.unlock' WHERE id = 1")
    target = target_database(request, tmp_path)
    result = restore(app, str(backup), "--to", target)
    assert result.exit_code == 1
    assert (f"{label(make_url(target))}: audit trail BROKEN: record changed, record 1 "
            in result.output)
    assert records(target, "backup.restore") == []
    # The live database, intact, was not the one checked.
    with app.app_context():
        from tracker.audit import keys, verification

        assert verification.verify(keys.AuditSettings.from_config(
            app.config, app.instance_path)).ok
        db.session.remove()


def test_a_backup_of_the_other_kind_or_no_backup_is_refused(request, live, tmp_path):
    app, backup = live
    other = ("sqlite:///" + str(tmp_path / "other.db")
             if request.config.getoption("--db") == "postgresql"
             else "postgresql+psycopg://tracker:secret@127.0.0.1:1/tracker")
    result = restore(app, str(backup), "--to", other)
    assert result.exit_code == 1
    assert "backup: it restores into a" in result.output
    assert "secret" not in result.output
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    result = restore(app, str(junk), "--to", target_database(request, tmp_path))
    assert result.exit_code == 1 and "neither a SQLite backup nor a pg_dump" in result.output


def test_the_restored_database_serves_the_app(request, live, tmp_path, monkeypatch):
    app, backup = live
    target = target_database(request, tmp_path)
    assert restore(app, str(backup), "--to", target).exit_code == 0
    restored = create_app({"SQLALCHEMY_DATABASE_URI": target, "SECRET_KEY": "s",
                           "TESTING": True})
    with restored.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM alembic_version")) == 1
        assert db.session.scalars(select(Event.id)).all() == []
        db.session.remove()
        db.engine.dispose()


# ---- encrypted backups (age) ------------------------------------------------------------


def _written(output: str) -> Path:
    return Path(output.split("Backup written to ", 1)[1].split(" (", 1)[0])


def test_a_backup_encrypted_to_a_public_key_restores_with_the_private_key(
        request, live, tmp_path):
    import pyrage

    app, _plain_backup = live
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "backup-key.txt"  # kept off the server in real life
    key_file.write_text(f"# created for the drill\n{identity}\n")
    with app.app_context():
        made = app.test_cli_runner().invoke(args=[
            "backup", str(tmp_path / "sealed"), "--recipient", str(identity.to_public())])
    assert made.exit_code == 0, made.output
    sealed = _written(made.output)
    assert sealed.name == "sealed.age" and not (tmp_path / "sealed").exists()
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600
    body = sealed.read_bytes()
    assert body.startswith(b"age-encryption.org/v1")
    assert b"planner@agency.example.gov" not in body and b"argon2" not in body
    assert "+age)" in made.output

    target = target_database(request, tmp_path)
    name = label(make_url(target))
    refused = restore(app, str(sealed), "--to", target)
    assert refused.exit_code == 1 and "--identity" in refused.output
    wrong = tmp_path / "other-key.txt"
    wrong.write_text(str(pyrage.x25519.Identity.generate()))
    assert "cannot be decrypted" in restore(app, str(sealed), "--to", target,
                                            "--identity", str(wrong)).output
    result = restore(app, str(sealed), "--to", target, "--identity", str(key_file))
    assert result.exit_code == 0, result.output
    assert f"{name}: decrypted sealed.age" in result.output
    assert records(target, "user.create")


def test_a_passphrase_encrypted_backup_restores_with_the_passphrase(
        request, live, tmp_path):
    app, _ = live
    secret = tmp_path / "passphrase"
    secret.write_text("correct horse battery staple for backups\n")
    with app.app_context():
        made = app.test_cli_runner().invoke(args=[
            "backup", str(tmp_path / "nightly-2"), "--passphrase-file", str(secret)])
    assert made.exit_code == 0, made.output
    sealed = _written(made.output)
    target = target_database(request, tmp_path)
    result = restore(app, str(sealed), "--to", target, "--passphrase-file", str(secret))
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output
