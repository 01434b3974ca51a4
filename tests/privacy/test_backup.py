"""Backup → empty database → restore gives back every row and every stored file, on SQLite and
PostgreSQL; a damaged or foreign file is refused before anything is written."""

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
from wedding.models import db
from wedding.presentation.services import presentation_for, standee_file_id
from wedding.privacy.backup import table_rows


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
def empty_app(app, tmp_path):
    """A freshly migrated, empty database of the same kind (closed again afterwards)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if url.startswith("postgresql"):
        reset_postgresql(url)
    else:
        url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    fresh = create_app(app_config(url))
    with fresh.app_context():
        upgrade()
    try:
        yield fresh
    finally:
        with fresh.app_context():
            db.session.remove()
            db.engine.dispose()


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
