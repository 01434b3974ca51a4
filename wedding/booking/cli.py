"""`flask almanac` and the booking housekeeping commands."""

import json
from datetime import date

import click
from flask.cli import AppGroup

from wedding import almanac
from wedding.booking import services, tasks
from wedding.models import db

MAX_DAYS = 366 * 10


def _parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD", param_hint=name
        ) from None


@click.command("almanac")
@click.argument("first")
@click.argument("last", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line per date.")
def almanac_command(first: str, last: str | None, as_json: bool) -> None:
    """Rokuyō, lunar date, holiday and era date for FIRST [to LAST] (YYYY-MM-DD)."""
    start = _parse_day(first, "FIRST")
    end = _parse_day(last, "LAST") if last else start
    if end < start:
        raise click.BadParameter("LAST is before FIRST", param_hint="LAST")
    if (end - start).days >= MAX_DAYS:
        raise click.BadParameter(f"at most {MAX_DAYS} days at a time", param_hint="LAST")
    try:
        rows = almanac.days(start, end)
    except almanac.AlmanacError as error:
        raise click.ClickException(str(error)) from None
    for info in rows:
        if as_json:
            click.echo(json.dumps(info.as_json(), ensure_ascii=False))
        else:
            flags = " (uncertain)" if info.uncertain else ""
            holiday = f"  {info.holiday}" if info.holiday else ""
            click.echo(
                f"{info.date}  {info.rokuyo}{flags}  旧{info.lunar}  {info.wareki or ''}{holiday}"
            )


bookings_cli = AppGroup("bookings", help="Booking housekeeping.")


@bookings_cli.command("sweep")
def sweep_command() -> None:
    """Lapse expired holds, promote the waitlist, note reminders, complete past ceremonies.

    Workers run it every five minutes (no cron needed); it is safe to run as often as you
    like. Hold reminders are e-mailed by background jobs."""
    report = services.sweep()
    for ceremony in report.reminded:
        tasks.queue_reminders(ceremony)
    db.session.commit()
    for ceremony in report.reminded:
        click.echo(
            f"reminder: hold {ceremony.id} at {ceremony.venue.name} lapses "
            f"{ceremony.hold_expires_at.isoformat()}"
        )
    click.echo(
        f"expired {len(report.expired)}, promoted {len(report.promoted)}, "
        f"reminded {len(report.reminded)}, completed {len(report.completed)}"
    )
