"""Plan documents are in the backups: beside the database copy, restored on request."""

import hashlib
import stat
import tarfile
from pathlib import Path

import pytest

from tests.conftest import NOW
from tests.plans.media_support import PDF, PNG, make_version
from tracker import storage
from tracker.accounts.roles import Role
from tracker.extensions import db
from tracker.plans import attachments


@pytest.mark.sqlite_only("restores into a SQLite file")
def test_backup_carries_the_documents_and_restore_puts_them_back(
        app, runner, make_user, make_event, tmp_path):
    planner = make_user(Role.PLANNER)
    version = make_version(make_event(actor=planner), planner)
    store = storage.for_app(app)
    rows = [attachments.add(planner, version, attachments.Upload(kind, kind, data), store,
                            NOW) for kind, data in (("permit", PDF), ("site_map", PNG))]
    db.session.commit()
    keys = sorted(r.storage_key for r in rows)

    # The test database was made from the models: mark it migrated, as a live one is.
    assert runner.invoke(args=["db", "stamp", "head"]).exit_code == 0
    result = runner.invoke(args=["backup", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Plan documents written to" in result.output
    [copy] = tmp_path.glob("tracker-*.sqlite3")
    archive = copy.with_name(copy.name + ".files.tar")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == keys

    folder = tmp_path / "restored-files"
    result = runner.invoke(args=["restore", str(copy), "--to", str(tmp_path / "restored.db"),
                                 "--files-to", str(folder)])
    assert result.exit_code == 0, result.output
    assert "2 plan documents restored" in result.output
    assert sorted(p.name for p in folder.iterdir()) == keys
    for row in rows:
        path = folder / row.storage_key
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_no_documents_no_archive(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Plan documents" not in result.output
    assert not list(tmp_path.glob("*.files.tar"))


def test_an_archive_cannot_write_outside_the_store(tmp_path):
    from tracker.operations.backup import restore_files

    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        for name in ("../escaped", "/etc/evil", "g" * 32, "0" * 32):
            source = tmp_path / "source"
            source.write_bytes(b"x")
            tar.add(source, arcname=name)
    store = storage.LocalFileStore(tmp_path / "store")
    assert restore_files(archive, store) == 1
    assert not (tmp_path / "escaped").exists()
    assert [p.name for p in Path(tmp_path / "store").iterdir()] == ["0" * 32]
