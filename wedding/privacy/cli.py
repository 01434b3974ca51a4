"""`flask backup -o FILE` and `flask restore FILE`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from wedding.freshness import new_versions
from wedding.models import db
from wedding.privacy.backup import BackupError, backup_key, restore_backup, write_backup


def _key() -> bytes:
    return backup_key(current_app.config["SECRET_KEY"], current_app.config.get("BACKUP_KEY"))


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def backup_command(output: Path) -> None:
    """Write a consistent snapshot of all data and stored files while the app runs."""
    engine = db.engine
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        data = write_backup(connection, db.metadata, _key())
    temporary = output.with_name(output.name + ".partial")
    temporary.write_bytes(data)
    temporary.replace(output)  # never a half-written backup under the real name
    click.echo(f"{output} ({len(data) / 1e6:.1f} MB)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Bring a backup back into an empty database (migrated to the backup's revision)."""
    try:
        with db.engine.begin() as connection:
            counts = restore_backup(connection, db.metadata, path.read_bytes(), _key())
            new_versions(connection)  # no server may take cached pages for the restored data
    except BackupError as error:
        raise click.ClickException(f"{path.name}: {error}. Nothing was written.") from None
    click.echo(f"Restored {sum(counts.values())} rows in {len(counts)} tables.")
