"""The ceiling of a write (bench/http.py serves it beside the floor): a bare Flask app that
commits one INSERT per request on PostgreSQL through psycopg, one connection per worker, in
autocommit. No ORM, no token, no rules, no second statement: what any request that stores
something durably costs on this machine, however the rest of it is written."""

import os

import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)
_connection: list[psycopg.Connection] = []
TABLE = "bench_writes"


def connection() -> psycopg.Connection:
    if not _connection:
        url = os.environ["BENCH_WRITE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _connection.append(psycopg.connect(url, autocommit=True))
    return _connection[0]


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
