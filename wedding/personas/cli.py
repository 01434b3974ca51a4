"""`flask persona inspect`."""

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from wedding.clients.models import Client
from wedding.models import db
from wedding.personas.cards import CardError, read_any
from wedding.personas.models import Companion
from wedding.personas.services import (
    CompanionError,
    card_png,
    import_card,
    persona_card,
    persona_of,
)

persona_cli = AppGroup("persona", help="Companion personas.")


@persona_cli.command("inspect")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the normalised chara_card_v3 JSON.")
def inspect_command(path: Path, as_json: bool) -> None:
    """Read a character card (PNG, JSON, CHARX) or a ChatGPT export; nothing is saved."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror}") from None
    try:
        parsed = read_any(data)
    except CardError as error:
        raise click.ClickException(f"{path.name}: {error}") from None
    if as_json:
        click.echo(json.dumps(parsed.card, ensure_ascii=False, indent=2))
    else:
        card = parsed.data
        click.echo(
            f"{card['name']} ({parsed.source}); portrait: {'yes' if parsed.portrait else 'no'}"
        )
        for warning in parsed.warnings:
            click.echo(f"note: {warning}")


@persona_cli.command("export")
@click.argument("companion_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(companion_id: int, output: Path) -> None:
    """Write a companion as a character card: PNG (chara + ccv3) or JSON, by the file's suffix."""
    companion = db.session.get(Companion, companion_id)
    if companion is None:
        raise click.ClickException(f"No companion {companion_id}.")
    card = persona_card(companion)
    if output.suffix.lower() == ".json":
        output.write_text(json.dumps(card, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        output.write_bytes(card_png(companion))
    click.echo(f"Wrote {card['data']['name']} to {output}.")


@persona_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--client", "client_id", type=int, required=True, help="The client's id.")
def import_command(path: Path, client_id: int) -> None:
    """Import a card or ChatGPT export as a new companion of a client; prints its id."""
    client = db.session.get(Client, client_id)
    if client is None:
        raise click.ClickException(f"No client {client_id}.")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror}") from None
    try:
        companion = import_card(client.org_id, client.id, data, path.name)
    except CompanionError as error:
        db.session.rollback()
        raise click.ClickException(f"{path.name}: {error}") from None
    db.session.commit()
    click.echo(companion.id)


@persona_cli.command("show")
@click.argument("companion_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the persona as JSON.")
def show_command(companion_id: int, as_json: bool) -> None:
    """Print who a companion is: name, pronouns, how they speak, traits, looks."""
    companion = db.session.get(Companion, companion_id)
    if companion is None:
        raise click.ClickException(f"No companion {companion_id}.")
    persona = persona_of(companion)
    if as_json:
        click.echo(json.dumps(persona, ensure_ascii=False, indent=2))
        return
    for key, value in persona.items():
        if isinstance(value, list):
            value = ", ".join(value)
        click.echo(f"{key}: {value}")
