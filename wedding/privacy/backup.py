"""Backups that restore: every table's rows (stored files included) in one zip with a manifest
of checksums, read in one consistent snapshot while the app keeps running.

Restore refuses a damaged or foreign file, or a database that is not empty and at the same
schema revision, before it writes anything; then it writes everything in one transaction.
"""

import base64
import hashlib
import io
import json
import zipfile
from datetime import date, datetime, time

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, func, select, text

FORMAT = "nijigen-wedding-backup"
VERSION = 1
MAX_MEMBER = 4 * 1024 * 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says why."""


def _encode(value):
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        ((key, raw),) = value.items()
        if key == "$b64":
            return base64.b64decode(raw)
        if key == "$dt":
            return datetime.fromisoformat(raw)
        if key == "$d":
            return date.fromisoformat(raw)
        if key == "$t":
            return time.fromisoformat(raw)
    return value


def schema_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def table_rows(connection: Connection, table) -> list[dict]:
    """Every row of a table in primary-key order, as the ORM types give them."""
    order = list(table.primary_key.columns) or list(table.columns)
    return [dict(row._mapping) for row in connection.execute(select(table).order_by(*order))]


def write_backup(connection: Connection, metadata: MetaData) -> bytes:
    """The whole database as a backup zip (call inside one snapshot transaction)."""
    buffer = io.BytesIO()
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "revision": schema_revision(connection),
        "tables": {},
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in metadata.sorted_tables:
            lines = [
                json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False)
                for row in table_rows(connection, table)
            ]
            body = ("\n".join(lines) + ("\n" if lines else "")).encode()
            archive.writestr(f"tables/{table.name}.jsonl", body)
            manifest["tables"][table.name] = {
                "rows": len(lines),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    return buffer.getvalue()


def read_backup(data: bytes, metadata: MetaData) -> tuple[dict, dict[str, list[dict]]]:
    """The manifest and rows of a backup after checking every byte against the manifest."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise BackupError(
            "this is not a backup of this application (no readable manifest)"
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("this is not a backup of this application")
    if manifest.get("version") != VERSION:
        raise BackupError(f"backup format version {manifest.get('version')} is not supported")
    known = {table.name for table in metadata.sorted_tables}
    listed = set(manifest.get("tables") or {})
    if listed != known:
        raise BackupError("the backup's tables do not match this version of the application")
    tables: dict[str, list[dict]] = {}
    for name, info in manifest["tables"].items():
        try:
            member = archive.getinfo(f"tables/{name}.jsonl")
            if member.file_size > MAX_MEMBER:
                raise BackupError(f"table {name} is implausibly large")
            body = archive.read(member)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError) as error:
            raise BackupError(f"table {name} is missing or damaged") from error
        if hashlib.sha256(body).hexdigest() != info.get("sha256"):
            raise BackupError(f"table {name} is damaged (checksum mismatch)")
        try:
            rows = [
                {k: _decode(v) for k, v in json.loads(line).items()}
                for line in body.decode().splitlines()
                if line
            ]
        except (ValueError, UnicodeDecodeError, AttributeError) as error:
            raise BackupError(f"table {name} cannot be read") from error
        if len(rows) != info.get("rows"):
            raise BackupError(
                f"table {name} has {len(rows)} rows, the manifest says {info['rows']}"
            )
        tables[name] = rows
    return manifest, tables


def restore_backup(connection: Connection, metadata: MetaData, data: bytes) -> dict[str, int]:
    """Write a checked backup into an empty database at the same schema revision."""
    manifest, tables = read_backup(data, metadata)
    revision = schema_revision(connection)
    if revision != manifest.get("revision"):
        raise BackupError(
            f"the database is at schema revision {revision}, the backup at "
            f"{manifest.get('revision')}: run `flask db upgrade` to the same revision first"
        )
    for table in metadata.sorted_tables:
        if connection.execute(select(func.count()).select_from(table)).scalar():
            raise BackupError(f"the database is not empty (table {table.name} has rows)")
    counts = {}
    for table in metadata.sorted_tables:
        rows = tables[table.name]
        if rows:
            connection.execute(table.insert(), rows)
        counts[table.name] = len(rows)
    if connection.dialect.name == "postgresql":
        for table in metadata.sorted_tables:
            if "id" in table.columns and tables[table.name]:
                # Table names come from our own metadata, never from the file.
                highest = connection.execute(select(func.max(table.c.id))).scalar()
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :value)"),
                    {"name": table.name, "value": highest},
                )
    return counts
