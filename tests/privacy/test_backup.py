"""Backup → empty database → restore gives back every row and every stored file, on SQLite and
PostgreSQL; a damaged or foreign file is refused before anything is written."""

import hashlib
import hmac
import io
import json
import zipfile
from contextlib import contextmanager
from datetime import date

import pytest
from flask_migrate import upgrade

from tests.conftest import app_config, reset_postgresql
from wedding import create_app
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.demo import load_demo
from wedding.documents.services import issue_document
from wedding.models import db, dispose_engines
from wedding.presentation.services import presentation_for, standee_file_id
from wedding.privacy.backup import backup_key, table_rows


def populate(app) -> dict:
    with app.app_context():
        load_demo(date(2026, 11, 27))
        ceremony = db.session.scalars(db.select(Ceremony)).first()
        issue_document(ceremony, "certificate", None)
        presentation_for(ceremony)
        standee_file_id(ceremony.companion)
        db.session.commit()
        with db.engine.connect() as connection:
            return {t.name: table_rows(connection, t) for t in db.metadata.sorted_tables}


@contextmanager
def empty_app(app, tmp_path, **config):
    """A freshly migrated, empty database of the same kind (closed again afterwards)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.remove()
        dispose_engines()
    if url.startswith("postgresql"):
        reset_postgresql(url)
    else:
        url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    fresh = create_app(app_config(url, **config))
    with fresh.app_context():
        upgrade()
        dispose_engines()  # the migration's SQLite connection has foreign keys off
    try:
        yield fresh
    finally:
        with fresh.app_context():
            db.session.remove()
            dispose_engines()


def test_backup_and_restore_give_back_every_row_and_file(app, tmp_path):
    before = populate(app)
    assert before["stored_files"] and any(r["data"][:4] == b"%PDF" for r in before["stored_files"])
    target = tmp_path / "backup.zip"
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with empty_app(app, tmp_path) as fresh:
        result = fresh.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code == 0, result.output
        with fresh.app_context(), db.engine.connect() as connection:
            after = {t.name: table_rows(connection, t) for t in db.metadata.sorted_tables}
        # Every company has a new data version (no server takes a cached page for the
        # restored data: wedding/freshness.py); every other value is as it was.
        pairs = zip(before["organisations"], after["organisations"], strict=True)
        for org_before, org_after in pairs:
            assert org_after.pop("data_version") != org_before.pop("data_version")
        assert after == before
        # the restored database goes on working: new rows get fresh ids
        with fresh.app_context():
            client = Client(org_id=before["organisations"][0]["id"], full_name="新しい客")
            db.session.add(client)
            db.session.commit()
            assert client.id > max(row["id"] for row in before["clients"])


def damaged(data: bytes) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as copy:
        for item in archive.infolist():
            body = archive.read(item)
            if item.filename == "tables/clients.jsonl":
                body = body.replace("佐藤".encode(), "加藤".encode())
            copy.writestr(item, body)
    return out.getvalue()


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda data: data[: len(data) // 2], "not a backup"),
        (lambda data: b"PK\x03\x04 nonsense", "not a backup"),
        (damaged, "checksum mismatch"),
        (
            lambda data: _zip({"manifest.json": json.dumps({"format": "other-app"})}),
            "not a backup of this application",
        ),
        (
            lambda data: _zip(
                {"manifest.json": json.dumps({"format": "nijigen-wedding-backup", "version": 99})}
            ),
            "version 99",
        ),
    ],
)
def test_a_damaged_or_foreign_file_is_refused_before_anything_is_written(
    app, tmp_path, mangle, reason
):
    populate(app)
    good = tmp_path / "backup.zip"
    assert app.test_cli_runner().invoke(args=["backup", "-o", str(good)]).exit_code == 0
    bad = tmp_path / "bad.zip"
    bad.write_bytes(mangle(good.read_bytes()))
    with empty_app(app, tmp_path) as fresh:
        result = fresh.test_cli_runner().invoke(args=["restore", str(bad)])
        assert result.exit_code != 0 and reason in result.output
        assert "Nothing was written" in result.output
        with fresh.app_context(), db.engine.connect() as connection:
            assert all(not table_rows(connection, t) for t in db.metadata.sorted_tables)


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path):
    populate(app)
    target = tmp_path / "backup.zip"
    app.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    result = app.test_cli_runner().invoke(args=["restore", str(target)])
    assert result.exit_code != 0 and "not empty" in result.output


def _zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def resigned(data: bytes, edit, key: bytes = backup_key("test-secret")) -> bytes:
    """The backup after ``edit(manifest, tables)``, checksums and signature recomputed as a
    forger with (or without) the key would."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    tables = {name: archive.read(f"tables/{name}.jsonl").decode() for name in manifest["tables"]}
    edit(manifest, tables)
    if isinstance(manifest["tables"], dict):
        for name, body in tables.items():
            if isinstance(manifest["tables"].get(name), dict):
                manifest["tables"][name]["sha256"] = hashlib.sha256(body.encode()).hexdigest()
    body = json.dumps(manifest).encode()
    members = {f"tables/{name}.jsonl": text for name, text in tables.items()}
    members["manifest.json"] = body
    members["manifest.hmac"] = hmac.new(key, body, "sha256").hexdigest()
    return _zip(members)


