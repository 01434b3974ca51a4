"""Calendar feed figures: a venue feed with 5,000 events, and its 304 answer."""

from datetime import datetime, timedelta

from flask import current_app

from bench.booking import TOKYO, seed_bookings, seed_venues
from bench.common import databases, dispose, migrated_app, timed
from wedding.accounts.services import get_or_create_org
from wedding.calendars.services import get_or_create_feed
from wedding.models import db

EVENTS = 5_000


def feed_figures(label: str, url: str) -> None:
    app = migrated_app(url)
    with app.app_context():
        org = get_or_create_org("Feed Bridal")
        (venue,) = seed_venues(org.id, 1)
        seed_bookings(org.id, [venue], EVENTS, datetime.now(TOKYO).date() + timedelta(days=1))
        feed = get_or_create_feed(org.id, "venue", venue.id)
        db.session.commit()
        path = f"/feeds/{feed.id}/{feed.token(current_app.config['SECRET_KEY'])}.ics"
    client = app.test_client()
    first = client.get(path)
    etag = first.headers["ETag"]
    full_median, full_p95 = timed(lambda: client.get(path), repeat=15)
    cached_median, cached_p95 = timed(
        lambda: client.get(path, headers={"If-None-Match": etag}), repeat=50
    )
    print(
        f"{label:10} venue feed, {first.data.count(b'BEGIN:VEVENT'):,} events, "
        f"{len(first.data) / 1e6:.1f} MB: median {full_median:6.1f} ms  p95 {full_p95:6.1f} ms "
        f"(target ≤ 300 ms)"
    )
    print(
        f"{label:10} 304 Not Modified:            median {cached_median:6.1f} ms  "
        f"p95 {cached_p95:6.1f} ms (target ≤ 10 ms)"
    )
    dispose(app)


def run() -> None:
    print(f"== Calendar feeds ({EVENTS:,} events) ==")
    with databases() as targets:
        for label, url in targets:
            feed_figures(label, url)
