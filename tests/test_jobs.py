"""The job engine: queued only on commit, run once, retried with backoff, lost jobs found again.

Set WEDDING_TEST_JOB_QUEUE_URL (e.g. redis://127.0.0.1:6379/2) to run the broker tests on a
real broker; by default they use Huey's in-memory storage."""

import os
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.conftest import app_config
from wedding import create_app
from wedding.jobs import _PERIODIC as PERIODIC
from wedding.jobs import (
    Job,
    dispatch,
    engine_of,
    enqueue,
    execute,
    get_job,
    report_progress,
    requeue_stale,
    run_queued,
    task,
    tick,
)
from wedding.models import db, dispose_engines, utcnow

QUEUE_URL = os.environ.get("WEDDING_TEST_JOB_QUEUE_URL", "memory://")
CALLS: list[tuple] = []
FLAKY: dict[str, int] = {}


@task(retries=2, backoff=1)
def record_call(value: str) -> dict:
    CALLS.append(("record", value))
    return {"echo": value}


@task(retries=2, backoff=1)
def always_fails(value: str) -> None:
    CALLS.append(("fail", value))
    raise RuntimeError(f"the server said no to {value}")


@task(retries=3, backoff=1)
def fails_once(value: str) -> str:
    FLAKY[value] = FLAKY.get(value, 0) + 1
    if FLAKY[value] == 1:
        raise ConnectionError("first try refused")
    return "ok"


@task()
def with_progress() -> None:
    report_progress(40)
    CALLS.append(("progress", None))


@task()
def enqueues_another(value: str) -> None:
    enqueue(record_call, value + "-child")
    db.session.commit()


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()
    FLAKY.clear()


@pytest.fixture
def queued_app(database_url):
    """The app with a real (not immediate) broker: jobs wait until a worker takes them."""
    app = create_app(app_config(database_url, JOB_QUEUE_URL=QUEUE_URL))
    huey = engine_of(app).huey
    huey.flush()
    yield app
    huey.flush()
    engine_of(app).close()
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        dispose_engines()


def jobs_in(app) -> list[Job]:
    with app.app_context():
        rows = list(db.session.scalars(db.select(Job).order_by(Job.created_at)))
        db.session.expunge_all()
        return rows


def work(app) -> int:
    """What a worker does: take each message from the broker and run it."""
    huey = engine_of(app).huey
    count = 0
    while (message := huey.dequeue()) is not None:
        huey.execute(message)
        count += 1
    return count


def test_a_job_runs_when_its_transaction_commits(app):
    with app.app_context():
        job = enqueue(record_call, "after-commit")
        assert CALLS == []  # not before the commit
        db.session.commit()
        assert CALLS == [("record", "after-commit")]
        job_id = job.id
    [row] = jobs_in(app)
    assert (row.id, row.status, row.result, row.attempts) == (
        job_id,
        "done",
        {"echo": "after-commit"},
        1,
    )
    assert row.progress == 100 and row.finished_at is not None


def test_a_rolled_back_transaction_queues_nothing(app):
    with app.app_context():
        enqueue(record_call, "never")
        db.session.rollback()
        db.session.commit()  # a later commit does not bring it back
    assert CALLS == []
    assert jobs_in(app) == []


def test_a_savepoint_neither_runs_nor_forgets_what_the_transaction_queued(app):
    """A SAVEPOINT released or rolled back inside the transaction (as counters and unique
    inserts use) is not the commit: the job runs only when the real commit comes."""
    with app.app_context():
        enqueue(record_call, "outer")
        with db.session.begin_nested():
            pass
        assert CALLS == []  # not when the savepoint was released
        with pytest.raises(ValueError), db.session.begin_nested():
            raise ValueError
        db.session.commit()
    assert CALLS == [("record", "outer")]  # and not forgotten when one rolled back


def test_a_failing_job_is_retried_then_fails_with_its_reason(app):
    with app.app_context():
        enqueue(always_fails, "x")
        db.session.commit()
    [row] = jobs_in(app)
    assert CALLS == [("fail", "x")] * 3  # the first try and two retries
    assert row.status == "failed" and row.attempts == 3
    assert row.reason == "RuntimeError: the server said no to x"


def test_a_job_that_fails_once_succeeds_on_retry(app):
    with app.app_context():
        enqueue(fails_once, "a")
        db.session.commit()
    [row] = jobs_in(app)
    assert (row.status, row.attempts, row.result) == ("done", 2, "ok")
    assert row.reason == "ConnectionError: first try refused"  # what went wrong on the way


def test_retries_back_off_exponentially(queued_app):
    with queued_app.app_context():
        enqueue(always_fails, "b")
        db.session.commit()
    delays = []
    for _ in range(2):
        work(queued_app)
        [row] = jobs_in(queued_app)
        assert row.status == "queued"
        delays.append(round((row.run_after - row.started_at).total_seconds()))
        with queued_app.app_context():  # the backoff has passed
            db.session.execute(update(Job).values(run_after=utcnow()))
            db.session.commit()
        execute(queued_app, row.id)
    assert delays == [1, 2]
    [row] = jobs_in(queued_app)
    assert row.status == "failed" and row.attempts == 3


