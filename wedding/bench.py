"""`make bench`: timings of what planners wait for, printed, never asserted.

Runs against a throw-away SQLite database (and PostgreSQL when WEDDING_BENCH_POSTGRESQL_URL is
set), warm, in this process. Later capabilities add their figures here.
"""

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from wedding import create_app
from wedding.accounts.services import create_user, get_or_create_org
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.personas.models import Companion
from wedding.venues.models import Venue

PASSWORD = "bench-password-123"  # noqa: S105


def timed(fn: Callable[[], object], repeat: int = 50) -> tuple[float, float]:
    """Median and p95 in milliseconds after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def seed(ceremonies: int = 500) -> str:
    org = get_or_create_org("Bench Bridal")
    user = create_user(org, "bench@example.com", PASSWORD, role="owner")
    venues = [Venue(org_id=org.id, name=f"Hall {i}") for i in range(20)]
    clients = [Client(org_id=org.id, full_name=f"客 {i}") for i in range(ceremonies)]
    db.session.add_all(venues + clients)
    db.session.flush()
    companions = [Companion(org_id=org.id, client_id=c.id, name=f"伴 {c.id}") for c in clients]
    db.session.add_all(companions)
    db.session.flush()
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for i, companion in enumerate(companions):
        begins = start + timedelta(hours=3 * i)
        db.session.add(
            Ceremony(
                org_id=org.id,
                client_id=companion.client_id,
                companion_id=companion.id,
                venue_id=venues[i % 20].id,
                starts_at=begins,
                ends_at=begins + timedelta(minutes=90),
                status="confirmed",
            )
        )
    db.session.commit()
    return user.email


def bench_backend(label: str, url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        upgrade()
        email = seed()
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
    for name, path in (
        ("dashboard (500 ceremonies)", "/"),
        ("ceremony list page", "/ceremonies/"),
        ("client search", "/clients/?q=%E5%AE%A2%2012"),
    ):
        median, p95 = timed(lambda path=path: client.get(path))
        print(f"{label:10} {name:30} median {median:6.1f} ms   p95 {p95:6.1f} ms")
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_backend("sqlite", f"sqlite:///{tmp}/bench.sqlite")
    pg_url = os.environ.get("WEDDING_BENCH_POSTGRESQL_URL")
    if pg_url:
        engine = create_engine(pg_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        bench_backend("postgresql", pg_url)


if __name__ == "__main__":
    main()
