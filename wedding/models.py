"""The declarative base, shared column types and mixins for every capability's models."""

import contextvars
import re
import select
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, Float, ForeignKey, MetaData, event, make_url, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column
from sqlalchemy.pool import Pool
from sqlalchemy.sql.functions import FunctionElement
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


READS = "reads"  # bind key of the engine read-only requests use on PostgreSQL


class RequestSession(FlaskSession):
    """``db.session``: in a read-only request on PostgreSQL (register_transactions) it reads
    through the ``reads`` engine, whose connections stay in autocommit for their whole life;
    everything else uses the default engine."""

    reads_only = False

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.reads_only:
            return self._db.engines[READS]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})


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


class days_between(FunctionElement):
    """SQL: the days (fractional) from timestamp ``earlier`` to ``later``, on both databases,
    so that per-row windows ("within its venue's reminder days") are filtered in SQL."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(julianday({later}) - julianday({earlier}))"


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


@event.listens_for(Pool, "checkout")
def _still_connected(dbapi_connection, connection_record, connection_proxy) -> None:
    """A PostgreSQL connection taken from the pool must still be open: the server may have
    ended it (a restart, an administrator) while it waited. Asking the server costs a round
    trip on every request (SQLAlchemy's pool_pre_ping); instead look, without waiting, whether
    the server sent anything meanwhile. An idle connection is owed nothing (psycopg reads every
    answer to its end), so anything there is the server's goodbye before closing, or a notice
    we have no use for: the pool replaces the connection and the request never sees it. (A
    server that vanished without a word is found by the first statement's error, as with a
    ping.) Written by hand: psycopg and SQLAlchemy offer only the round-trip ping. SQLite: a
    file, nothing to lose."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    try:
        socket = pgconn.socket
    except Exception as error:  # psycopg.OperationalError: no socket any more
        raise DisconnectionError(str(error)) from error
    waiting = select.poll()  # poll, not select: any file number (select stops at 1024)
    waiting.register(socket, select.POLLIN | select.POLLPRI)
    if waiting.poll(0) or pgconn.status != 0:  # something arrived or hung up; CONNECTION_OK
        raise DisconnectionError("the server ended the connection")


# Whether a SQLite transaction takes the write lock when it begins (BEGIN IMMEDIATE). True
# everywhere but in requests that only read (GET/HEAD without @writes): those begin DEFERRED,
# so page views run side by side instead of queueing for the one write lock.
_lock_up_front: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_immediate", default=True
)
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def writes_deferred() -> bool:
    """True in a read-only request: writes must not go through this request's transaction."""
    return not _lock_up_front.get()


@contextmanager
def _locking(up_front: bool) -> Iterator[None]:
    token = _lock_up_front.set(up_front)
    try:
        yield
    finally:
        _lock_up_front.reset(token)


def write_lock_up_front() -> AbstractContextManager[None]:
    """Transactions begun inside take SQLite's write lock up front (jobs, deferred writes)."""
    return _locking(True)


def reading_only() -> AbstractContextManager[None]:
    """Transactions begun inside are SQLite readers (BEGIN DEFERRED), as in a read-only
    request: for reads that run after the request's teardown, in a streamed body."""
    return _locking(False)


def write_after_response(response, statement) -> None:
    """Run ``statement`` (a Core INSERT/UPDATE) once ``response`` has been sent, in a short
    write transaction of its own: what a read-only request records (audit rows of page views,
    an API token's last use) never holds a lock for the request's whole length."""
    from flask import current_app

    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context(), write_lock_up_front(), db.engine.begin() as conn:
            conn.execute(statement)

    response.call_on_close(run)


def writes(view: Callable) -> Callable:
    """Mark a GET view (or a whole blueprint) that writes (a first visit creates a row, a link
    or token records its use): its transaction takes the write lock up front like a POST's."""
    view.writes_on_get = True
    return view


READS_ONLY = "wedding_reads_only"  # execution option of a read-only request's connection


