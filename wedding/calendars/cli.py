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
from wedding.urls import public_url

calendar_cli = AppGroup("calendar", help="Calendar files.")


@calendar_cli.command("export")
@click.argument("ceremony_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lang", type=click.Choice(["ja", "en"]), help="Default: the client's language.")
@click.option(
    "--for",
    "audience",
    type=click.Choice(["staff", "client"]),
    default="staff",
    show_default=True,
    help="staff: the ceremony and every run-of-show item; client: one event with the order.",
)
def export_command(ceremony_id: int, output: Path, lang: str | None, audience: str) -> None:
    """Write a ceremony as an .ics file, for the staff or for the client."""
    ceremony = db.session.get(Ceremony, ceremony_id)
    if ceremony is None:
        raise click.ClickException(f"No ceremony {ceremony_id}.")
    lang = lang or (ceremony.client.language if ceremony.client else "ja")
    client = audience == "client"
    data = ceremony_calendar(
        ceremony,
        lang,
        current_app.config["CALENDAR_UID_DOMAIN"],
        public_url("portal.home")
        if client
        else public_url("ceremonies.edit", record_id=ceremony.id),
        private=not client,
    )
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
