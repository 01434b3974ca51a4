"""Work off the request path: background jobs on Huey, recorded as ``Job`` rows.

    from wedding.jobs import task, enqueue

    @task()
    def synthesize_vows(version_id: int) -> None: ...

    enqueue(synthesize_vows, version_id)   # runs only if the current transaction commits

How it fits together (and why it is more than a bare Huey task):

- ``enqueue`` adds a ``Job`` row to the caller's database session: the transactional outbox. If
  the transaction rolls back, the row and the job are gone; when it commits, the job's id is
  handed to the broker (Huey: SQLite file in the instance folder by default, Redis or
  PostgreSQL in production, chosen by ``JOB_QUEUE_URL``). The broker carries only that id; the
  arguments, status, progress, reason and result live in the row, which pages poll.
- A worker claims a row with one conditional UPDATE (queued → running, with a lease), so a
  message delivered twice runs once. A worker killed with kill -9 leaves its row "running"
  with a lease that runs out; the periodic ``requeue_stale`` task puts it back on the queue.
  A row whose broker message was lost (broker down at commit, process killed between commit
  and hand-off) is handed over again by the same task. So nothing is lost; a job runs again
  only after a crash, which is why e-mails carry a stable Message-ID and pushes compare state.
- A job that raises is retried with exponential backoff (``backoff`` × 2^attempt seconds) up to
  ``retries`` times, then ends "failed" with the reason, for the planner to see.
- Periodic jobs (``@periodic(minutes=…)``) are ticked by every worker's scheduler; each tick is
  a Job row with a unique key, so with several workers a tick runs once.
- Tests: ``JOB_QUEUE_IMMEDIATE`` (default when TESTING without ``JOB_QUEUE_URL``) runs each job
  synchronously when its transaction commits, retries included, in a fresh app context.
  ``run_queued(app)`` runs what is waiting without a worker, whatever the broker.
"""

import contextvars
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, Flask, abort, current_app, jsonify
from flask.cli import with_appcontext
from flask_login import current_user, login_required
from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    event,
    or_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from wedding.freshness import acting_for
from wedding.models import Base, UTCDateTime, db, utcnow, write_lock_up_front

log = logging.getLogger(__name__)

STATUSES = ("queued", "running", "done", "failed")
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_SECONDS = 30
DEFAULT_LEASE_SECONDS = 600
# A queued row whose hand-off is older than this is handed to the broker again (its message
# may have been lost); the claim makes a duplicate message harmless.
REDISPATCH_AFTER = timedelta(minutes=5)
REASON_LENGTH = 500


class Job(Base):
    """One unit of background work and what became of it."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
        Index("ix_jobs_status_run_after", "status", "run_after"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    # Unique when set: one job per key (a periodic tick, "the export of client 7 at 10:02").
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    result: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=DEFAULT_RETRIES + 1)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "status": self.status,
            "progress": self.progress,
            "reason": self.reason,
            "result": self.result if self.status == "done" else None,
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: Callable[..., Any]
    retries: int
    backoff: int
    lease: int


@dataclass(frozen=True)
class PeriodicSpec:
    task: TaskSpec
    minutes: int


_TASKS: dict[str, TaskSpec] = {}
_PERIODIC: dict[str, PeriodicSpec] = {}
_current_job: contextvars.ContextVar[str | None] = contextvars.ContextVar("job", default=None)


def task_name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def task(
    *,
    retries: int = DEFAULT_RETRIES,
    backoff: int = DEFAULT_BACKOFF_SECONDS,
    lease: int = DEFAULT_LEASE_SECONDS,
) -> Callable[[Callable], Callable]:
    """Register ``fn`` as a background job. The function itself is returned unchanged (call it
    directly to run it now); its arguments must be JSON values (ids, not records).

    ``retries``: how often a failure is tried again (after backoff × 2^n seconds) before the
    job is "failed"; ``lease``: seconds a worker may take before the job counts as lost."""

    def register(fn: Callable) -> Callable:
        spec = TaskSpec(task_name(fn), fn, retries, backoff, lease)
        _TASKS[spec.name] = spec
        return fn

    return register


def periodic(*, minutes: int = 1, retries: int = 0, lease: int = DEFAULT_LEASE_SECONDS):
    """Register ``fn`` (no arguments) to run every ``minutes`` minutes on one of the workers."""

    def register(fn: Callable) -> Callable:
        task(retries=retries, lease=lease)(fn)
        spec = _TASKS[task_name(fn)]
        _PERIODIC[spec.name] = PeriodicSpec(spec, minutes)
        return fn

    return register


def enqueue(
    fn: Callable,
    *args: Any,
    org_id: int | None = None,
    key: str | None = None,
    delay: float = 0,
    session: Session | None = None,
) -> Job:
    """Queue ``fn(*args)``: a Job row in the current transaction, handed to the broker when
    (and only if) that transaction commits. Returns the row (its id is known at once).
    ``session``: another session than the app's (e.g. inside a session event)."""
    name = task_name(fn)
    spec = _TASKS.get(name)
    if spec is None:
        raise LookupError(f"{name} is not a registered @task")
    now = utcnow()
    job = Job(
        id=uuid.uuid4().hex,
        org_id=org_id,
        name=name,
        args=list(args),
        key=key,
        status="queued",
        progress=0,
        attempts=0,
        max_attempts=spec.retries + 1,
        run_after=now + timedelta(seconds=delay),
        created_at=now,
        dispatched_at=now,
    )
    session = session if session is not None else db.session()
    session.add(job)
    session.info.setdefault(_PENDING, []).append((job.id, delay))
    return job


