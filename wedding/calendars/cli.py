"""`flask calendar export`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from wedding.calendars.caldav_sync import push_all
from wedding.calendars.ics import build_calendar
from wedding.calendars.services import ceremony_calendar
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
    """Push staff members' ceremonies to their CalDAV calendars (run it from cron)."""
    reports = push_all()
    db.session.commit()
    for account_id, report in reports.items():
        click.echo(
            f"account {account_id}: pushed {len(report.pushed)}, removed {len(report.removed)}, "
            f"failed {len(report.failed)}"
        )
