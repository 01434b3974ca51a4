"""Helpers for the benchmarks: timing, throw-away databases, quiet migrations."""

import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from wedding import create_app
from wedding.models import db, dispose_engines

POSTGRESQL_URL = os.environ.get(
    "WEDDING_BENCH_POSTGRESQL_URL", os.environ.get("WEDDING_TEST_POSTGRESQL_URL", "")
)


def _median_p95(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def timed(fn: Callable[[], object], repeat: int = 50) -> tuple[float, float]:
    """Median and p95 in milliseconds, after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return _median_p95(samples)


def reference_workload() -> int:
    total = 0
    for number in range(1_000_000):
        total += number
    return total


def timed_against_reference(
    fn: Callable[[], object], repeat: int = 15, reference: Callable[[], object] | None = None
) -> tuple[float, float, float]:
    """Median and p95 milliseconds of ``fn``, and the median of its ratio to a reference
    timed right after each call (a fixed pure-Python workload unless given, e.g. a floor
    document): this VM's speed swings by 2x within minutes, the ratio hardly moves, so runs on
    a slow minute and a quiet one can be compared."""
    reference = reference or reference_workload
    fn()
    samples, ratios = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        middle = time.perf_counter()
        reference()
        end = time.perf_counter()
        samples.append((middle - start) * 1000)
        ratios.append((middle - start) / (end - middle))
    return *_median_p95(samples), statistics.median(ratios)


def reset_postgresql(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def databases() -> Iterator[tuple[str, str]]:
    """(label, url) of an empty SQLite file, and of PostgreSQL when a URL is configured."""
    with tempfile.TemporaryDirectory() as tmp:
        found = [("sqlite", f"sqlite:///{tmp}/bench.sqlite")]
        if POSTGRESQL_URL:
            reset_postgresql(POSTGRESQL_URL)
            found.append(("postgresql", POSTGRESQL_URL))
        yield found


def migrated_app(url: str) -> Flask:
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app


def settle(app: Flask) -> None:
    """After bulk seeding: what a running database does by itself (PostgreSQL's autovacuum
    cleans and gathers the planner's statistics), so that plans are the steady state's."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))


def dispose(app: Flask) -> None:
    with app.app_context():
        dispose_engines()
