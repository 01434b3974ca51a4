"""`flask waiting digest`: queue today's digests now (the job worker also does it hourly)."""

import click
from flask.cli import AppGroup

from wedding.models import db
from wedding.waiting.digest import queue_daily_digests

waiting_cli = AppGroup("waiting", help="What's waiting for the staff.")


@waiting_cli.command("digest")
def digest_command() -> None:
    """Queue today's digest e-mails for the staff who want one and have something waiting."""
    report = queue_daily_digests()
    db.session.commit()
    click.echo(f"queued {report['queued']} digests")
