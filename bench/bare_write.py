"""The ceiling of a write (bench/http.py serves it beside the floor): a bare Flask app that
commits one INSERT per request on PostgreSQL through psycopg, one connection per worker, in
autocommit. No ORM, no token, no rules, no second statement: what any request that stores
something durably costs on this machine, however the rest of it is written."""

import os
from functools import cache

import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)
TABLE = "bench_writes"


@cache
def connection() -> psycopg.Connection:
    """This worker's one connection, made at its first request (after gunicorn's fork)."""
    url = os.environ["BENCH_WRITE_URL"].replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True)


@app.post("/write")
def write():
    body = request.get_json()
    row = connection().execute(
        f"INSERT INTO {TABLE} (venue_id, start) VALUES (%s, %s) RETURNING id",  # noqa: S608
        (body["venue_id"], body["start"]),
    )
    return jsonify({"id": row.fetchone()[0]}), 201


@app.get("/login")
def login():
    return jsonify({})