def _rename_client(manifest, tables):
    tables["clients"] = tables["clients"].replace("佐藤", "加藤")


def _tables_as_a_list(manifest, tables):
    manifest["tables"] = list(manifest["tables"])


def _entry_as_a_string(manifest, tables):
    manifest["tables"]["clients"] = "abc"


def _dangling_foreign_key(manifest, tables):
    line = json.loads(tables["clients"].splitlines()[0])
    line["id"], line["org_id"] = 999_999, 888_888
    tables["clients"] += json.dumps(line) + "\n"
    manifest["tables"]["clients"]["rows"] += 1


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda data: resigned(data, _rename_client, b"a guessed key"), "not signed"),
        (lambda data: resigned(data, _rename_client, backup_key("another-secret")), "not signed"),
        (lambda data: resigned(data, _tables_as_a_list), "malformed"),
        (lambda data: resigned(data, _entry_as_a_string), "malformed"),
        (lambda data: resigned(data, _dangling_foreign_key), "breaks the database's rules"),
    ],
)
def test_forged_and_malformed_backups_are_refused_in_one_line(app, tmp_path, mangle, reason):
    """Issue 14, class 5: rows edited with the checksums recomputed were accepted; malformed
    manifests and a row breaking a foreign key gave a traceback."""
    populate(app)
    good = tmp_path / "backup.zip"
    assert app.test_cli_runner().invoke(args=["backup", "-o", str(good)]).exit_code == 0
    bad = tmp_path / "bad.zip"
    bad.write_bytes(mangle(good.read_bytes()))
    with empty_app(app, tmp_path) as fresh:
        result = fresh.test_cli_runner().invoke(args=["restore", str(bad)])
        assert result.exit_code == 1 and reason in result.output, result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
        assert "Nothing was written" in result.output
        with fresh.app_context(), db.engine.connect() as connection:
            assert all(not table_rows(connection, t) for t in db.metadata.sorted_tables)


def test_a_backup_moves_to_another_installation_with_the_same_backup_key(app, tmp_path):
    app.config["BACKUP_KEY"] = "kept by the operator"
    populate(app)
    target = tmp_path / "backup.zip"
    assert app.test_cli_runner().invoke(args=["backup", "-o", str(target)]).exit_code == 0
    elsewhere = {"SECRET_KEY": "another-installation"}
    with empty_app(app, tmp_path, **elsewhere) as fresh:
        refused = fresh.test_cli_runner().invoke(args=["restore", str(target)])
        assert refused.exit_code == 1 and "FLASK_BACKUP_KEY" in refused.output
    with empty_app(app, tmp_path, BACKUP_KEY="kept by the operator", **elsewhere) as fresh:
        restored = fresh.test_cli_runner().invoke(args=["restore", str(target)])
        assert restored.exit_code == 0, restored.output
