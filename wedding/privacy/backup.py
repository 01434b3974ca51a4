"""Backups that restore: every table's rows (stored files included) in one zip with a manifest
of checksums, read in one consistent snapshot while the app keeps running. The manifest is
authenticated by an HMAC-SHA256 under the backup key (``manifest.hmac``), and it holds every
table's SHA-256: a row edited with its checksum recomputed is refused without the key.

Restore refuses a damaged, forged, malformed or foreign file, or a database that is not empty
and at the same schema revision, before it writes anything; then it writes everything in one
transaction, and a row the database refuses (a broken foreign key…) undoes it all.
"""

import base64
import binascii
import hashlib
import hmac
import io
import json
import zipfile
from datetime import date, datetime, time

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, func, select, text
from sqlalchemy.exc import DBAPIError, StatementError

from wedding.inputs import load_json

FORMAT = "nijigen-wedding-backup"
VERSION = 2  # 2: the manifest is authenticated (manifest.hmac)
MAX_MEMBER = 4 * 1024 * 1024 * 1024
MANIFEST, SIGNATURE = "manifest.json", "manifest.hmac"


def backup_key(secret_key: str, configured: str | None = None) -> bytes:
    """The key that signs backups: FLASK_BACKUP_KEY when set, else derived from the secret key
    (a backup then restores only where the secret key is the same)."""
    if configured:
        return configured.encode()
    return hmac.digest(secret_key.encode(), b"nijigen-wedding backup manifest", "sha256")


def _signature(key: bytes, manifest: bytes) -> str:
    return hmac.new(key, manifest, "sha256").hexdigest()


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


def write_backup(connection: Connection, metadata: MetaData, key: bytes) -> bytes:
    """The whole database as a backup zip signed with ``key`` (call inside one snapshot
    transaction)."""
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
        body = json.dumps(manifest, indent=1).encode()
        archive.writestr(MANIFEST, body)
        archive.writestr(SIGNATURE, _signature(key, body))
    return buffer.getvalue()


def read_backup(data: bytes, metadata: MetaData, key: bytes) -> tuple[dict, dict[str, list[dict]]]:
    """The manifest and rows of a backup after checking its signature, its shape and every byte
    against the manifest. BackupError with one line otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        body = archive.read(MANIFEST)
        manifest = load_json(body)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as error:
        raise BackupError(
            "this is not a backup of this application (no readable manifest)"
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("this is not a backup of this application")
    if manifest.get("version") != VERSION:
        raise BackupError(f"backup format version {manifest.get('version')} is not supported")
    try:
        signature = archive.read(SIGNATURE).decode("ascii").strip()
    except (KeyError, UnicodeDecodeError, zipfile.BadZipFile, OSError, EOFError):
        signature = ""
    if not hmac.compare_digest(signature.encode(), _signature(key, body).encode()):
        raise BackupError(
            "the manifest is not signed with this installation's backup key (forged, edited, "
            "or made elsewhere: restore with that installation's FLASK_BACKUP_KEY)"
        )
    columns = {table.name: set(table.columns.keys()) for table in metadata.sorted_tables}
    listed = manifest.get("tables")
    if not isinstance(listed, dict) or not all(
        isinstance(info, dict)
        and isinstance(info.get("rows"), int)
        and isinstance(info.get("sha256"), str)
        for info in listed.values()
    ):
        raise BackupError("the manifest is malformed (its tables are not a list of checksums)")
    if set(listed) != set(columns):
        raise BackupError("the backup's tables do not match this version of the application")
    tables: dict[str, list[dict]] = {}
    for name, info in listed.items():
        try:
            member = archive.getinfo(f"tables/{name}.jsonl")
            if member.file_size > MAX_MEMBER:
                raise BackupError(f"table {name} is implausibly large")
            table_body = archive.read(member)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError) as error:
            raise BackupError(f"table {name} is missing or damaged") from error
        if hashlib.sha256(table_body).hexdigest() != info["sha256"]:
            raise BackupError(f"table {name} is damaged (checksum mismatch)")
        try:
            rows = [
                {k: _decode(v) for k, v in load_json(line).items()}
                for line in table_body.decode().splitlines()
                if line
            ]
        except (ValueError, TypeError, UnicodeDecodeError, AttributeError, binascii.Error) as error:
            raise BackupError(f"table {name} cannot be read") from error
        if len(rows) != info["rows"]:
            raise BackupError(
                f"table {name} has {len(rows)} rows, the manifest says {info['rows']}"
            )
        if any(not row.keys() <= columns[name] for row in rows):
            raise BackupError(f"table {name} has columns this version does not know")
        tables[name] = rows
    return manifest, tables


def restore_backup(
    connection: Connection, metadata: MetaData, data: bytes, key: bytes
) -> dict[str, int]:
    """Write a checked backup into an empty database at the same schema revision (inside the
    caller's transaction: on BackupError it must roll back, and nothing stays written)."""
    manifest, tables = read_backup(data, metadata, key)
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
            try:
                connection.execute(table.insert(), rows)
            except (DBAPIError, StatementError) as error:
                reason = str(getattr(error, "orig", error)).splitlines()[0][:200]
                raise BackupError(
                    f"table {table.name}: a row breaks the database's rules ({reason})"
                ) from None
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
