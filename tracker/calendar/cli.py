"""flask --app tracker feeds create|revoke"""

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from tracker import links, work
from tracker.accounts import services as accounts
from tracker.calendar import feeds
from tracker.cli_support import cli_origin
from tracker.db import utcnow
from tracker.errors import ValidationError
from tracker.events.models import EventKind, EventStatus
from tracker.extensions import db

feeds_cli = AppGroup("feeds", help="Calendar feed links.")


@feeds_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The feed's name.")
@click.option("--kind", type=click.Choice([k.value for k in EventKind]))
@click.option("--status", type=click.Choice([s.value for s in EventStatus]))
@click.option("--mine", is_flag=True, help="Only events assigned to the owner.")
@click.option("--exclude-cancelled", is_flag=True, help="Leave cancelled events out.")
@click.option("--base-url", help="Public address of the tracker, e.g. "
              "https://tracker.agency.gov (default: the PUBLIC_BASE_URL setting).")
def create_command(email, name, kind, status, mine, exclude_cancelled, base_url):
    """Create a feed link for EMAIL's account and print its URL (shown only once)."""
    cli_origin("feeds-create")
    base = (base_url or "").rstrip("/") or links.current_base(local=False)
    if not base:
        raise click.ClickException("Give --base-url or set PUBLIC_BASE_URL.")
    owner = accounts.find_by_email(email)
    if owner is None or not owner.active:
        raise click.ClickException(f"No active user {email}.")
    try:
        feed, token = work.run(lambda: feeds.create_feed(None, owner, name, feeds.FeedFilter(
            kind=kind, status=status, assigned_to_owner=mine,
            include_cancelled=not exclude_cancelled), utcnow()))
    except ValidationError as err:
        raise click.ClickException(f"{err.field}: {err.message}") from err
    with current_app.test_request_context():
        path = url_for("calendar.feed", token=token)
    click.echo(f"Feed {feed.id} \u201c{feed.name}\u201d for {owner.email}:")
    click.echo(f"  {base}{path}")
    click.echo(f"  webcal://{base.split('://', 1)[-1]}{path}")


@feeds_cli.command("revoke")
@click.argument("feed_id", type=int)
def revoke_command(feed_id):
    """Revoke a feed link: it stops working at once."""
    cli_origin("feeds-revoke")
    feed = db.session.get(feeds.CalendarFeed, feed_id)
    if feed is None:
        raise click.ClickException(f"No feed {feed_id}.")
    try:
        work.run(lambda: feeds.revoke(None, feed, utcnow()))
    except ValidationError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"Feed {feed_id} revoked.")
