"""`flask persona inspect`."""

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from wedding.personas.cards import CardError, read_any

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
