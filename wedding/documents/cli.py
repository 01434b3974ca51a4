"""`flask render certificate|program|vow-card|table-card CEREMONY_ID -o FILE.pdf`
(the program: `--paper a4|a5`, `--imposed` for the A5 booklet on A4 sheets)."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from wedding.ceremonies.models import Ceremony
from wedding.documents.models import DocumentSettings
from wedding.documents.services import (
    DocumentError,
    impose_booklet,
    printable_data,
    render_pdf,
    settings_for,
)
from wedding.models import db

SETTING_FIELDS = ("vow_reader", "photographer", "witness", "thank_you")
REASONS = {
    "needs_couple": "choose the client and companion first",
    "no_vows": "no approved companion vows in the document's language",
    "no_ar": "the AR viewer link is turned off",
}


@click.command("render")
@click.argument("kind", type=click.Choice(["certificate", "program", "vow-card", "table-card"]))
@click.argument("ceremony_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--theme", type=click.Choice(["classic", "modern", "sakura"]))
@click.option("--lang", type=click.Choice(["ja", "en", "both"]))
@click.option("--paper", type=click.Choice(["a4", "a5"]), help="The program's paper size.")
@click.option(
    "--imposed",
    is_flag=True,
    help="An A5 program imposed two pages a side on A4, to print, fold and staple.",
)
@with_appcontext
def render_command(kind: str, ceremony_id: int, output: Path, theme, lang, paper, imposed) -> None:
    """Write a ceremony's certificate, program or vow card as PDF (nothing is issued)."""
    if (paper or imposed) and kind != "program":
        raise click.UsageError("--paper and --imposed are for the program.")
    ceremony = db.session.get(Ceremony, ceremony_id)
    if ceremony is None:
        raise click.ClickException(f"No ceremony {ceremony_id}.")
    kind = kind.replace("-", "_")
    saved = settings_for(ceremony)
    # Overrides are for this file only: a copy that is never added to the session.
    settings = DocumentSettings(
        **{name: getattr(saved, name) for name in SETTING_FIELDS},
        theme=theme or saved.theme,
        size="a5" if imposed else (paper or saved.size),
        language=lang or saved.language,
    )
    try:
        data = printable_data(ceremony, kind, settings)
    except DocumentError as error:
        reason = REASONS.get(str(error), str(error))
        raise click.ClickException(f"Ceremony {ceremony_id}: {reason}") from None
    db.session.commit()  # the AR presentation link, if the program made one
    pdf = render_pdf(kind, data)
    if imposed:
        pdf = impose_booklet(pdf)
    output.write_bytes(pdf)
    click.echo(f"{output} ({len(pdf) / 1024:.0f} KB)")
