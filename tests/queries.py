"""Counting the SQL statements a request sends (round trips), for tests that keep them fixed."""

from collections.abc import Callable

from flask import Flask
from sqlalchemy import event

from wedding.models import db


def statements_of(app: Flask, fetch: Callable) -> list[str]:
    """The statements sent while ``fetch()`` runs (which must answer 200 or 201), in order;
    transaction control is left out, so that both databases count alike."""
    with app.app_context():
        engines = list(db.engines.values())  # on PostgreSQL read-only requests use their own
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        if statement not in ("BEGIN", "BEGIN IMMEDIATE"):  # SQLite's (PostgreSQL's go unseen)
            seen.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", listener)
    try:
        response = fetch()
        assert response.status_code in (200, 201), response.get_data(as_text=True)[:500]
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", listener)
    return seen


def shown(statements: list[str]) -> str:
    return "\n".join(s[:120].replace("\n", " ") for s in statements)