def current_job_id() -> str | None:
    """The id of the job being run in this context, if any."""
    return _current_job.get()


def report_progress(percent: int) -> None:
    """Record the running job's progress (0–100) where pages see it. This commits the job's
    session: call it between steps, never with half-written work pending."""
    job_id = _current_job.get()
    if job_id is None:
        return
    db.session.execute(
        update(Job).where(Job.id == job_id).values(progress=max(0, min(100, int(percent))))
    )
    db.session.commit()


def get_job(job_id: str, org_id: int | None) -> Job | None:
    """A job of this company (or of none, for org_id None), or None."""
    if not isinstance(job_id, str) or len(job_id) != 32 or not job_id.isalnum():
        return None
    job = db.session.get(Job, job_id)
    return job if job is not None and job.org_id == org_id else None


# --- after commit: hand over to the broker -------------------------------------------------

_PENDING = "wedding.jobs.pending"


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: the jobs wait for the real commit
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    app = current_app._get_current_object()
    for job_id, delay in pending:
        dispatch(app, job_id, delay)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT rolled back: what the outer transaction queued still stands
    session.info.pop(_PENDING, None)


def dispatch(app: Flask, job_id: str, delay: float = 0) -> None:
    """Hand one committed job to the broker (or run it now in immediate mode). A broker that
    is down is logged, not raised: the row stays queued and requeue_stale hands it over."""
    engine = app.extensions["wedding.jobs"]
    if engine.immediate:
        engine.run_now.append(job_id)
        if engine.running_now:
            return  # a job enqueued by a job: the loop below runs it next
        engine.running_now = True
        try:
            while engine.run_now:
                next_id = engine.run_now.pop(0)
                if execute(app, next_id)[0] == "queued":
                    engine.run_now.append(next_id)  # a retry: at once, no waiting in tests
        finally:
            engine.running_now = False
        return
    try:
        if delay > 0:
            engine.run_job.schedule(args=(job_id,), delay=delay)
        else:
            engine.run_job(job_id)
    except Exception:  # the broker is down: the row waits for requeue_stale
        log.exception("could not hand job %s to the broker; it stays queued", job_id)


# --- running a job -------------------------------------------------------------------------


def execute(app: Flask, job_id: str) -> tuple[str | None, float]:
    """Claim and run one job in its own app context. Returns the status it ended in (None if
    another worker has it or it no longer exists) and, for a retry, the backoff in seconds."""
    with app.app_context(), write_lock_up_front():
        try:
            return _execute(job_id)
        finally:
            db.session.remove()


