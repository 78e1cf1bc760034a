"""flask --app tracker backup [DEST]"""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.audit import services as audit
from tracker.cli_support import cli_origin
from tracker.db import utcnow
from tracker.extensions import db
from tracker.operations import backup


def backup_folder() -> Path:
    configured = current_app.config.get("BACKUP_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


@click.command("backup")
@click.argument("dest", required=False)
@with_appcontext
def backup_command(dest: str | None):
    """Copy the database consistently while the tracker runs. DEST is a file or a folder
    (default: the instance folder's backups/, with a timestamped name)."""
    cli_origin("backup")
    url = db.engine.url
    try:
        target = backup.destination(dest, backup_folder(), url, utcnow())
        made = backup.create(url, target)
    except backup.BackupError as error:
        _record_failure(url.get_backend_name())
        raise click.ClickException(str(error)) from error
    # Recorded after the copy, so the backup itself does not contain this record.
    audit.record(None, "backup.create", "database", outcome=audit.SUCCESS, changes={
        "method": made.method, "file": made.path.name, "size_bytes": made.size})
    db.session.commit()
    click.echo(f"Backup written to {made.path} ({_size(made.size)}, {made.method}).")


def _record_failure(backend: str) -> None:
    """Audit the failed attempt when the database can still take the record."""
    try:
        audit.record(None, "backup.create", "database", outcome=audit.FAILURE,
                     changes={"backend": backend})
        db.session.commit()
    except Exception:  # the database may be what failed; the error is reported anyway
        db.session.rollback()


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}, {size} bytes"
        value /= 1024
    return f"{value:.1f} GiB, {size} bytes"
