"""flask --app tracker audit seal | verify | rotate-key"""

import click
from flask import current_app
from flask.cli import AppGroup

from tracker import work
from tracker.audit import keys, sealing, verification
from tracker.audit import services as audit
from tracker.audit.context import Origin, set_origin
from tracker.db import utcnow
from tracker.errors import ValidationError

audit_cli = AppGroup("audit", help="The audit trail: seal, verify, rotate the key.")


def settings() -> keys.AuditSettings:
    return keys.AuditSettings.from_config(current_app.config, current_app.instance_path)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _age(now, then) -> str:
    minutes = int((now - then).total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


@audit_cli.command("seal")
def seal_command():
    """Seal committed records into a signed block and append it to the anchor file."""
    try:
        result = sealing.seal(settings(), utcnow())
    except ValidationError as error:
        click.echo(f"Not sealed: {error.message}", err=True)
        raise SystemExit(1) from error
    if result.blocks:
        blocks = ", ".join(str(b) for b in result.blocks)
        click.echo(f"Sealed {_count(result.records, 'record')} into block {blocks} "
                   f"(key {result.key_id}).")
    else:
        click.echo("Nothing to seal: every committed record is in a block.")


@audit_cli.command("verify")
def verify_command():
    """Check every block's signature and chain, every sealed record, and the anchor;
    exit 1 and name each problem found."""
    now = utcnow()
    report = verification.verify(settings())
    waiting = (f"{_count(report.unsealed, 'record')} not yet sealed"
               + (f", the oldest {_age(now, report.oldest_unsealed)} old"
                  if report.oldest_unsealed else "") + ".")
    if report.ok:
        click.echo(f"Audit trail intact: {_count(report.blocks, 'block')}, "
                   f"{_count(report.sealed, 'sealed record')} verified; {waiting}")
        return
    click.echo(f"Audit trail BROKEN: {_count(len(report.problems), 'problem')} found.",
               err=True)
    for problem in report.problems:
        click.echo(f"  - {problem}", err=True)
    click.echo(f"{_count(report.sealed, 'sealed record')} verified; {waiting}", err=True)
    raise SystemExit(1)


@audit_cli.command("rotate-key")
def rotate_key_command():
    """Seal what is pending with the current key, then start signing with a new one.
    Blocks signed with the old key still verify (its public key stays listed)."""
    set_origin(Origin(source_address="cli:audit"))
    config = settings()
    try:
        sealing.seal(config, utcnow())
        old, new = keys.rotate(config)
    except ValidationError as error:
        click.echo(f"Key not rotated: {error.message}", err=True)
        raise SystemExit(1) from error
    work.run(lambda: audit.record(None, "audit.key_rotate", "audit_key", new,
                                  changes={"old_key_id": old, "new_key_id": new}))
    click.echo(f"Signing key rotated: {old} -> {new}. Keep {config.key_folder} "
               "backed up apart from the database.")


@audit_cli.command("reanchor")
def reanchor_command():
    """After restoring a backup (or losing the anchor file): start a new anchor from the
    database's blocks, if every block verifies. The old anchor is kept, renamed."""
    set_origin(Origin(source_address="cli:audit"))
    now = utcnow()
    try:
        kept, blocks = verification.reanchor(settings(), now)
    except ValidationError as error:
        click.echo(f"Not re-anchored: {error.message}", err=True)
        raise SystemExit(1) from error
    work.run(lambda: audit.record(
        None, "audit.reanchor", "audit_anchor", None, now=now,
        changes={"blocks": blocks, "previous_anchor": kept.name if kept else None}))
    click.echo(f"New anchor with {_count(blocks, 'block')}."
               + (f" The previous anchor is kept as {kept}." if kept else ""))
