"""Requests per second through gunicorn (4 workers), each beside a bare Flask floor.

wrk (Debian's package) drives each server for a fixed time from another process; the floor is
a Flask app answering a small JSON document on the same gunicorn settings, measured in the same
run, because this machine's speed swings about 2x within minutes while the ratio holds still.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, text

from bench import bare_write
from bench.booking import OVERLAPS_SQL, seed_venues
from bench.common import POSTGRESQL_URL, dispose, migrated_app, reset_postgresql
from tests.live import ROOT, free_port, server_env
from wedding.accounts.models import User
from wedding.accounts.services import create_api_token
from wedding.ceremonies.models import Ceremony
from wedding.demo import load_demo
from wedding.models import db

SECONDS = int(os.environ.get("WEDDING_BENCH_SECONDS", "10"))
WORKERS = 4
USER_AGENT = "wedding-bench"
TOKYO = ZoneInfo("Asia/Tokyo")

HOLDS_LUA = """
counter = 0
venues = {%(venues)s}
first_day = %(first_day)d
setup = function(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
init = function(args)
  n = 0
end
request = function()
  -- Each thread walks its own days: four 90-minute slots a day at every venue, never twice.
  local k = n * %(threads)d + offset
  n = n + 1
  local venue = venues[(k %% #venues) + 1]
  local slot = math.floor(k / #venues)
  local day = first_day + math.floor(slot / 4)
  local hour = 9 + 3 * (slot %% 4)
  local start = os.date("!%%Y-%%m-%%dT", day * 86400) .. string.format("%%02d:00:00+09:00", hour)
  local body = '{"venue_id": ' .. venue .. ', "start": "' .. start ..
    '", "duration_minutes": 90, "status": "hold"}'
  return wrk.format("POST", "/api/v1/bookings", nil, body)
end
"""


@contextmanager
def gunicorn(app_spec: str, env: dict, workers: int = WORKERS):
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and app
        [*command, "--backlog", "2048", app_spec],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=2)  # noqa: S310 - our server
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {app_spec} did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def wrk(url: str, connections: int, headers: dict | None = None, script: str = "") -> dict:
    """Requests/s, p99 (ms) and non-2xx count of one fixed-time wrk run."""
    command = [
        "wrk",
        "-t",
        str(min(2, connections)),
        "-c",
        str(connections),
        "-d",
        f"{SECONDS}s",
        "--latency",
    ]
    for name, value in {"User-Agent": USER_AGENT, **(headers or {})}.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    if script:
        command += ["-s", lua.name]
    command.append(url)
    if not script:  # warm every worker up (a script's requests each count once)
        warm = [*command]
        warm[warm.index(f"{SECONDS}s")] = "2s"
        subprocess.run(warm, capture_output=True, check=True)  # noqa: S603
    output = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    Path(lua.name).unlink()
    output = output.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    non2xx = int(errors.group(1)) if errors else 0
    return {"rate": rate, "p99": float(p99.group(1)) * scale, "non2xx": non2xx}


def bare_floor() -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with gunicorn("bench.bare:app", env) as base:
        return wrk(base + "/", 16)


def session_cookie(base: str, email: str, password: str) -> str:
    """Sign in as a browser would (CSRF token from the form) and return the Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # The same User-Agent as wrk's requests: Flask-Login ties the session to it.
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    opener.open(base + "/login", body.encode())
    opener.open(base + "/")  # a browser's first page puts its CSRF token in the session
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def seed(url: str) -> dict:
    app = migrated_app(url)
    with app.app_context():
        email, password = load_demo(datetime.now(TOKYO).date())
        db.session.commit()
        user = db.session.scalar(db.select(User).where(User.email == email))
        _, token = create_api_token(user)
        ceremony = db.session.scalar(db.select(Ceremony).order_by(Ceremony.id))
        venues = seed_venues(user.org_id, 20)
        db.session.commit()
        found = {
            "email": email,
            "password": password,
            "token": token,
            "ceremony": ceremony.id,
            "venue": ceremony.venue_id,
            "venues": [v.id for v in venues],
            "month": ceremony.starts_at.astimezone(TOKYO).strftime("%Y-%m"),
        }
    dispose(app)
    return found


def line(label: str, name: str, figures: dict, floor: float, target: float) -> None:
    share = figures["rate"] / floor * 100
    mark = "ok" if share >= target else "below"
    print(
        f"{label:10} {name:46} {figures['rate']:8.0f} req/s  p99 {figures['p99']:7.1f} ms  "
        f"{share:5.1f} % of floor (target ≥ {target:g} %: {mark})"
        + (f"  non-2xx {figures['non2xx']}" if figures["non2xx"] else "")
    )


def pages(label: str, url: str, floor: float) -> None:
    """Each request served again while its data is unchanged (the response cache of
    wedding/freshness.py), then made every time (the cache off): the cost of making it."""
    data = seed(url)
    for cache in (True, False):
        env = {**server_env(url), "FLASK_RESPONSE_CACHE": "true" if cache else "false"}
        with gunicorn("wedding:create_app()", env) as base:
            cookie = {"Cookie": session_cookie(base, data["email"], data["password"])}
            bearer = {"Authorization": f"Bearer {data['token']}"}
            first = f"{data['month']}-01"
            last = (date.fromisoformat(first) + timedelta(days=31)).replace(day=1) - timedelta(
                days=1
            )
            for name, path, headers, connections, target in (
                ("dashboard, signed in", "/", cookie, 8, 10),
                ("ceremony page", f"/ceremonies/{data['ceremony']}", cookie, 8, 10),
                ("month grid", f"/booking/?month={data['month']}", cookie, 8, 10),
                (
                    "API availability, one venue-month",
                    f"/api/v1/venues/{data['venue']}/availability?from={first}&to={last}",
                    bearer,
                    16,
                    25,
                ),
            ):
                figures = wrk(base + path, connections, headers)
                line(label, f"{name} ({'unchanged' if cache else 'made'})", figures, floor, target)
            if label == "postgresql" and cache:
                holds(base, data, bearer, floor, url)


def holds(base: str, data: dict, bearer: dict, floor: float, url: str) -> None:
    first_day = datetime.now(UTC).date() + timedelta(days=20)
    headers = {**bearer, "Content-Type": "application/json"}
    figures = wrk(base + "/api/v1/bookings", 16, headers, holds_script(data, first_day))
    app = migrated_app(url)
    with app.app_context():
        overlaps = db.session.execute(text(OVERLAPS_SQL)).scalar()
        created = db.session.scalar(text("SELECT count(*) FROM ceremonies WHERE status = 'hold'"))
        ours = db.select(func.max(Ceremony.starts_at)).where(Ceremony.venue_id.in_(data["venues"]))
        last = db.session.scalar(ours)
    dispose(app)
    line("postgresql", "API holds on distinct slots", figures, floor, 25)
    print(f"{'':10} {created:,} holds in all; overlapping active bookings after: {overlaps}")
    print(f"{'':10} 32 holds of one slot at once: {race(base, data, headers)} (must be 1 won)")
    ceiling = write_ceiling(url, holds_script(data, first_day))
    print(
        f"{'ceiling':10} {'bare Flask + one INSERT committed (no ORM)':46} "
        f"{ceiling['rate']:8.0f} req/s  p99 {ceiling['p99']:7.1f} ms  "
        f"{ceiling['rate'] / floor * 100:5.1f} % of floor; the holds reach "
        f"{figures['rate'] / ceiling['rate'] * 100:.0f} % of it"
    )
    # On the days after ours: both leave their holds in the same table.
    lean = lean_hold(url, headers, holds_script(data, last.date() + timedelta(days=1)))
    print(
        f"{'lean hold':10} {'bare Flask + the same rules, 2 statements':46} "
        f"{lean['rate']:8.0f} req/s  p99 {lean['p99']:7.1f} ms  "
        f"{lean['rate'] / floor * 100:5.1f} % of floor; "
        f"{lean['non2xx']} not held (bench/bare_hold.py)"
    )


def holds_script(data: dict, first_day: date) -> str:
    """wrk's Lua: holds on distinct free slots of the bench's venues from ``first_day`` on."""
    return textwrap.dedent(
        HOLDS_LUA
        % {
            "venues": ", ".join(map(str, data["venues"])),
            "first_day": (first_day - date(1970, 1, 1)).days,
            "threads": 2,
        }
    )


def write_ceiling(url: str, script: str) -> dict:
    """The same requests to bench/bare_write.py: one INSERT committed per request and nothing
    else, the most any durable write through Flask and PostgreSQL can do here."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {bare_write.TABLE}"))
        conn.execute(
            text(
                f"CREATE TABLE {bare_write.TABLE} (id bigserial PRIMARY KEY, venue_id int,"
                " start text, at timestamptz DEFAULT now())"
            )
        )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_WRITE_URL": url}
    try:
        with gunicorn("bench.bare_write:app", env) as base:
            headers = {"Content-Type": "application/json"}
            return wrk(base + "/write", 16, headers, script.replace("/api/v1/bookings", "/write"))
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {bare_write.TABLE}"))
        engine.dispose()


def lean_hold(url: str, headers: dict, script: str) -> dict:
    """The same holds to bench/bare_hold.py: the same rules and the same database refusing an
    overlap, in two statements through the raw driver: what any hold could reach here."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_WRITE_URL": url}
    with gunicorn("bench.bare_hold:app", env) as base:
        return wrk(base + "/api/v1/bookings", 16, headers, script)


def race(base: str, data: dict, headers: dict, racers: int = 32) -> str:
    """Hold one free slot from 32 connections at once: exactly one may win."""
    day = datetime.now(UTC).date() + timedelta(days=200)  # past the distinct holds
    body = json.dumps(
        {
            "venue_id": data["venues"][0],
            "start": f"{day.isoformat()}T10:00:00+09:00",
            "duration_minutes": 90,
            "status": "hold",
        }
    ).encode()
    start = threading.Barrier(racers)

    def attempt(_) -> int:
        request = urllib.request.Request(  # noqa: S310 - our server
            base + "/api/v1/bookings", body, headers, method="POST"
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - ours
                return answer.status
        except urllib.error.HTTPError as refused:
            return refused.code

    with ThreadPoolExecutor(racers) as pool:
        answers = Counter(pool.map(attempt, range(racers)))
    others = {status: n for status, n in answers.items() if status not in (201, 409)}
    return f"{answers[201]} won, {answers[409]} refused as taken" + (
        f", other answers {others}" if others else ""
    )


def run() -> None:
    print(f"== HTTP: gunicorn {WORKERS} workers, wrk {SECONDS} s per figure ==")
    if not shutil.which("wrk"):
        print("skipped: wrk is not installed (make setup installs it)")
        return
    floor = bare_floor()
    rate, p99 = floor["rate"], floor["p99"]
    print(f"{'floor':10} {'bare Flask JSON':46} {rate:8.0f} req/s  p99 {p99:7.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/http.sqlite")]
        if POSTGRESQL_URL:
            reset_postgresql(POSTGRESQL_URL)
            targets.append(("postgresql", POSTGRESQL_URL))
        for label, url in targets:
            pages(label, url, floor["rate"])
