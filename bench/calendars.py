"""Calendar feed figures: a venue feed with 5,000 events, and its 304 answer.

The events are what a real venue feed carries: a client and a companion with Japanese names, a
planner, an AR viewer link and, for one in three, staff notes (long Japanese lines to fold)."""

import gc
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select

from bench.booking import TOKYO, seed_bookings, seed_venues
from bench.common import (
    databases,
    dispose,
    migrated_app,
    reference_workload,
    settle,
    timed,
    timed_against_reference,
)
from wedding.accounts.services import create_user, get_or_create_org
from wedding.calendars import services as calendars
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.personas.models import Companion
from wedding.presentation.models import Presentation
from wedding.tokens import new_nonce
from wedding.worker import prepare

EVENTS = 5_000
NOTE = "控室は二階。AR グラスは前日に充電、予備のバッテリーを受付に預けること。花は白とピンクで。"


def seed_people(org_id: int, planner_id: int) -> None:
    """A client, a companion and an AR link for every ceremony of the company."""
    ids = db.session.scalars(select(Ceremony.id).where(Ceremony.org_id == org_id)).all()
    db.session.execute(
        insert(Client),
        [{"org_id": org_id, "full_name": f"山田 花子 {n}", "preferred_name": ""} for n in ids],
    )
    clients = db.session.scalars(select(Client.id).where(Client.org_id == org_id)).all()
    db.session.execute(
        insert(Companion),
        [{"org_id": org_id, "client_id": c, "name": f"蓮 {c}"} for c in clients],
    )
    companions = db.session.scalars(select(Companion.id).where(Companion.org_id == org_id)).all()
    for ceremony_id, client_id, companion_id in zip(ids, clients, companions, strict=True):
        db.session.execute(
            db.update(Ceremony)
            .where(Ceremony.id == ceremony_id)
            .values(
                client_id=client_id,
                companion_id=companion_id,
                planner_id=planner_id,
                notes=NOTE if ceremony_id % 3 == 0 else "",
            )
        )
    db.session.execute(
        insert(Presentation),
        [{"org_id": org_id, "ceremony_id": n, "nonce": new_nonce()} for n in ids],
    )
    db.session.commit()


def feed_figures(label: str, url: str) -> None:
    app = migrated_app(url)
    with app.app_context():
        org = get_or_create_org("晴れの日ブライダル")
        planner = create_user(org, "planner@bench.example", "bench-password", name="佐藤 美咲")
        (venue,) = seed_venues(org.id, 1)
        venue.name, venue.address = "チャペル・ルミエール", "岡山県岡山市北区駅元町1-1"
        seed_bookings(org.id, [venue], EVENTS, datetime.now(TOKYO).date() + timedelta(days=1))
        seed_people(org.id, planner.id)
        feed = calendars.get_or_create_feed(org.id, "venue", venue.id)
        db.session.commit()
        path = f"/feeds/{feed.id}/{feed.token(current_app.config['SECRET_KEY'])}.ics"
    settle(app)
    prepare()  # as a gunicorn worker does before it takes requests
    client = app.test_client()
    first = client.get(path)
    etag = first.headers["ETag"]
    full_median, full_p95, ratio = timed_against_reference(lambda: client.get(path))
    cached_median, cached_p95, cached_ratio = timed_against_reference(
        lambda: client.get(path, headers={"If-None-Match": etag}), repeat=50
    )
    print(
        f"{label:10} venue feed, {first.data.count(b'BEGIN:VEVENT'):,} events, "
        f"{len(first.data) / 1e6:.1f} MB: median {full_median:6.1f} ms  p95 {full_p95:6.1f} ms "
        f"(target ≤ 300 ms); {ratio:.1f}× the reference loop"
    )
    print(
        f"{label:10} 304 Not Modified:            median {cached_median:6.1f} ms  "
        f"p95 {cached_p95:6.1f} ms (target ≤ 10 ms); {cached_ratio:.2f}× the reference loop"
    )
    dispose(app)
    gc.unfreeze()


def run() -> None:
    print(f"== Calendar feeds ({EVENTS:,} events) ==")
    reference, _ = timed(reference_workload, repeat=5)
    print(f"reference loop (fixed pure-Python work: this machine's speed): {reference:.1f} ms")
    with databases() as targets:
        for label, url in targets:
            feed_figures(label, url)
