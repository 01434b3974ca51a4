"""Scale-out: two web servers and two job workers on one PostgreSQL and one Redis.

Bookings made through both servers never overlap; every mail produced by 50 actions reaches a
real SMTP server although one worker is killed (kill -9) half-way; a mail sent again after the
crash keeps its Message-ID, and the duplicates are counted. Slow (a minute or two): marked
``slow`` so that CI runs it once, not again in the Tokyo pass."""

import asyncio
import os
import re
import signal
import threading
import time
from collections import Counter
from datetime import time as clock
from itertools import pairwise

import pytest
import requests

from tests.conftest import PASSWORD, POSTGRESQL_URL, future_day
from tests.live import serve, server_env, start_worker, stop
from tests.mail import start_smtp
from wedding.accounts.models import User
from wedding.accounts.services import create_api_token
from wedding.ceremonies.models import ACTIVE, Ceremony
from wedding.clients.models import Client
from wedding.jobs import Job
from wedding.models import db

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

REDIS_URL = os.environ.get("WEDDING_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
ACTIONS = 50
SMTP_DELAY = 0.15  # seconds the mail server takes per message: jobs are in flight at the kill


def redis_or_skip():
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (.ci/run starts one)")
    connection.flushdb()
    return connection


def signed_in(base: str, email: str) -> tuple[requests.Session, str]:
    """A browser-like session of the planner on one server, and its CSRF token."""
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = session.post(
        f"{base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    page = session.get(f"{base}/", timeout=30).text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    return session, token


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_servers_two_workers_one_database_one_broker(
    app, database_url, make_user, make_venue, make_client
):
    if not POSTGRESQL_URL:
        pytest.skip("WEDDING_TEST_POSTGRESQL_URL is not set")
    broker = redis_or_skip()
    user = make_user(role="planner")
    venue = make_venue(user.org, hours={d: (clock(9), clock(21)) for d in range(7)})
    clients = [
        make_client(user.org, full_name=f"Client {n}", email=f"client{n}@example.com")
        for n in range(ACTIONS)
    ]
    with app.app_context():
        _, api_token = create_api_token(db.session.get(User, user.id))
        db.session.commit()

    controller, inbox = start_smtp()
    handle = inbox.handle_DATA

    async def slow_handle(server, session, envelope):
        await asyncio.sleep(SMTP_DELAY)
        return await handle(server, session, envelope)

    inbox.handle_DATA = slow_handle
    queue = {
        "FLASK_JOB_QUEUE_URL": REDIS_URL,
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(controller.port),
        "FLASK_JOB_LEASE_SECONDS": "8",
        "FLASK_JOB_REDISPATCH_SECONDS": "10",
    }
    saved_env = {key: os.environ.get(key) for key in queue}
    os.environ.update(queue)
    workers = [start_worker(server_env(database_url)) for _ in range(2)]
    try:
        with (
            serve(database_url, workers=2, job_queue=REDIS_URL, run_worker=False) as one,
            serve(database_url, workers=2, job_queue=REDIS_URL, run_worker=False) as two,
        ):
            # Bookings through both servers at once: overlapping slots, one winner each.
            day = future_day(25)
            bodies = [
                {
                    "venue_id": venue.id,
                    "start": f"{day.isoformat()}T{10 + (n % 8) // 2}:{(n % 2) * 30:02d}:00+09:00",
                    "duration_minutes": 60,
                    "status": "hold",
                }
                for n in range(24)
            ]
            statuses = book_together([one, two], api_token, bodies)
            assert set(statuses) <= {201, 409}, statuses
            assert statuses.count(201) >= 1

            # 50 portal links e-mailed, half through each server; one worker killed half-way.
            sessions = [signed_in(one, user.email), signed_in(two, user.email)]
            killed = threading.Event()

            def kill_half_way() -> None:
                deadline = time.monotonic() + 120
                while len(inbox.messages) < ACTIONS // 2 and time.monotonic() < deadline:
                    time.sleep(0.02)
                os.kill(workers[0].pid, signal.SIGKILL)
                killed.set()

            killer = threading.Thread(target=kill_half_way)
            killer.start()
            for n, client in enumerate(clients):
                base = (one, two)[n % 2]
                session, token = sessions[n % 2]
                response = session.post(
                    f"{base}/clients/{client.id}/portal/send",
                    data={"csrf_token": token},
                    allow_redirects=False,
                    timeout=30,
                )
                assert response.status_code == 303, response.text[:500]
            killer.join(timeout=130)
            assert killed.is_set()
            workers.append(start_worker(server_env(database_url)))  # a worker returns

            expected = {f"client{n}@example.com" for n in range(ACTIONS)}
            deadline = time.monotonic() + 180  # lease (8 s) + the next requeue tick (≤ 60 s)
            while {m["To"] for m in inbox.messages} != expected:
                assert time.monotonic() < deadline, (
                    f"{len(expected - {m['To'] for m in inbox.messages})} mails never arrived"
                )
                time.sleep(0.5)
            # A job killed after the server accepted its mail is run again once its lease has
            # run out: its mail then arrives twice, with the same Message-ID.
            while not all_mail_jobs_done(app):
                assert time.monotonic() < deadline, "a mail job was never finished"
                time.sleep(0.5)
    finally:
        for worker in workers:
            if worker.poll() is None:
                stop(worker)
        controller.stop()
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        broker.flushdb()

    per_recipient: dict[str, set[str]] = {}
    for message in inbox.messages:
        per_recipient.setdefault(message["To"], set()).add(message["Message-ID"])
    assert all(len(ids) == 1 for ids in per_recipient.values()), "a resent mail kept its id"
    counts = Counter(message["To"] for message in inbox.messages)
    duplicates = sum(count - 1 for count in counts.values())
    print(
        f"\nscale-out: {len(inbox.messages)} mails for {ACTIONS} actions, {duplicates} duplicates"
    )
    assert duplicates <= 2  # at most the jobs in flight in the killed worker (2 threads)

    with app.app_context():
        active = db.session.scalars(
            db.select(Ceremony)
            .where(Ceremony.venue_id == venue.id, Ceremony.status.in_(ACTIVE))
            .order_by(Ceremony.starts_at)
        ).all()
        assert len(active) == statuses.count(201)
        for first, second in pairwise(active):
            assert first.blocked_until <= second.starts_at, "two bookings overlap"
        jobs = db.session.scalars(db.select(Job).where(Job.name.like("%mail_portal_link"))).all()
        assert len(jobs) == ACTIONS and {job.status for job in jobs} == {"done"}
        again = sum(1 for job in jobs if job.attempts > 1)
        print(f"scale-out: {again} mail jobs run again after the kill")
        clients_seen = db.session.scalar(db.select(db.func.count()).select_from(Client))
        assert clients_seen == ACTIONS


def all_mail_jobs_done(app) -> bool:
    with app.app_context():
        statuses = db.session.scalars(
            db.select(Job.status).where(Job.name.like("%mail_portal_link"))
        ).all()
        db.session.remove()
    return len(statuses) == ACTIONS and set(statuses) == {"done"}


def book_together(bases: list[str], token: str, bodies: list[dict]) -> list[int]:
    """POST every booking at the same moment, alternating between the servers."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int | None] = [None] * len(bodies)

    def send(index: int, body: dict) -> None:
        barrier.wait()
        response = requests.post(
            f"{bases[index % len(bases)]}/api/v1/bookings",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        statuses[index] = response.status_code

    threads = [threading.Thread(target=send, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(status is not None for status in statuses), "a request never finished"
    return statuses