def test_jobs_enqueued_by_a_job_run_too(app):
    with app.app_context():
        enqueue(enqueues_another, "parent")
        db.session.commit()
    assert CALLS == [("record", "parent-child")]
    assert [row.status for row in jobs_in(app)] == ["done", "done"]


def test_progress_is_recorded_while_running(app):
    seen = []

    @task()
    def look() -> None:
        report_progress(55)
        with app.app_context():  # another request reads the row meanwhile
            seen.append(db.session.get(Job, current).progress)

    with app.app_context():
        current = enqueue(look).id
        db.session.commit()
    assert seen == [55]
    assert jobs_in(app)[0].progress == 100


def test_with_a_broker_the_job_waits_for_a_worker(queued_app):
    with queued_app.app_context():
        job_id = enqueue(record_call, "later").id
        db.session.commit()
    assert CALLS == []
    assert jobs_in(queued_app)[0].status == "queued"
    assert work(queued_app) == 1
    assert CALLS == [("record", "later")]
    assert jobs_in(queued_app)[0].status == "done"
    assert jobs_in(queued_app)[0].id == job_id


def test_a_message_delivered_twice_runs_once(queued_app):
    with queued_app.app_context():
        job_id = enqueue(record_call, "once").id
        db.session.commit()
    dispatch(queued_app, job_id)  # a duplicate message
    assert work(queued_app) == 2
    assert CALLS == [("record", "once")]


def test_a_job_whose_worker_died_is_run_again(queued_app):
    """kill -9 mid-job: the row stays "running"; when its lease runs out, it is requeued."""
    with queued_app.app_context():
        job_id = enqueue(record_call, "crash").id
        db.session.commit()
    engine_of(queued_app).huey.dequeue()  # the worker took the message ...
    with queued_app.app_context():  # ... claimed the row, and was killed
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="running", attempts=1, lease_until=utcnow() + timedelta(minutes=5))
        )
        db.session.commit()
        assert requeue_stale() == 0  # its lease still runs: it may be working
        db.session.commit()
        db.session.execute(
            update(Job).where(Job.id == job_id).values(lease_until=utcnow() - timedelta(1))
        )
        db.session.commit()
        assert requeue_stale() == 1
        db.session.commit()
    assert work(queued_app) == 1
    [row] = jobs_in(queued_app)
    assert (row.status, row.attempts) == ("done", 2)
    assert CALLS == [("record", "crash")]


def test_a_job_whose_message_was_lost_is_handed_over_again(queued_app):
    with queued_app.app_context():
        job_id = enqueue(record_call, "lost").id
        db.session.commit()
    engine_of(queued_app).huey.flush()  # the broker lost it (or was down at commit)
    with queued_app.app_context():
        assert requeue_stale() == 0  # too early to call it lost
        db.session.commit()
        old = utcnow() - timedelta(minutes=10)
        db.session.execute(
            update(Job).where(Job.id == job_id).values(run_after=old, dispatched_at=old)
        )
        db.session.commit()
        assert requeue_stale() == 1
        db.session.commit()
    assert work(queued_app) == 1
    assert CALLS == [("record", "lost")]


def test_a_broker_that_is_down_does_not_fail_the_request(database_url):
    app = create_app(app_config(database_url, JOB_QUEUE_URL="redis://127.0.0.1:9/0"))
    try:
        with app.app_context():
            enqueue(record_call, "waits")
            db.session.commit()  # no exception: the row waits
        [row] = jobs_in(app)
        assert row.status == "queued"
        assert run_queued(app) == 1
        assert CALLS == [("record", "waits")]
    finally:
        engine_of(app).close()
        with app.app_context():
            db.session.execute(db.delete(Job))
            db.session.commit()
            dispose_engines()


def test_a_periodic_tick_runs_once_however_many_workers_tick(queued_app):
    spec = PERIODIC["wedding.jobs.requeue_stale"]
    now = utcnow().replace(second=0, microsecond=0)  # a minute's start: +20 s stays in it
    assert tick(queued_app, spec, now) is not None
    assert tick(queued_app, spec, now + timedelta(seconds=20)) is None  # same minute
    assert tick(queued_app, spec, now + timedelta(minutes=1)) is not None
    assert len(jobs_in(queued_app)) == 2


def test_the_status_page_shows_a_job_to_its_company_only(app, web, make_user, make_org):
    user = make_user()
    other = make_org()
    with app.app_context():
        mine = enqueue(record_call, "mine", org_id=user.org_id).id
        theirs = enqueue(record_call, "theirs", org_id=other.id).id
        db.session.commit()
    web.login(user)
    response = web.get(f"/jobs/{mine}")
    assert response.status_code == 200
    assert response.json["status"] == "done" and response.json["result"] == {"echo": "mine"}
    assert web.get(f"/jobs/{theirs}").status_code == 404
    assert web.get("/jobs/not-a-job").status_code == 404
    with app.app_context():
        assert get_job(mine, other.id) is None


def test_an_unknown_task_name_fails_visibly(app):
    with app.app_context():
        job = Job(name="wedding.gone.task", args=[], status="queued", max_attempts=1)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    assert execute(app, job_id)[0] == "failed"
    assert "no task named wedding.gone.task" in jobs_in(app)[0].reason
