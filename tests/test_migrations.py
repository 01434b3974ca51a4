"""Migrations take an empty database to exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from wedding.models import db


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
