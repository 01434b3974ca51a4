"""`flask calendar export`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from wedding.calendars.ics import build_calendar
from wedding.calendars.models import CalDAVAccount
from wedding.calendars.services import ceremony_calendar
from wedding.calendars.tasks import push_calendar
from wedding.ceremonies.models import Ceremony
from wedding.models import db, utcnow

calendar_cli = AppGroup("calendar", help="Calendar files.")


@calendar_cli.command("export")
@click.argument("ceremony_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
def export_command(ceremony_id: int, output: Path, lang: str) -> None:
    """Write a ceremony and its run of show as an .ics file."""
    ceremony = db.session.get(Ceremony, ceremony_id)
    if ceremony is None:
        raise click.ClickException(f"No ceremony {ceremony_id}.")
    data = ceremony_calendar(ceremony, lang, current_app.config["CALENDAR_UID_DOMAIN"])
    output.write_bytes(build_calendar(data, utcnow()))
    click.echo(f"Wrote {len(data.events)} events to {output}.")


@calendar_cli.command("push")
def push_command() -> None:
    """Push staff members' ceremonies to their CalDAV calendars now (workers do it after every
    change and every five minutes)."""
    for account_id in db.session.scalars(db.select(CalDAVAccount.id)).all():
        report = push_calendar(account_id)
        db.session.commit()
        click.echo(
            f"account {account_id}: pushed {report.get('pushed', 0)}, "
            f"removed {report.get('removed', 0)}, failed {report.get('failed', 0)}"
        )
