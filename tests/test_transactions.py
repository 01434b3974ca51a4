"""SQLite requests that only read do not take the write lock; their audit rows are written
in a transaction of their own after the response. Writes keep taking it up front."""

import pytest
from sqlalchemy import event

from wedding.audit import AuditEvent
from wedding.models import db


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
