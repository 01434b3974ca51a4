"""Job engine figures: a planner's request that sends mail, with a fast and a slow mail server
(the request must not grow with the server's delay), and jobs per second through one worker
on each broker: the embedded SQLite queue; Redis when reachable (WEDDING_BENCH_REDIS_URL, else
redis://127.0.0.1:6379/15); Huey's PostgreSQL storage when WEDDING_TEST_POSTGRESQL_URL is set.
A broker that cannot be measured is named with the reason."""

import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from bench.common import POSTGRESQL_URL, dispose, migrated_app, reset_postgresql
from tests.conftest import PASSWORD, Web
from tests.live import ROOT
from tests.mail import start_smtp
from wedding import create_app
from wedding.accounts.services import create_user, get_or_create_org
from wedding.clients.models import Client
from wedding.jobs import Job, enqueue, ping
from wedding.models import db

REDIS_URL = os.environ.get("WEDDING_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SENDS = 40
JOBS = 400


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wedding", "worker", "--threads", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def _wait_done(app, total: int, name: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            done = db.session.scalar(
                db.select(db.func.count())
                .select_from(Job)
                .where(Job.status == "done", Job.name.endswith(name))
            )
            db.session.remove()
        if done >= total or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def mail_request(tmp: str) -> None:
    """POST 'E-mail a link' with the mail server answering at once, then after 1 s."""
    url = f"sqlite:///{tmp}/mail.sqlite"
    queue = f"sqlite:///{tmp}/mail-queue.sqlite"
    dispose(migrated_app(url))
    controller, inbox = start_smtp()
    handle = inbox.handle_DATA
    delay = {"seconds": 0.0}

    async def slow(server, session, envelope):
        await asyncio.sleep(delay["seconds"])
        return await handle(server, session, envelope)

    inbox.handle_DATA = slow
    config = {
        "TESTING": True,
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": url,
        "JOB_QUEUE_URL": queue,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    app = create_app(config)
    with app.app_context():
        org = get_or_create_org("Bench Co")
        user = create_user(org, "bench@example.com", PASSWORD, role="planner")
        clients = [
            Client(org_id=org.id, full_name=f"C{n}", email=f"c{n}@example.com", language="ja")
            for n in range(SENDS)
        ]
        db.session.add_all(clients)
        db.session.commit()
        client_ids = [c.id for c in clients]
        db.session.refresh(user)
        db.session.expunge(user)
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": "bench",
        "FLASK_SQLALCHEMY_DATABASE_URI": url,
        "FLASK_JOB_QUEUE_URL": queue,
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(controller.port),
    }
    worker = _worker(env)
    web = Web(app)
    web.login(user)
    page = web.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    try:
        for seconds in (0.0, 1.0):
            delay["seconds"] = seconds
            samples = []
            for client_id in client_ids[: SENDS // 2] if seconds == 0 else client_ids[SENDS // 2 :]:
                start = time.perf_counter()
                response = web.client.post(
                    f"/clients/{client_id}/portal/send", data={"csrf_token": token}
                )
                samples.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 303
            print(
                f"jobs       'E-mail a link' request, mail server answering after {seconds:.0f} s: "
                f"median {statistics.median(samples):6.1f} ms  max {max(samples):6.1f} ms "
                "(must not grow with the delay)"
            )
        _wait_done(app, SENDS, "mail_portal_link", timeout=120)
        print(f"jobs       mails delivered by the worker afterwards: {len(inbox.messages)}/{SENDS}")
    finally:
        _stop(worker)
        controller.stop()
        dispose(app)


def jobs_per_second(label: str, url: str, queue: str) -> None:
    app = migrated_app(url)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "JOB_QUEUE_URL": queue,
        }
    )
    engine = app.extensions["wedding.jobs"]
    engine.huey.flush()
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": "bench",
        "FLASK_SQLALCHEMY_DATABASE_URI": url,
        "FLASK_JOB_QUEUE_URL": queue,
    }
    worker = _worker(env)
    try:
        with app.app_context():  # let the worker start and tick once
            enqueue(ping)
            db.session.commit()
        _wait_done(app, 1, ".ping", timeout=120)
        with app.app_context():
            db.session.execute(db.delete(Job))
            db.session.commit()
            for _ in range(JOBS):
                enqueue(ping)
            start = time.perf_counter()
            db.session.commit()
        _wait_done(app, JOBS, ".ping")
        seconds = time.perf_counter() - start
        print(
            f"jobs       {label}: {JOBS} jobs through one worker (2 threads): "
            f"{JOBS / seconds:6.0f} jobs/s"
        )
    finally:
        _stop(worker)
        engine.close()
        dispose(app)


def redis_unreachable(url: str) -> str | None:
    """Why the Redis at this URL cannot be measured, or None when it answers."""
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:  # not installed, refused, wrong password…
        return f"{type(error).__name__}: {error}"
    return None


def broker_figures(tmp: str) -> None:
    """Jobs per second through one worker on every broker we can reach here."""
    jobs_per_second(
        "SQLite database, embedded SQLite queue",
        f"sqlite:///{tmp}/jobs.sqlite",
        f"sqlite:///{tmp}/queue.sqlite",
    )
    why_not_redis = redis_unreachable(REDIS_URL)
    if why_not_redis:
        print(f"jobs       Redis queue skipped: {REDIS_URL} does not answer ({why_not_redis})")
    else:
        jobs_per_second(
            "SQLite database, Redis queue", f"sqlite:///{tmp}/jobs-redis.sqlite", REDIS_URL
        )
    if not POSTGRESQL_URL:
        print(
            "jobs       PostgreSQL queue skipped: no PostgreSQL URL "
            "(WEDDING_BENCH_POSTGRESQL_URL or WEDDING_TEST_POSTGRESQL_URL)"
        )
        return
    reset_postgresql(POSTGRESQL_URL)
    jobs_per_second("PostgreSQL database, Huey's PostgreSQL queue", POSTGRESQL_URL, POSTGRESQL_URL)
    if not why_not_redis:
        reset_postgresql(POSTGRESQL_URL)
        jobs_per_second("PostgreSQL database, Redis queue", POSTGRESQL_URL, REDIS_URL)


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mail_request(tmp)
        broker_figures(tmp)


if __name__ == "__main__":
    run()
