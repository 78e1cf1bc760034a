"""flask --app tracker backup [DEST], restore BACKUP --to DATABASE_URL"""

import contextlib
import io
import tempfile
from pathlib import Path

import click
import flask_migrate
from alembic.migration import MigrationContext
from flask import current_app
from flask.cli import with_appcontext

from tracker import storage, work
from tracker.audit import keys, verification
from tracker.audit import services as audit
from tracker.cli_support import cli_origin
from tracker.db import utcnow
from tracker.extensions import db
from tracker.operations import backup, encryption, restore


def backup_folder() -> Path:
    configured = current_app.config.get("BACKUP_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


@click.command("backup")
@click.argument("dest", required=False)
@click.option("--recipient", "recipients", multiple=True, metavar="AGE_PUBLIC_KEY",
              help="Encrypt to this age public key (age1...); repeatable. Default: "
                   "BACKUP_RECIPIENTS.")
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False,
                                                   path_type=Path),
              help="Encrypt with the passphrase in this file.")
@with_appcontext
def backup_command(dest: str | None, recipients: tuple[str, ...],
                   passphrase_file: Path | None):
    """Copy the database consistently while the tracker runs. DEST is a file or a folder
    (default: the instance folder's backups/, with a timestamped name). With recipients
    or a passphrase the file is encrypted with age (name ending .age)."""
    cli_origin("backup")
    url = db.engine.url
    keys = list(recipients or current_app.config.get("BACKUP_RECIPIENTS") or [])
    try:
        passphrase = encryption.read_secret(passphrase_file) if passphrase_file else None
        target = backup.destination(dest, backup_folder(), url, utcnow())
        if keys or passphrase:
            sealed = target.with_name(target.name + encryption.SUFFIX)
            if sealed.exists():
                raise backup.BackupError(f"{sealed} already exists: choose another "
                                         "destination.")
        made = backup.create(url, target)
        files = backup.backup_files(storage.for_app(current_app), backup.files_target(target))
        if keys or passphrase:
            made = _seal(made, sealed, keys, passphrase)
            if files is not None:
                files = _seal(files, files.path.with_name(files.path.name + encryption.SUFFIX),
                              keys, passphrase)
    except (backup.BackupError, encryption.EncryptionError) as error:
        _record_failure(url.get_backend_name())
        raise click.ClickException(str(error)) from error
    # Recorded after the copy, so the backup itself does not contain this record.
    changes = {"method": made.method, "file": made.path.name, "size_bytes": made.size}
    if files is not None:
        changes["documents_file"] = files.path.name
    work.run(lambda: audit.record(None, "backup.create", "database", outcome=audit.SUCCESS,
                                  changes=changes))
    click.echo(f"Backup written to {made.path} ({_size(made.size)}, {made.method}).")
    if files is not None:
        click.echo(f"Plan documents written to {files.path} ({_size(files.size)}, "
                   f"{files.method}).")


def _seal(made: backup.Backup, sealed: Path, keys: list[str],
          passphrase: str | None) -> backup.Backup:
    """Encrypt the fresh copy; the plain one never outlives the command."""
    try:
        encryption.encrypt(made.path, sealed, keys, passphrase)
    finally:
        made.path.unlink(missing_ok=True)
    return backup.Backup(sealed, sealed.stat().st_size, made.method + "+age")


def _record_failure(backend: str) -> None:
    """Audit the failed attempt when the database can still take the record."""
    # The database may be what failed (the unit of work then rolled back); the error is
    # reported anyway.
    with contextlib.suppress(Exception):
        work.run(lambda: audit.record(None, "backup.create", "database",
                                      outcome=audit.FAILURE, changes={"backend": backend}))


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}, {size} bytes"
        value /= 1024
    return f"{value:.1f} GiB, {size} bytes"


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "to", required=True, metavar="DATABASE_URL",
              help="The database to restore into: a URL, or a SQLite file's path.")
@click.option("--force", is_flag=True, help="Replace what the target database holds.")
@click.option("--identity", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The age private key file that decrypts an encrypted backup.")
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False,
                                                   path_type=Path),
              help="The file holding the passphrase of an encrypted backup.")
