"""The leanest hold that keeps the hold's rules (bench/http.py serves it beside ours): what a
raw-driver write path for `POST /api/v1/bookings` could reach on this machine, however it were
written. Measured, never served: it answers only the bench's well-formed requests.

Per request, on one psycopg connection per worker in autocommit, with prepared statements:
1. one query: the token (live, its user active), the venue in the token's company (not
   archived), its opening hours and its closures not over yet;
2. the venue's rules checked in Python by the app's own pure function
   (wedding.booking.availability.slot_problems), and the capacity;
3. one statement: the ceremony inserted (the database's exclusion constraint refuses an
   overlap: 409) and the company's data version renewed (wedding/freshness.py), together.

Left out, as cheaper than what is kept or rare on the bench's distinct free slots: the token's
last use (written once a minute), a lapsed hold in the way, the alternatives offered with a
refusal, the client check, the JSON problem documents."""

import hashlib
import os
import secrets
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import psycopg
from flask import Flask, jsonify, request

from wedding.booking.availability import VenueRules, slot_problems

app = Flask(__name__)

READ = """
SELECT u.org_id, v.id, v.timezone, v.capacity, v.durations, v.buffer_minutes,
       v.slot_step_minutes, v.horizon_days, v.hold_days,
       (SELECT json_agg(json_build_array(h.weekday, h.opens, h.closes))
          FROM opening_hours h WHERE h.venue_id = v.id),
       (SELECT json_agg(json_build_array(c.starts_on, c.ends_on, c.reason))
          FROM closures c WHERE c.venue_id = v.id AND c.ends_on >= %(since)s)
FROM api_tokens t
JOIN users u ON u.id = t.user_id
LEFT JOIN venues v ON v.org_id = u.org_id AND v.id = %(venue)s AND v.archived_at IS NULL
WHERE t.token_hash = %(hash)s AND t.revoked_at IS NULL AND u.active
  AND u.role IN ('owner', 'planner')
"""

WRITE = """
WITH held AS (
  INSERT INTO ceremonies (org_id, venue_id, starts_at, ends_at, blocked_from, blocked_until,
    status, notes, created_at, updated_at, sequence, hold_expires_at, guest_count,
    setup_minutes, wrapup_minutes)
  VALUES (%(org)s, %(venue)s, %(start)s, %(end)s, %(start)s, %(until)s, 'hold', '', %(now)s,
    %(now)s, 0, %(expires)s, %(guests)s, 0, 0)
  RETURNING id
), renewed AS (
  UPDATE organisations SET data_version = %(version)s WHERE id = %(org)s
)
SELECT id FROM held
"""


@cache
def connection() -> psycopg.Connection:
    """This worker's one connection, made at its first request (after gunicorn's fork)."""
    url = os.environ["BENCH_WRITE_URL"].replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True, prepare_threshold=0)


@app.post("/api/v1/bookings")
def hold():
    body = request.get_json()
    secret = request.headers.get("Authorization", "").partition(" ")[2].strip()
    now = datetime.now(UTC)
    start = datetime.fromisoformat(body["start"])
    duration, guests = body["duration_minutes"], body.get("guest_count")
    found = (
        connection()
        .execute(
            READ,
            {
                "since": now.date() - timedelta(days=1),
                "venue": body["venue_id"],
                "hash": hashlib.sha256(secret.encode()).hexdigest(),
            },
        )
        .fetchone()
    )
    if found is None:
        return jsonify({"status": 401}), 401
    org, venue, zone, capacity, durations, buffer, step, horizon, hold_days, hours, closed = found
    if venue is None:
        return jsonify({"status": 422}), 422
    rules = VenueRules(
        venue_id=venue,
        timezone=zone,
        hours={w: (time.fromisoformat(a), time.fromisoformat(b)) for w, a, b in hours or ()},
        closures=tuple(
            (date.fromisoformat(a), date.fromisoformat(b), why) for a, b, why in closed or ()
        ),
        durations=tuple(sorted(set(durations or [60]))),
        buffer_minutes=buffer,
        step_minutes=step,
        horizon_days=horizon,
    )
    if slot_problems(rules, start, duration, now) or (
        guests is not None and (guests < 0 or (capacity is not None and guests > capacity))
    ):
        return jsonify({"status": 422}), 422
    end = start + timedelta(minutes=duration)
    try:
        held = (
            connection()
            .execute(
                WRITE,
                {
                    "org": org,
                    "venue": venue,
                    "start": start,
                    "end": end,
                    "until": end + timedelta(minutes=buffer),
                    "now": now,
                    "expires": now + timedelta(days=hold_days),
                    "guests": guests,
                    "version": secrets.randbits(62),
                },
            )
            .fetchone()
        )
    except psycopg.errors.ExclusionViolation:
        return jsonify({"status": 409}), 409
    return jsonify({"id": held[0], "status": "hold", "start": start.isoformat()}), 201
