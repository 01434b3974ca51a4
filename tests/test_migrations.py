"""Migrations take an empty database to exactly the schema the models describe."""

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from tests.conftest import app_config, reset_postgresql
from wedding import create_app
from wedding.ceremonies.models import Ceremony
from wedding.models import db, dispose_engines
from wedding.presentation.models import Presentation
from wedding.venues.models import Venue


def test_upgrade_from_empty_matches_the_models(app):
    # The session fixture built this database with `flask db upgrade`, not create_all.
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
    assert tables == set(db.metadata.tables)


def test_constraint_names_follow_the_convention(app):
    with app.app_context(), db.engine.connect() as conn:
        inspector = inspect(conn)
        for table in db.metadata.tables:
            for fk in inspector.get_foreign_keys(table):
                assert fk["name"].startswith(f"fk_{table}_"), fk
            for unique in inspector.get_unique_constraints(table):
                assert unique["name"].startswith(f"uq_{table}_"), unique
            for check in inspector.get_check_constraints(table):
                assert check["name"].startswith(f"ck_{table}_"), check
            for index in inspector.get_indexes(table):
                if not index.get("duplicates_constraint"):  # PostgreSQL's index behind a UNIQUE
                    assert index["name"].startswith(f"ix_{table}_"), index
            assert inspector.get_pk_constraint(table)["name"] in (None, f"pk_{table}")


def test_the_double_booking_guard_exists(app):
    """Batch migrations on SQLite drop triggers: make sure the head still has the guard."""
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            names = {row[0] for row in rows}
            assert {"ceremonies_no_overlap_insert", "ceremonies_no_overlap_update"} <= names
        else:
            rows = conn.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'x'"))
            assert "no_double_booking" in {row[0] for row in rows}


def test_0002_keeps_existing_ceremonies(database_url, tmp_path):
    """Upgrading a database that already has ceremonies fills the new booking columns and
    gives each ceremony of a client its viewer link."""
    url = database_url
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    else:
        reset_postgresql(url)
    app = create_app(app_config(url))
    try:
        with app.app_context():
            upgrade(revision="0001")
            now = datetime(2030, 5, 1, 1, 0, tzinfo=UTC)
            with db.engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO organisations (id, name, created_at, updated_at) "
                        "VALUES (1, 'Old Co', :now, :now)"
                    ),
                    {"now": now},
                )
                conn.execute(
                    text(
                        "INSERT INTO clients (id, org_id, full_name, preferred_name, email, phone, "
                        "language, notes, created_at, updated_at) "
                        "VALUES (1, 1, 'A', '', '', '', 'ja', '', :now, :now)"
                    ),
                    {"now": now},
                )
                conn.execute(
                    text(
                        "INSERT INTO venues (id, org_id, name, address, timezone, notes, "
                        "created_at, updated_at) "
                        "VALUES (1, 1, 'Hall', '', 'Asia/Tokyo', '', :now, :now)"
                    ),
                    {"now": now},
                )
                conn.execute(
                    text(
                        "INSERT INTO ceremonies (id, org_id, client_id, venue_id, starts_at, "
                        "ends_at, status, notes, created_at, updated_at) "
                        "VALUES (1, 1, 1, 1, :start, :end, 'hold', '', :now, :now)"
                    ),
                    {"start": now, "end": now + timedelta(hours=1), "now": now},
                )
            upgrade()
            ceremony = db.session.get(Ceremony, 1)
            assert ceremony.blocked_until == now + timedelta(hours=1)
            assert ceremony.hold_expires_at == now + timedelta(days=7)
            assert db.session.get(Venue, 1).durations == [60, 90, 120]
            # 0022: the ceremony of a client has its viewer link, as new ceremonies do.
            presentation = db.session.scalars(db.select(Presentation)).one()
            assert presentation.ceremony_id == 1 and presentation.active
            assert presentation.created_at.tzinfo is not None and len(presentation.nonce) == 32
            token = presentation.public_token(app.config["SECRET_KEY"])
            assert Presentation.from_public_token(token, app.config["SECRET_KEY"]) == presentation
    finally:
        with app.app_context():
            dispose_engines()
        if not url.startswith("sqlite"):  # leave the shared test database at the head again
            reset_postgresql(url)
            fresh = create_app(app_config(url))
            with fresh.app_context():
                upgrade()
                dispose_engines()
