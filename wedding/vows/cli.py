"""`flask vows draft`."""

import click
from flask.cli import AppGroup

from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.vows.composer import compose, facts_of

vows_cli = AppGroup("vows", help="Vows.")


@vows_cli.command("draft")
@click.argument("ceremony_id", type=int)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--client", "for_client", is_flag=True, help="The client's draft instead.")
def draft_command(ceremony_id: int, lang: str, seed: int, for_client: bool) -> None:
    """Print three drafts of the companion's vows (or the client's) for a ceremony."""
    ceremony = db.session.get(Ceremony, ceremony_id)
    if ceremony is None or ceremony.companion is None or ceremony.client is None:
        raise click.ClickException(f"Ceremony {ceremony_id} needs a client and a companion.")
    facts = facts_of(ceremony.companion, ceremony.client.display_name)
    role = "client" if for_client else "companion"
    for number, text in enumerate(compose(facts, lang, role, seed), start=1):
        click.echo(f"--- draft {number} ---\n{text}\n")
