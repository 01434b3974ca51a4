"""The declarative base, shared column types and mixins for every capability's models."""

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, ForeignKey, MetaData, event, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import NullType, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as UTC; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def raw_timestamp(column):
    """A timestamp column as the driver returns it, skipping per-row type processing: for
    queries that read thousands of rows (month views, feeds). Pair with aware_utc()."""
    return type_coerce(column, NullType())


def aware_utc(value) -> datetime:
    """A driver's timestamp (datetime on PostgreSQL, ISO text on SQLite) as aware UTC."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")  # SQLite keeps naive UTC text
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class Timestamped:
    """created_at / updated_at kept by the database session."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OrgOwned(Timestamped):
    """A record that belongs to exactly one planner company; archived rather than deleted."""

    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record):
    """PostgreSQL sessions speak UTC (we convert at the edges, and psycopg loads UTC faster).
    SQLite: foreign keys on, WAL, a patient lock wait, and transactions we begin ourselves."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.close()
        dbapi_connection.commit()
        return
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None  # pysqlite must not issue its own BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn):
    """SQLite has one writer at a time: take the write lock when a transaction begins, so that
    concurrent requests from several processes queue up instead of failing half-way. This is
    the SQLite side of "never a double booking" (PostgreSQL uses an exclusion constraint)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
