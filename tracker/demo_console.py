"""What seed-demo prints so a newcomer signs in from the terminal that started the
tracker: each demo account's password, its authenticator key as text and as a QR code
to scan with a phone, and a fresh set of recovery codes (demo accounts only, never under
PRODUCTION: seed-demo refuses to run there)."""

import io
from collections.abc import Iterable
from datetime import datetime

import click
import segno

from tracker.accounts import mfa
from tracker.accounts.models import User


def fresh_recovery_codes(users: Iterable[User], now: datetime) -> dict[int, list[str]]:
    """New recovery codes for each demo account, by user id. The stored codes are hashes,
    so a second run of seed-demo can print codes only by replacing them (audited)."""
    return {user.id: mfa.regenerate_recovery_codes(user, now) for user in users}


def print_sign_in(accounts: Iterable[tuple[str, User]], codes: dict[int, list[str]],
                  password: str, issuer: str, qr: bool = True) -> None:
    """`accounts` is [(role label, user), ...]; printed after the codes are committed."""
    click.echo(f"Demo accounts (password for each: {password}):")
    for label, user in accounts:
        click.echo(f"\n  {label}: {user.email}")
        click.echo(f"    authenticator key {user.totp_secret}")
        if qr:
            click.echo(_qr_block(mfa.provisioning_uri(user, issuer)))
        click.echo(f"    recovery codes (each signs in once): {' '.join(codes[user.id])}")
    click.echo("\nSign-in asks for a code from an authenticator app: scan the account's QR "
               "code or add its key,\nuse one of its recovery codes, or print the current "
               "code with: flask --app tracker demo-code EMAIL")


def _qr_block(uri: str) -> str:
    """The QR code in half-height block characters, indented under the account."""
    buffer = io.StringIO()
    segno.make(uri, error="m").terminal(out=buffer, compact=True, border=2)
    return "\n".join("    " + line for line in buffer.getvalue().splitlines())
