"""`flask waiting digest`."""

import click
from flask.cli import AppGroup

from wedding.waiting.digest import send_daily_digests

waiting_cli = AppGroup("waiting", help="What's waiting for the staff.")


@waiting_cli.command("digest")
def digest_command() -> None:
    """E-mail each staff member today's digest of what's waiting (run it daily from cron)."""
    sent, failures = send_daily_digests()
    click.echo(f"sent {sent} digests")
    for failure in failures:
        click.echo(f"failed: {failure}", err=True)
