"""Fixtures: an app per database backend, a signed-in browser, and record factories.

Every test that uses ``app`` runs on SQLite and, when WEDDING_TEST_POSTGRESQL_URL is set
(for example postgresql+psycopg://postgres@127.0.0.1:5432/test), on PostgreSQL too.
"""

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.ctx import RequestContext
from flask_migrate import upgrade
from flask_wtf.csrf import generate_csrf
from sqlalchemy import create_engine, make_url, text
from werkzeug.routing import Rule
from werkzeug.test import EnvironBuilder

from wedding import create_app
from wedding.accounts.models import Organisation
from wedding.accounts.services import create_user, get_or_create_org
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db, dispose_engines
from wedding.personas.models import Companion
from wedding.venues.models import OpeningHours, Venue


class OnceCompiledRule(Rule):
    """A URL rule whose builder functions are compiled once per process, not once per app.

    Werkzeug writes and compiles two Python functions per rule when an app is made (its
    ``_compile_builder``); every test makes its own app, so ~200 rules were compiled again in
    each: ~100 ms of a test's ~140 ms of making the app. The functions take the rule as an
    argument and depend only on the rule's path and the names of its defaults, which is the
    key here; a default filling a part of the path (folded in by its converter) is compiled
    as before. Tests only: a served process makes one app."""

    builders: ClassVar[dict[tuple, Callable]] = {}

    def _compile_builder(self, append_unknown: bool = True) -> Callable:
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return super()._compile_builder(append_unknown)
        key = (self.rule, tuple(self._trace), tuple(sorted(defaults)), append_unknown)
        if key not in self.builders:
            self.builders[key] = super()._compile_builder(append_unknown)
        return self.builders[key]


Flask.url_rule_class = OnceCompiledRule


def worker_database(url: str) -> str:
    """Under pytest-xdist (``make test`` runs two workers) each worker has a PostgreSQL
    database of its own, ``<name>_gw0``, ``<name>_gw1``…, created on first use."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


POSTGRESQL_URL = worker_database(os.environ.get("WEDDING_TEST_POSTGRESQL_URL", ""))
PASSWORD = "correct horse battery"

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgresql),
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow and browser tests first (in their files' order): ``make test`` (pytest-xdist's
    worksteal) starts them early, and a process that runs out of tests takes half of what the
    other has left, so no minute-long test runs alone at the end."""
    items.sort(
        key=lambda item: (
            not item.get_closest_marker("slow") and not item.get_closest_marker("browser")
        )
    )


def app_config(url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production keeps scrypt
        **overrides,
    }