def _execute(job_id: str) -> tuple[str | None, float]:
    now = utcnow()
    found = db.session.execute(db.select(Job.name, Job.org_id).where(Job.id == job_id)).first()
    if found is None:
        db.session.rollback()
        return None, 0
    name = found.name
    acting_for(found.org_id)  # what the job writes counts as a change to its company's data
    spec = _TASKS.get(name)
    lease = spec.lease if spec else DEFAULT_LEASE_SECONDS
    lease = min(lease, current_app.config.get("JOB_LEASE_SECONDS") or lease)
    claimed = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            or_(Job.status == "queued", and_(Job.status == "running", Job.lease_until < now)),
        )
        .values(
            status="running",
            attempts=Job.attempts + 1,
            started_at=now,
            lease_until=now + timedelta(seconds=lease),
        )
        .returning(Job.attempts, Job.args)
    ).first()
    db.session.commit()
    if claimed is None:
        return None, 0
    attempt, args = claimed.attempts, list(claimed.args or [])
    token = _current_job.set(job_id)
    try:
        if spec is None:
            raise LookupError(f"no task named {name} in this version")
        result = spec.fn(*args)
    except Exception as error:
        db.session.rollback()
        log.warning("job %s (%s) attempt %s failed: %r", job_id, name, attempt, error)
        return _record_failure(job_id, attempt, spec, error)
    finally:
        _current_job.reset(token)
    finished = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.attempts == attempt, Job.status == "running")
        .values(status="done", progress=100, result=result, finished_at=utcnow())
    ).rowcount
    if not finished:
        db.session.rollback()  # its lease ran out and another worker took it over
        return None, 0
    db.session.commit()
    return "done", 0


def _record_failure(job_id: str, attempt: int, spec: TaskSpec | None, error: Exception):
    reason = f"{type(error).__name__}: {error}"[:REASON_LENGTH]
    retries = spec.retries if spec else 0
    now = utcnow()
    if attempt <= retries:
        delay = (spec.backoff if spec else DEFAULT_BACKOFF_SECONDS) * 2 ** (attempt - 1)
        values = {
            "status": "queued",
            "reason": reason,
            "lease_until": None,
            "run_after": now + timedelta(seconds=delay),
            "dispatched_at": now,
        }
    else:
        delay, values = 0, {"status": "failed", "reason": reason, "finished_at": now}
    db.session.execute(
        update(Job).where(Job.id == job_id, Job.attempts == attempt).values(**values)
    )
    db.session.commit()
    return values["status"], delay


def run_queued(app: Flask, *, include_later: bool = True, limit: int = 1000) -> int:
    """Run the queued jobs now, in this process, without the broker (tests, the CLI);
    ``include_later`` also runs retries whose backoff has not passed. Returns how many runs."""
    runs = 0
    while runs < limit:
        with app.app_context():
            stmt = db.select(Job.id).where(Job.status == "queued").order_by(Job.created_at)
            if not include_later:
                stmt = stmt.where(Job.run_after <= utcnow())
            job_id = db.session.scalar(stmt.limit(1))
            db.session.remove()
        if job_id is None:
            break
        execute(app, job_id)
        runs += 1
    return runs


# --- housekeeping: lost jobs, periodic ticks --------------------------------------------------


@periodic(minutes=1)
def requeue_stale() -> int:
    """Hand lost jobs to the broker again: running ones whose worker vanished (lease over)
    and queued ones whose broker message never arrived."""
    now = utcnow()
    seconds = current_app.config.get("JOB_REDISPATCH_SECONDS")
    redispatch_after = timedelta(seconds=seconds) if seconds else REDISPATCH_AFTER
    lost = list(
        db.session.scalars(
            db.select(Job.id).where(
                or_(
                    and_(Job.status == "running", Job.lease_until < now),
                    and_(
                        Job.status == "queued",
                        Job.run_after <= now - redispatch_after,
                        or_(
                            Job.dispatched_at.is_(None),
                            Job.dispatched_at <= now - redispatch_after,
                        ),
                    ),
                )
            )
        )
    )
    if lost:
        db.session.execute(
            update(Job)
            .where(Job.id.in_(lost), Job.status == "running", Job.lease_until < now)
            .values(status="queued", reason="the worker running it stopped", lease_until=None)
        )
        db.session.execute(update(Job).where(Job.id.in_(lost)).values(dispatched_at=now))
        session = db.session()
        session.info.setdefault(_PENDING, []).extend((job_id, 0) for job_id in lost)
    return len(lost)


def tick(app: Flask, spec: PeriodicSpec, now: datetime | None = None) -> Job | None:
    """Queue this minute's run of a periodic task, unless another worker already has."""
    now = now or utcnow()
    slot = now.replace(second=0, microsecond=0)
    with app.app_context():
        try:
            job = enqueue(spec.task.fn, key=f"{spec.task.name}@{slot.isoformat()}")
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return None
        finally:
            db.session.remove()
        return job


def purge_finished(older_than: timedelta) -> int:
    """Delete finished jobs older than ``older_than`` (they are a record, not a log)."""
    cutoff = utcnow() - older_than
    result = db.session.execute(
        db.delete(Job).where(Job.status.in_(("done", "failed")), Job.finished_at < cutoff)
    )
    return result.rowcount


