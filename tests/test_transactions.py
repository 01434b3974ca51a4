"""SQLite requests that only read do not take the write lock; their audit rows are written
in a transaction of their own after the response. Writes keep taking it up front.
PostgreSQL requests that only read run without a transaction (no BEGIN, no ROLLBACK); one
that writes after all writes in a transaction; a connection the server ended is replaced."""

import time

import pytest
from flask import abort
from sqlalchemy import create_engine, event, text

from tests.conftest import app_config
from wedding import create_app
from wedding.accounts.models import Organisation
from wedding.audit import AuditEvent
from wedding.models import READS, db, dispose_engines

IDLE, IN_TRANSACTION = 0, 2  # psycopg.pq.TransactionStatus


@pytest.fixture
def begins(app):
    """The BEGIN statements SQLite receives, in order."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's transaction modes")

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_page_view_reads_without_the_write_lock_and_is_still_audited(
    app, web, make_user, make_client, begins
):
    user = make_user(role="planner")
    client = make_client(user.org)
    web.login(user)
    begins.clear()
    response = web.client.get(f"/clients/{client.id}")
    assert response.status_code == 200
    with app.app_context():  # not while the page is being sent
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="view")).all() == []
    response.close()  # the server closes it after sending: then the audit row is written
    assert begins[0] == "BEGIN"  # the page's own transaction: deferred, a reader
    assert begins[-1] == "BEGIN IMMEDIATE"  # the audit row's, after the response
    with app.app_context():
        (row,) = db.session.scalars(db.select(AuditEvent).filter_by(action="view")).all()
        assert (row.subject_type, row.subject_id, row.actor) == (
            "client",
            client.id,
            f"user:{user.id}",
        )


def test_a_form_post_takes_the_write_lock_up_front(app, web, make_user, begins):
    user = make_user(role="planner")
    web.login(user)
    token = web.csrf_token()
    begins.clear()
    form = {"full_name": "Aoi", "language": "ja", "csrf_token": token}
    assert web.client.post("/clients/new", data=form).status_code == 302
    assert begins and set(begins) == {"BEGIN IMMEDIATE"}


@pytest.fixture
def postgresql(app):
    """The app's PostgreSQL engines: the default one and the read-only requests' (READS)."""
    with app.app_context():
        engines = db.engines
    if engines[None].dialect.name != "postgresql":
        pytest.skip("PostgreSQL's transactions and connections")
    return engines


def test_a_read_only_request_on_postgresql_sends_no_begin_or_rollback(
    app, web, make_user, make_client, postgresql
):
    user = make_user(role="planner")
    client = make_client(user.org)
    web.login(user)
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0], cursor.connection.pgconn.transaction_status))

    for engine in postgresql.values():
        event.listen(engine, "before_cursor_execute", record)
    try:
        assert web.get("/").status_code == 200
        page = seen[:]
        seen.clear()
        form = {"full_name": "Aoi", "language": "ja", "csrf_token": web.csrf_token()}
        seen.clear()
        assert web.client.post(f"/clients/{client.id}", data=form).status_code == 302
    finally:
        for engine in postgresql.values():
            event.remove(engine, "before_cursor_execute", record)
    assert page and {status for _, status in page} == {IDLE}, page  # each one on its own
    assert seen[-1][1] == IN_TRANSACTION, seen  # a form's writes: one transaction


def test_a_read_only_request_reads_through_connections_kept_in_autocommit(
    app, web, make_user, postgresql
):
    """Read-only requests take their connection from a pool of their own whose connections
    are in autocommit for good: no switching of the mode when a request takes one and back
    when it gives it back. Writes keep the default pool and its transactions."""
    user = make_user(role="planner")
    web.login(user)
    used: list[tuple[str, bool]] = []
    switched: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        used.append((conn.engine is postgresql[READS], cursor.connection.autocommit))

    def checkin(dbapi_connection, record):
        if not dbapi_connection.autocommit and record in reads_records:
            switched.append("left autocommit")

    reads_records: set = set()

    def checkout(dbapi_connection, record, proxy):
        reads_records.add(record)

    for engine in postgresql.values():
        event.listen(engine, "before_cursor_execute", record)
    event.listen(postgresql[READS].pool, "checkout", checkout)
    event.listen(postgresql[READS].pool, "checkin", checkin)
    try:
        assert web.get("/").status_code == 200
        page = used[:]
        form = {"full_name": "Aoi", "language": "ja", "csrf_token": web.csrf_token()}
        used.clear()
        assert web.client.post("/clients/new", data=form).status_code == 302
    finally:
        for engine in postgresql.values():
            event.remove(engine, "before_cursor_execute", record)
        event.remove(postgresql[READS].pool, "checkout", checkout)
        event.remove(postgresql[READS].pool, "checkin", checkin)
    assert page and set(page) == {(True, True)}, page  # the reads pool, in autocommit
    assert used and set(used) == {(False, False)}, used  # the form: the default pool
    assert reads_records and not switched


def test_a_get_that_writes_after_all_writes_in_one_transaction(app, web, postgresql):
    """Views that write on GET are marked @writes; one that is not still writes all or
    nothing: the transaction begins before its first write (or row lock)."""

    def two_companies(fail: int):
        db.session.scalars(db.select(Organisation.id).with_for_update()).all()
        locked = db.session.connection().connection.dbapi_connection.pgconn.transaction_status
        db.session.add(Organisation(name=f"First {fail}"))
        db.session.flush()
        db.session.add(Organisation(name=f"Second {fail}"))
        db.session.flush()
        if fail:
            abort(409)
        db.session.commit()
        return {"locked": locked}

    app.add_url_rule("/two-companies/<int:fail>", view_func=two_companies)
    inserts: list[tuple[bool, bool]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT"):
            inserts.append((conn.engine is postgresql[READS], cursor.connection.autocommit))

    for engine in postgresql.values():
        event.listen(engine, "before_cursor_execute", record)
    try:
        assert web.client.get("/two-companies/1").status_code == 409
        answer = web.client.get("/two-companies/0")
    finally:
        for engine in postgresql.values():
            event.remove(engine, "before_cursor_execute", record)
    assert answer.status_code == 200
    # Written through the read-only requests' pool, in autocommit but for the BEGIN before them
    assert inserts and set(inserts) == {(True, True)}, inserts
    assert answer.json == {"locked": IN_TRANSACTION}  # the lock is held, not released at once
    with app.app_context():
        names = db.session.scalars(db.select(Organisation.name).order_by(Organisation.id)).all()
    assert names == ["First 0", "Second 0"]  # nothing of the refused one


def test_the_reads_pool_has_the_options_of_the_default_one(database_url):
    """Flask-SQLAlchemy gives SQLALCHEMY_ENGINE_OPTIONS to the default engine only: pool size
    and connection arguments must reach the pool that serves the reads as well."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's pools")
    options = {"pool_size": 2, "connect_args": {"application_name": "wedding-web"}}
    app = create_app(app_config(database_url, SQLALCHEMY_ENGINE_OPTIONS=options))
    with app.app_context():
        try:
            reads = db.engines[READS]
            assert reads.pool.size() == 2
            with reads.connect() as conn:
                assert conn.scalar(text("SHOW application_name")) == "wedding-web"
                assert conn.connection.dbapi_connection.autocommit
        finally:
            dispose_engines()


def test_a_connection_the_server_ended_is_replaced_unseen(
    app, web, make_user, database_url, postgresql
):
    user = make_user(role="planner")
    web.login(user)
    assert web.get("/").status_code == 200  # the pool now keeps a connection
    with app.app_context():
        assert db.engines[READS].pool.checkedin() >= 1  # a page view's
    others = " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT count(pg_terminate_backend(pid))" + others)).scalar()
        for _ in range(100):  # until they have gone (their goodbye sent)
            if not conn.execute(text("SELECT count(*)" + others)).scalar():
                break
            time.sleep(0.05)
    admin.dispose()
    assert web.get("/").status_code == 200
    assert web.get("/").status_code == 200


def test_a_connection_lost_during_a_request_gets_the_error_page(app, web, postgresql):
    """The server ends the connection mid-request: the reader gets our page, not the bare
    error of a failing error handler."""

    def lost():
        db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return "never"

    app.add_url_rule("/lost", view_func=lost)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 handler answers
    answer = web.client.get("/lost")
    assert answer.status_code == 500
    assert "<html" in answer.get_data(as_text=True).lower()
    assert web.client.get("/login").status_code == 200  # and the next request is served
