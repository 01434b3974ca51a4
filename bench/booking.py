"""Booking figures: month availability over 20 venues with 10,000 bookings, and holds per
second through the API against PostgreSQL with 4 gunicorn workers."""

import gc
import http.client
import json
import threading
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from bench.common import POSTGRESQL_URL, databases, dispose, migrated_app, reset_postgresql, timed
from tests.live import serve
from wedding.accounts.services import create_api_token, create_user, get_or_create_org
from wedding.booking import services as booking
from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.venues.models import Closure, OpeningHours, Venue

VENUES = 20
BOOKINGS = 10_000
TOKYO = ZoneInfo("Asia/Tokyo")
OVERLAPS_SQL = """
SELECT count(*) FROM ceremonies a JOIN ceremonies b
  ON a.venue_id = b.venue_id AND a.id < b.id
 AND a.status IN ('hold', 'confirmed') AND b.status IN ('hold', 'confirmed')
 AND a.starts_at < b.blocked_until AND b.starts_at < a.blocked_until
"""


def seed_venues(org_id: int, count: int) -> list[Venue]:
    """Venues open every day, each with three years of history: a maintenance day a week
    behind it (what a real venue's list of closures looks like) and a closure far ahead."""
    venues, today = [], date.today()
    for i in range(count):
        venue = Venue(org_id=org_id, name=f"Hall {i:02d}", buffer_minutes=30)
        venue.hours = [OpeningHours(weekday=d, opens=time(9), closes=time(21)) for d in range(7)]
        past = [today - timedelta(days=7 * n) for n in range(1, 157)]
        venue.closures = [Closure(starts_on=d, ends_on=d, reason="点検") for d in past]
        ahead = today + timedelta(days=400)  # past the holds and the race of bench/http.py
        venue.closures.append(Closure(starts_on=ahead, ends_on=ahead, reason="改装"))
        venues.append(venue)
    db.session.add_all(venues)
    db.session.flush()
    return venues


def seed_bookings(org_id: int, venues: list[Venue], total: int, first: date) -> None:
    """``total`` non-overlapping 90-minute bookings: four a day per venue, from ``first``."""
    rows, per_venue = [], total // len(venues)
    hold_until = datetime.now(UTC) + timedelta(days=7)
    for venue in venues:
        for n in range(per_venue):
            day = first + timedelta(days=n // 4)
            start = datetime.combine(day, time(9 + 3 * (n % 4)), tzinfo=TOKYO)
            status = "confirmed" if n % 3 else "hold"
            rows.append(
                {
                    "org_id": org_id,
                    "venue_id": venue.id,
                    "starts_at": start,
                    "blocked_from": start,
                    "ends_at": start + timedelta(minutes=90),
                    "blocked_until": start + timedelta(minutes=120),
                    "status": status,
                    "hold_expires_at": hold_until if status == "hold" else None,
                    "notes": "",
                }
            )
    db.session.execute(insert(Ceremony), rows)
    db.session.commit()


def month_figures(label: str, url: str) -> None:
    app = migrated_app(url)
    with app.app_context():
        org = get_or_create_org("Bench Bridal")
        venues = seed_venues(org.id, VENUES)
        today = datetime.now(TOKYO).date()
        seed_bookings(org.id, venues, BOOKINGS, today)
        first, last = booking.month_range(today + timedelta(days=40))
        venue_ids = [v.id for v in venues]

        def month_view():
            db.session.expire_all()
            rows = db.session.scalars(  # loaded as the month grid loads them
                db.select(Venue).where(Venue.id.in_(venue_ids)).options(*booking.rules_options())
            )
            return booking.availability(list(rows), first, last)

        free = sum(len(d.free) for days in month_view().values() for d in days)
        # As in a served worker (wedding/worker.py): what the process holds for life (here the
        # seeding's leftovers) is kept out of the collector's full passes, whose pauses were
        # the whole p95 here (~230 ms against a median of ~46 ms).
        gc.collect()
        gc.freeze()
        median, p95 = timed(month_view, repeat=60)
        gc.unfreeze()
        print(
            f"{label:10} month of {VENUES} venues  median {median:6.1f} ms   "
            f"p95 {p95:6.1f} ms   (target p95 ≤ 50 ms; {free:,} free slots)"
        )
    dispose(app)


def availability_figures() -> None:
    print(f"== Availability: one month, {VENUES} venues, {BOOKINGS:,} bookings ==")
    with databases() as targets:
        for label, url in targets:
            month_figures(label, url)


def throughput_figures(requests: int = 1200, threads: int = 16) -> None:
    print("== Holds through the API (PostgreSQL, 4 gunicorn workers) ==")
    if not POSTGRESQL_URL:
        print("skipped: set WEDDING_TEST_POSTGRESQL_URL (or WEDDING_BENCH_POSTGRESQL_URL)")
        return
    reset_postgresql(POSTGRESQL_URL)
    app = migrated_app(POSTGRESQL_URL)
    with app.app_context():
        org = get_or_create_org("Throughput Bridal")
        user = create_user(org, "api@example.com", "bench-password-123", role="planner")
        venues = seed_venues(org.id, VENUES)
        _, token = create_api_token(user)
        db.session.commit()
        venue_ids = [v.id for v in venues]
    start_day = datetime.now(TOKYO).date() + timedelta(days=10)
    bodies = [
        {
            "venue_id": venue_ids[n % VENUES],
            "start": datetime.combine(
                start_day + timedelta(days=n // (VENUES * 4)),
                time(9 + 3 * ((n // VENUES) % 4)),
                tzinfo=TOKYO,
            ).isoformat(),
            "duration_minutes": 90,
            "status": "hold",
        }
        for n in range(requests)
    ]
    with serve(POSTGRESQL_URL, workers=4) as base:
        host = urlsplit(base).netloc
        statuses: list[int] = []
        lock = threading.Lock()

        def worker(chunk):
            connection = http.client.HTTPConnection(host, timeout=30)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            for body in chunk:
                connection.request("POST", "/api/v1/bookings", json.dumps(body), headers)
                response = connection.getresponse()
                response.read()
                with lock:
                    statuses.append(response.status)
            connection.close()

        # warm every worker up first
        worker([{**bodies[0], "start": "2000-01-01T10:00:00+09:00"}] * 8)
        statuses.clear()
        chunks = [bodies[i::threads] for i in range(threads)]
        began = clock.perf_counter()
        pool = [threading.Thread(target=worker, args=(c,)) for c in chunks]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = clock.perf_counter() - began
    with app.app_context():
        overlaps = db.session.execute(text(OVERLAPS_SQL)).scalar()
    created = statuses.count(201)
    print(
        f"postgresql {created:,} holds on distinct slots in {elapsed:.2f} s: "
        f"{created / elapsed:6.0f} bookings/s (target ≥ 200/s); "
        f"other answers {len(statuses) - created}; overlapping active bookings after: {overlaps}"
    )
    dispose(app)


def run() -> None:
    availability_figures()
    throughput_figures()