def configure_engines(app) -> None:
    """On PostgreSQL a second pool, ``reads``, for the requests that only read: its connections
    are in autocommit from the start, so a request neither switches a connection's mode when it
    takes it nor switches it back when it gives it back (see register_transactions)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        # Flask-SQLAlchemy gives SQLALCHEMY_ENGINE_OPTIONS to the default engine only: the same
        # pool settings and connect_args here, with the two that make this pool what it is.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        app.config.setdefault("SQLALCHEMY_BINDS", {})[READS] = {
            **options,
            "url": url,
            "isolation_level": "AUTOCOMMIT",
            "execution_options": {**options.get("execution_options", {}), READS_ONLY: True},
        }


def dispose_engines() -> None:
    """Close the pooled connections of every engine of the current app (both pools on
    PostgreSQL): tests and benchmarks that are done with an app, or about to drop its data."""
    for engine in db.engines.values():
        engine.dispose()


def register_transactions(app) -> None:
    """Choose each request's transaction mode from its method (see _lock_up_front). On
    PostgreSQL a request that only reads runs its statements without a transaction around
    them (autocommit): each statement sees the data committed when it starts, as under READ
    COMMITTED inside one, and the BEGIN and ROLLBACK round trips are gone (with them the
    ROLLBACK's discarding of psycopg's prepared statements). Its session reads through the
    ``reads`` pool (configure_engines, RequestSession), whose connections are in autocommit for
    good, and takes a connection only when it first asks (a cached answer may never ask). A
    write in such a request still gets a transaction: _begin_before_writing."""
    from flask import g, request

    @app.before_request
    def _choose_transaction_mode() -> None:
        view = app.view_functions.get(request.endpoint or "")
        blueprint = app.blueprints.get(request.blueprint or "")
        read_only = request.method in SAFE_METHODS and not (
            getattr(view, "writes_on_get", False) or getattr(blueprint, "writes_on_get", False)
        )
        g._lock_token = _lock_up_front.set(not read_only)
        if (
            read_only
            and request.endpoint != "static"
            and db.engine.dialect.name == "postgresql"
            and not db.session().in_transaction()  # a request inside a test's own app context
        ):
            g._reads_only_session = session = db.session()
            session.reads_only = True

    @app.teardown_request
    def _reset_transaction_mode(exc) -> None:
        token = g.pop("_lock_token", None)
        if token is not None:
            _lock_up_front.reset(token)
        session = g.pop("_reads_only_session", None)
        if session is not None:  # a test's own app context keeps its session after the request
            session.reads_only = False


# A statement that writes or locks rows (anything but a plain SELECT).
_WRITES_OR_LOCKS = re.compile(
    r"^\s*(?!SELECT\b)|\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE
)


@event.listens_for(Engine, "before_cursor_execute")
def _begin_before_writing(conn, cursor, statement, parameters, context, executemany) -> None:
    """A read-only request on PostgreSQL runs without a transaction (register_transactions);
    when it writes after all (a first visit creates a row), a transaction begins just before
    the first write, so what it writes is committed or rolled back as one, as in any other
    request. Reads before it saw committed data, as they would have inside one."""
    if (
        context is not None
        and context.execution_options.get(READS_ONLY)
        and cursor.connection.pgconn.transaction_status == 0  # IDLE: no transaction yet
        and _WRITES_OR_LOCKS.search(statement)
    ):
        cursor.connection.execute("BEGIN")


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn):
    """SQLite has one writer at a time: take the write lock when a transaction begins, so that
    concurrent requests from several processes queue up instead of failing half-way. This is
    the SQLite side of "never a double booking" (PostgreSQL uses an exclusion constraint).
    Requests that only read begin DEFERRED (WAL: readers never wait for the writer)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _lock_up_front.get() else "BEGIN")


@event.listens_for(Session, "before_flush")
def _take_the_write_lock_before_writing(session, flush_context, instances) -> None:
    """A read-only request that writes after all (a first visit creates a row): SQLite cannot
    safely turn its read transaction into a write one (it fails when another writer went
    first), so end the read transaction, which wrote nothing, and begin again holding the
    write lock. Reads before and writes after are then as under PostgreSQL's READ COMMITTED.
    Views known to write on GET are marked @writes and begin with the lock instead."""
    if _lock_up_front.get() or not (session.new or session.dirty or session.deleted):
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite" or connection.info.get("write_locked"):
        return
    raw = connection.connection.dbapi_connection
    raw.execute("COMMIT")
    raw.execute("BEGIN IMMEDIATE")
    connection.info["write_locked"] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_write_lock(conn) -> None:
    if not conn.invalidated:  # a lost connection (and what it knew) is thrown away anyway
        conn.info.pop("write_locked", None)