@task(retries=0)
def ping() -> str:
    """A job that does nothing: for `make bench` (jobs per second) and health checks."""
    return "pong"


@periodic(minutes=60)
def purge_old_jobs() -> int:
    """Finished jobs are kept for a week: long enough to show a failure and its reason."""
    return purge_finished(timedelta(days=7))


# --- the engine per app ------------------------------------------------------------------


class Engine:
    """The Huey instance of one app (made on first use: immediate mode never needs one), with
    its one generic task and the periodic ticks."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.url = app.config.get("JOB_QUEUE_URL") or ""
        immediate = app.config.get("JOB_QUEUE_IMMEDIATE")
        self.immediate = bool(app.testing and not self.url) if immediate is None else immediate
        self.run_now: list[str] = []
        self.running_now = False
        self._huey: Huey | None = None
        self._run_job = None

    @property
    def huey(self) -> Huey:
        if self._huey is None:
            self._huey = self._make()
        return self._huey

    @property
    def run_job(self):
        self.huey  # noqa: B018 - registers the task
        return self._run_job

    def _make(self) -> Huey:
        app = self.app
        huey = make_huey(self.url, Path(app.instance_path))

        @huey.task(name="wedding.run_job")
        def run_job(job_id: str) -> None:
            status, delay = execute(app, job_id)
            if status == "queued":
                dispatch(app, job_id, delay)

        self._run_job = run_job
        for spec in _PERIODIC.values():
            _schedule(huey, app, spec)
        return huey

    def close(self) -> None:
        """Close the broker's connections (tests; a worker simply exits)."""
        if self._huey is not None:
            self._huey.storage.close()


def _schedule(huey: Huey, app: Flask, spec: PeriodicSpec) -> None:
    minute = "*" if spec.minutes == 1 else f"*/{spec.minutes}"
    if spec.minutes >= 60:
        minute = "0"

    @huey.periodic_task(crontab(minute=minute), name=f"tick:{spec.task.name}")
    def run_tick() -> None:
        tick(app, spec)


def make_huey(url: str, instance: Path) -> Huey:
    """The broker a URL names: unset → SQLite file in the instance folder; sqlite:///path;
    redis://… (rediss://, unix://); postgresql://… (psycopg 3); memory:// (one process)."""
    name = "wedding"
    options = {"results": False, "utc": True}
    if not url:
        instance.mkdir(exist_ok=True)
        return SqliteHuey(name, filename=str(instance / "jobs.sqlite"), **options)
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return SqliteHuey(name, filename=url.removeprefix("sqlite:///"), **options)
    if scheme in ("redis", "rediss", "unix"):
        return RedisHuey(name, url=url, **options)
    if scheme.startswith("postgres"):
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return PostgresHuey(name, dsn=dsn, **options)
    if scheme == "memory":
        return MemoryHuey(name, **options)
    raise ValueError(f"JOB_QUEUE_URL {url!r}: use redis://, postgresql://, sqlite:/// or memory://")


def init_app(app: Flask) -> None:
    app.extensions["wedding.jobs"] = Engine(app)
    app.register_blueprint(bp)


def engine_of(app: Flask) -> Engine:
    return app.extensions["wedding.jobs"]


bp = Blueprint("jobs", __name__)


@bp.get("/jobs/<job_id>")
@login_required
def status(job_id: str):
    """A job of the signed-in planner's company, as JSON, for pages that poll it."""
    job = get_job(job_id, current_user.org_id)
    if job is None:
        abort(404)
    response = jsonify(job.as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
@click.option("--no-periodic", is_flag=True, help="Do not tick the periodic jobs here.")
@with_appcontext
def worker_command(threads: int, no_periodic: bool) -> None:
    """Run background jobs (and the periodic ones) until Ctrl+C or SIGTERM.

    The broker is JOB_QUEUE_URL (unset: a SQLite file in the instance folder). Start as many
    workers on as many machines as you like against one broker and one database."""
    app = current_app._get_current_object()
    engine = engine_of(app)
    if engine.immediate:
        raise click.ClickException("JOB_QUEUE_IMMEDIATE is set: jobs run in the web process")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"worker: {threads} threads on {engine.url or 'the embedded SQLite queue'}")
    consumer = engine.huey.create_consumer(
        workers=threads,
        worker_type="thread",
        periodic=not no_periodic,
        initial_delay=0.05,
        backoff=1.5,
        max_delay=1.0,
    )
    consumer.run()