@click.option("--files-to", type=click.Path(file_okay=False, path_type=Path),
              help="Also put the plan documents saved beside the backup "
                   "(<backup>.files.tar) into this folder: the restored installation's "
                   "ATTACHMENTS_FOLDER (by default <instance>/attachments).")
def restore_command(backup_file: Path, to: str, force: bool, identity: Path | None,
                    passphrase_file: Path | None, files_to: Path | None):
    """Restore BACKUP_FILE into the database --to, run the migrations and verify its
    audit trail. Refuses a database that holds tables unless --force."""
    url = restore.target_url(to)
    name = restore.label(url)

    def say(line: str) -> None:
        click.echo(f"{name}: {line}")

    try:
        with tempfile.TemporaryDirectory(prefix="tracker-restore-") as scratch:
            source = backup_file
            if encryption.is_encrypted(backup_file):
                source = Path(scratch) / "backup"
                encryption.decrypt(
                    backup_file, source,
                    identity=encryption.read_secret(identity) if identity else None,
                    passphrase=(encryption.read_secret(passphrase_file)
                                if passphrase_file else None))
                say(f"decrypted {backup_file.name}")
            restore.copy_into(source, url, force, say)
            if files_to is not None:
                _restore_files(backup_file, files_to, scratch, identity, passphrase_file,
                               say)
    except (backup.BackupError, encryption.EncryptionError) as error:
        raise click.ClickException(f"{name}: {error}") from error
    say(f"restored from {backup_file}")
    # An app of its own on the restored database: the running configuration's database
    # is never the one migrated or verified here.
    from tracker import create_app

    target = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(
        hide_password=False)})
    with target.app_context():
        try:
            _migrate(say)
            verdict = _verify_audit(target, say)
            cli_origin("restore")
            work.run(lambda: audit.record(None, "backup.restore", "database", changes={
                "file": backup_file.name, "records_verified": verdict.sealed}))
            say("ready: point TRACKER_SQLALCHEMY_DATABASE_URI at this database")
        finally:
            db.session.remove()
            db.engine.dispose()


def _restore_files(backup_file: Path, folder: Path, scratch: str, identity: Path | None,
                   passphrase_file: Path | None, say) -> None:
    """The documents' archive beside the backup (encrypted the same way, or not)."""
    name = backup_file.name
    sealed = name.endswith(encryption.SUFFIX)
    plain_name = name[: -len(encryption.SUFFIX)] if sealed else name
    archive = backup_file.with_name(plain_name + backup.FILES_SUFFIX
                                    + (encryption.SUFFIX if sealed else ""))
    if not archive.exists():
        say(f"no plan documents beside the backup ({archive.name}): none restored")
        return
    if sealed:
        plain = Path(scratch) / "files.tar"
        encryption.decrypt(archive, plain,
                           identity=encryption.read_secret(identity) if identity else None,
                           passphrase=(encryption.read_secret(passphrase_file)
                                       if passphrase_file else None))
        archive = plain
    count = backup.restore_files(archive, storage.LocalFileStore(folder))
    say(f"{count} plan documents restored into {folder}")


def _verify_audit(target, say) -> verification.Report:
    """The restored database's blocks and records, checked with this installation's keys
    and anchor. A backup is older than the anchor, so an anchor ahead of the database is
    expected and said, not an error; anything else stops the restore (exit 1)."""
    report = verification.verify(
        keys.AuditSettings.from_config(target.config, target.instance_path))
    broken = [p for p in report.problems if p.kind not in verification.REANCHOR_ALLOWED]
    for problem in broken:
        say(f"audit trail BROKEN: {problem}")
    if broken:
        raise SystemExit(1)
    say(f"audit trail intact: {report.sealed} sealed records verified in {report.blocks} "
        f"blocks, {report.unsealed} not yet sealed")
    for problem in report.problems:
        say(f"anchor: {problem}; expected for a backup: run `audit reanchor` once this "
            "database is the live one")
    return report


def _migrate(say) -> None:
    """Alembic's own lines are captured and printed under the database's name too."""
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        flask_migrate.upgrade()
    for line in captured.getvalue().splitlines():
        if line.strip():
            say(f"migrations: {line.strip()}")
    with db.engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    say(f"schema at revision {revision}")
