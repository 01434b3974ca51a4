"""`flask presentation standee COMPANION_ID -o FILE.glb`."""

from pathlib import Path

import click
from flask.cli import AppGroup

from wedding.models import db
from wedding.personas.models import Companion
from wedding.presentation.services import standee_file_id
from wedding.storage.models import StoredFile

presentation_cli = AppGroup("presentation", help="The AR presentation.")


@presentation_cli.command("standee")
@click.argument("companion_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def standee_command(companion_id: int, output: Path) -> None:
    """Write a companion's life-size standee (GLB), made from their portrait and height."""
    companion = db.session.get(Companion, companion_id)
    if companion is None:
        raise click.ClickException(f"No companion {companion_id}.")
    file_id = standee_file_id(companion)
    if file_id is None:
        raise click.ClickException(f"{companion.name} has no portrait to make a standee from.")
    db.session.commit()  # keep the generated standee for the viewer
    data = db.session.scalar(db.select(StoredFile.data).filter_by(id=file_id))
    output.write_bytes(data)
    click.echo(f"{output} ({len(data) / 1024:.0f} KB, {companion.height_cm} cm)")
