"""Never a double booking: many processes, many simultaneous requests, one winner."""

import http.client
import json
import threading
from datetime import time
from itertools import pairwise
from urllib.parse import urlsplit

import pytest

from tests.conftest import future_day
from tests.live import serve
from wedding.accounts.models import User
from wedding.accounts.services import create_api_token
from wedding.ceremonies.models import ACTIVE, Ceremony
from wedding.models import db

REQUESTS = 32
WORKERS = 4


def fire_together(base: str, token: str, bodies: list[dict]) -> list[tuple[int, dict]]:
    """POST every body at the same moment, each on its own connection."""
    host = urlsplit(base).netloc
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, dict] | None] = [None] * len(bodies)

    def send(index: int, body: dict) -> None:
        connection = http.client.HTTPConnection(host, timeout=60)
        payload = json.dumps(body)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        barrier.wait()
        connection.request("POST", "/api/v1/bookings", body=payload, headers=headers)
        response = connection.getresponse()
        results[index] = (response.status, json.loads(response.read()))
        connection.close()

    threads = [threading.Thread(target=send, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results), "a request never finished"
    return results


@pytest.fixture
def token_and_venue(app, make_user, make_venue):
    user = make_user(role="planner")
    venue = make_venue(user.org, hours={d: (time(9), time(21)) for d in range(7)})
    with app.app_context():
        _, secret = create_api_token(db.session.get(User, user.id))
        db.session.commit()
    return secret, venue


def test_32_simultaneous_holds_on_one_slot_have_exactly_one_winner(
    app, database_url, token_and_venue
):
    token, venue = token_and_venue
    day = future_day(20)
    body = {
        "venue_id": venue.id,
        "start": f"{day.isoformat()}T14:00:00+09:00",
        "duration_minutes": 90,
        "status": "hold",
    }
    with serve(database_url, workers=WORKERS) as base:
        results = fire_together(base, token, [body] * REQUESTS)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (REQUESTS - 1), statuses
    for status, problem in results:
        if status == 409:
            assert problem["code"] == "taken"
            assert problem["alternatives"], "each loser is offered other times"
    with app.app_context():
        active = db.session.scalars(
            db.select(Ceremony).where(Ceremony.venue_id == venue.id, Ceremony.status.in_(ACTIVE))
        ).all()
        assert len(active) == 1


def test_simultaneous_overlapping_but_different_slots_still_never_overlap(
    app, database_url, token_and_venue
):
    """Requests for start times 30 minutes apart (each 60 min + 30 min buffer) all collide."""
    token, venue = token_and_venue
    day = future_day(21)
    starts = [f"{h:02d}:{m:02d}" for h in range(10, 18) for m in (0, 30)]
    bodies = [
        {
            "venue_id": venue.id,
            "start": f"{day.isoformat()}T{start}:00+09:00",
            "duration_minutes": 60,
        }
        for start in starts
    ]
    with serve(database_url, workers=WORKERS) as base:
        results = fire_together(base, token, bodies)
    assert {status for status, _ in results} <= {201, 409}
    with app.app_context():
        rows = db.session.scalars(
            db.select(Ceremony)
            .where(Ceremony.venue_id == venue.id, Ceremony.status.in_(ACTIVE))
            .order_by(Ceremony.starts_at)
        ).all()
    assert len(rows) == sum(1 for status, _ in results if status == 201)
    for earlier, later in pairwise(rows):
        assert earlier.blocked_until <= later.starts_at
