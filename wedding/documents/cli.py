"""`flask render certificate|program|vow-card CEREMONY_ID -o FILE.pdf`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from wedding.ceremonies.models import Ceremony
from wedding.documents.services import (
    DocumentError,
    certificate_number,
    document_data,
    render_pdf,
    settings_for,
)
from wedding.models import db


@click.command("render")
@click.argument("kind", type=click.Choice(["certificate", "program", "vow-card"]))
@click.argument("ceremony_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--theme", type=click.Choice(["classic", "modern", "sakura"]))
@click.option("--lang", type=click.Choice(["ja", "en", "both"]))
@with_appcontext
def render_command(kind: str, ceremony_id: int, output: Path, theme, lang) -> None:
    """Write a ceremony's certificate, program or vow card as PDF (nothing is issued)."""
    ceremony = db.session.get(Ceremony, ceremony_id)
    if ceremony is None:
        raise click.ClickException(f"No ceremony {ceremony_id}.")
    kind = kind.replace("-", "_")
    settings = settings_for(ceremony)
    settings.theme = theme or settings.theme
    settings.language = lang or settings.language
    try:
        certificate = certificate_number(ceremony) if kind == "certificate" else None
        data = document_data(ceremony, settings, certificate=certificate)
    except DocumentError as error:
        raise click.ClickException(f"Ceremony {ceremony_id}: {error}") from None
    if kind == "vow_card" and data["card"] is None:
        raise click.ClickException(f"Ceremony {ceremony_id} has no approved companion vows.")
    db.session.rollback()  # settings overridden for this file only
    pdf = render_pdf(kind, data)
    output.write_bytes(pdf)
    click.echo(f"{output} ({len(pdf) / 1024:.0f} KB)")
