"""`flask vows draft`, `flask vows speak`."""

import os
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup

from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.vows.audio import render_version, voice_consent
from wedding.vows.composer import ComposeError, compose
from wedding.vows.models import VowVersion
from wedding.vows.services import approved_vows, ceremony_facts
from wedding.vows.speech import SpeechError

vows_cli = AppGroup("vows", help="Vows.")


def _ceremony(ceremony_id: int) -> Ceremony:
    ceremony = db.session.get(Ceremony, ceremony_id)
    if ceremony is None or ceremony.companion is None or ceremony.client is None:
        raise click.ClickException(f"Ceremony {ceremony_id} needs a client and a companion.")
    return ceremony


@vows_cli.command("draft")
@click.argument("ceremony_id", type=int)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--client", "for_client", is_flag=True, help="The client's draft instead.")
def draft_command(ceremony_id: int, lang: str, seed: int, for_client: bool) -> None:
    """Print three drafts of the companion's vows (or the client's) for a ceremony."""
    ceremony = _ceremony(ceremony_id)
    role = "client" if for_client else "companion"
    try:
        drafts = compose(ceremony_facts(ceremony), lang, role, seed)
    except ComposeError as error:
        raise click.ClickException(
            f"Nothing to tell yet in {lang}: add these questionnaire answers: "
            + ", ".join(error.missing)
        ) from None
    for number, text in enumerate(drafts, start=1):
        click.echo(f"--- draft {number} ---\n{text}\n")


@vows_cli.command("speak")
@click.argument("ceremony_id", type=int)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option("--version", "number", type=int, help="A version number (default: the approved).")
@click.option("--client", "for_client", is_flag=True, help="The client's vows instead.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def speak_command(
    ceremony_id: int, lang: str, number: int | None, for_client: bool, output: Path
) -> None:
    """Write the vows spoken in the companion's voice as a WAV file."""
    ceremony = _ceremony(ceremony_id)
    role = "client" if for_client else "companion"
    if number is None:
        version = approved_vows(ceremony.id).get((role, lang))
        if version is None:
            raise click.ClickException(f"No approved {role} vows in {lang}: name a --version.")
    else:
        version = db.session.scalar(
            db.select(VowVersion).filter_by(
                ceremony_id=ceremony.id, role=role, lang=lang, number=number
            )
        )
        if version is None:
            raise click.ClickException(f"No version {number} of the {role} vows in {lang}.")
    if voice_consent(ceremony.client_id) is None:
        raise click.ClickException("The client has not agreed to voice synthesis of the vows.")
    try:
        wav, seconds = render_version(version, ceremony.companion)
    except SpeechError as error:
        raise click.ClickException(f"The vows could not be spoken: {error}.") from None
    # Written beside the target and renamed into place: never a half-written file.
    descriptor, temporary = tempfile.mkstemp(
        dir=output.parent if str(output.parent) else ".", suffix=".part"
    )
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(wav)
        os.replace(temporary, output)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    click.echo(f"Wrote {seconds:.1f} s of vows (version {version.number}) to {output}.")
