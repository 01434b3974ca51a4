"""Command-line tools, registered on the app: `flask --app wedding …`."""

from flask import Flask

from wedding.accounts.cli import token_cli, user_cli
from wedding.billing.cli import invoice_cli, payments_cli
from wedding.booking.cli import almanac_command, bookings_cli
from wedding.calendars.cli import calendar_cli
from wedding.demo import demo_command
from wedding.documents.cli import render_command
from wedding.jobs import worker_command
from wedding.personas.cli import persona_cli
from wedding.presentation.cli import presentation_cli
from wedding.privacy.cli import backup_command, restore_command
from wedding.vows.cli import vows_cli
from wedding.waiting.cli import waiting_cli


def register(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(token_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(almanac_command)
    app.cli.add_command(bookings_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(persona_cli)
    app.cli.add_command(vows_cli)
    app.cli.add_command(render_command)
    app.cli.add_command(presentation_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(invoice_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(waiting_cli)
    app.cli.add_command(worker_command)