def reset_postgresql(url: str) -> None:
    """Leave the test database with an empty public schema."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A database migrated from empty to the current schema, once per backend per run."""
    if request.param == "postgresql":
        if not POSTGRESQL_URL:
            pytest.skip("WEDDING_TEST_POSTGRESQL_URL is not set")
        url = POSTGRESQL_URL
        reset_postgresql(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        dispose_engines()
    return url


@pytest.fixture
def app(database_url):
    """The app on a clean database; no context stays pushed, so each request gets its own."""
    app = create_app(app_config(database_url))
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        dispose_engines()


@pytest.fixture
def app_ctx(app):
    """An application context for service tests that work without HTTP."""
    with app.app_context():
        yield app


def saved(app, build):
    """Run ``build`` in its own app context, commit, and return the record detached but loaded."""
    with app.app_context():
        record = build()
        db.session.add(record)
        db.session.commit()
        db.session.refresh(record)
        db.session.expunge(record)
        return record


class Web:
    """A test client that signs in and sends forms with their CSRF token, as a browser would."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, url, **kwargs):
        # buffered: the body is read and the response closed, as a server does (work done
        # on close, like audit rows of page views, happens before the test looks)
        return self.client.get(url, buffered=True, **kwargs)

    def csrf_token(self) -> str:
        """The token this browser's forms carry: made by Flask-WTF's ``generate_csrf``, as a
        page's ``csrf_token()`` makes it, in this browser's session. Read off a page (the
        dashboard, when signed in) it cost a page for every form sent, a sixth of the form
        tests' time; that pages carry it is tested on its own (tests/test_csrf.py)."""
        # The session is saved back to the cookie after: the token's secret, if new, with it.
        with (
            self.client.session_transaction() as session,
            RequestContext(self.app, EnvironBuilder().get_environ(), session=session),
        ):
            return generate_csrf()

    def post(self, url, data=None, *, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token()
        return self.client.post(url, data=data, buffered=True, **kwargs)

    def login(self, user, password: str = PASSWORD):
        response = self.post("/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def web(app):
    return Web(app)


@pytest.fixture
def make_org(app):
    counter = iter(range(1, 10_000))
    return lambda name=None: saved(
        app, lambda: get_or_create_org(name or f"Planner Co {next(counter)}")
    )


@pytest.fixture
def make_user(app, make_org):
    counter = iter(range(1, 10_000))

    def make(org=None, role: str = "owner", email: str | None = None, **kwargs):
        org_id = (org or make_org()).id

        def build():
            org_row = db.session.get(Organisation, org_id)
            email_ = email or f"staff{next(counter)}@example.com"
            return create_user(org_row, email_, PASSWORD, role=role, **kwargs)

        return saved(app, build)

    return make


def venue_form(**overrides) -> dict:
    """What the venue page posts: details, rules and seven days of opening hours."""
    form = {
        "name": "Hall",
        "address": "",
        "timezone": "Asia/Tokyo",
        "capacity": "",
        "notes": "",
        "durations": "60, 90, 120",
        "buffer_minutes": "30",
        "slot_step_minutes": "30",
        "horizon_days": "730",
        "hold_days": "7",
        "reminder_days": "2",
    }
    for day in range(7):
        form |= {
            f"hours-{day}-open": "y",
            f"hours-{day}-opens": "10:00",
            f"hours-{day}-closes": "18:00",
        }
    return form | overrides


def future_day(days: int = 60, weekday: int | None = None) -> date:
    """A day safely in the future (in Tokyo), optionally moved forward to a weekday."""
    day = datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=days)
    while weekday is not None and day.weekday() != weekday:
        day += timedelta(days=1)
    return day


@pytest.fixture
def make_venue(app):
    """A venue open every day 09:00–20:00 unless ``hours`` says otherwise."""

    def make(org, hours=None, **fields):
        hours = {d: (time(9), time(20)) for d in range(7)} if hours is None else hours
        defaults = {
            "name": "Chapel",
            "timezone": "Asia/Tokyo",
            "durations": [60, 90, 120],
            "buffer_minutes": 30,
        }

        def build():
            venue = Venue(org_id=org.id, **{**defaults, **fields})
            venue.hours = [
                OpeningHours(weekday=d, opens=o, closes=c) for d, (o, c) in hours.items()
            ]
            return venue

        return saved(app, build)

    return make


@pytest.fixture
def make_client(app):
    def make(org, **fields):
        return saved(
            app,
            lambda: Client(org_id=org.id, **{"full_name": "佐藤 美咲", "language": "ja", **fields}),
        )

    return make


@pytest.fixture
def make_companion(app, make_client):
    def make(org, client=None, **fields):
        client = client or make_client(org)
        return saved(
            app,
            lambda: Companion(org_id=org.id, client_id=client.id, **{"name": "レン", **fields}),
        )

    return make


@pytest.fixture
def make_ceremony(app, make_venue, make_companion):
    def make(org, venue=None, companion=None, starts_at=None, **fields):
        venue = venue or make_venue(org)
        companion = companion or make_companion(org)
        starts_at = starts_at or datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
        ends_at = starts_at + timedelta(minutes=fields.pop("minutes", 90))
        fields = {
            "status": "hold",
            "blocked_until": ends_at,
            "hold_expires_at": datetime.now(UTC) + timedelta(days=7),
            **fields,
        }
        return saved(
            app,
            lambda: Ceremony(
                org_id=org.id,
                client_id=companion.client_id,
                companion_id=companion.id,
                venue_id=venue.id,
                starts_at=starts_at,
                ends_at=ends_at,
                **fields,
            ),
        )

    return make
