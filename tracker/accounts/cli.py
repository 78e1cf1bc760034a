"""Account commands for operators: create-user, unlock-user, reset-factor."""

import sys

import click

from tracker import work
from tracker.accounts import lockout, mfa, services, sessions
from tracker.accounts.roles import Role
from tracker.cli_support import cli_origin
from tracker.db import utcnow
from tracker.errors import ValidationError


@click.command("create-user")
@click.argument("email")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Repeat for several roles.")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password as one line from standard input.")
def create_user_command(email, display_name, roles, password_stdin):
    """Create an account (the password never appears on the command line)."""
    cli_origin("create-user")
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = work.run(lambda: services.create_user(
            None, email=email, display_name=display_name, roles=roles, password=password,
            now=utcnow()))
    except ValidationError as err:
        raise click.ClickException(f"{err.field}: {err.message}") from err
    click.echo(f"Created user {user.id} <{user.email}> with roles {', '.join(sorted(roles))}.")


def _account(email: str):
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    return user


@click.command("unlock-user")
@click.argument("email")
def unlock_user_command(email):
    """Unlock an account locked after failed sign-ins (for when no administrator can
    sign in to do it in the app)."""
    cli_origin("unlock-user")
    user = _account(email)
    try:
        work.run(lambda: lockout.unlock(None, user, utcnow()))
    except ValidationError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"Unlocked user {user.id} <{user.email}>.")


@click.command("reset-factor")
@click.argument("email")
def reset_factor_command(email):
    """Remove an account's authenticator and recovery codes and end its sessions; the
    user sets up a new authenticator at their next sign-in."""
    cli_origin("reset-factor")
    user = _account(email)
    with work.unit():
        mfa.reset(None, user, utcnow())
        ended = sessions.end_all(user, utcnow(), "factor_reset")
    click.echo(f"Second factor of user {user.id} <{user.email}> removed; "
               f"{ended} session(s) ended.")
