"""flask --app tracker create-user EMAIL --name NAME --role ROLE ... --password-stdin"""

import sys

import click

from tracker.accounts import services
from tracker.accounts.roles import Role
from tracker.cli_support import cli_origin
from tracker.db import utcnow
from tracker.errors import ValidationError
from tracker.extensions import db


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
        user = services.create_user(None, email=email, display_name=display_name,
                                    roles=roles, password=password, now=utcnow())
        db.session.commit()
    except ValidationError as err:
        db.session.rollback()
        raise click.ClickException(f"{err.field}: {err.message}") from err
    click.echo(f"Created user {user.id} <{user.email}> with roles {', '.join(sorted(roles))}.")
