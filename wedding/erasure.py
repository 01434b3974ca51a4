"""Erasing a client (core): each capability registers what it deletes or anonymises of that
client, so that no single function has to know every table (privacy/ only asks them all).

    @eraser(order=20)
    def erase_vows(scope: ClientScope) -> dict[str, int]: ...

Lower ``order`` runs first: rows that point at others go before what they point at. Stored
files are collected in ``scope.files`` and deleted last, once nothing refers to them."""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from wedding.models import db
from wedding.storage.models import StoredFile


@dataclass
class ClientScope:
    """What an erasure covers: the client, their companions and their ceremonies."""

    org_id: int
    client_id: int
    companion_ids: list[int]
    ceremony_ids: list[int]
    files: set[int] = field(default_factory=set)


Eraser = Callable[[ClientScope], dict[str, int]]
_ERASERS: list[tuple[int, str, Eraser]] = []


def eraser(*, order: int) -> Callable[[Eraser], Eraser]:
    """Register a capability's part of erasing a client."""

    def register(fn: Eraser) -> Eraser:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if all(existing != name for _, existing, _ in _ERASERS):
            _ERASERS.append((order, name, fn))
            _ERASERS.sort(key=lambda entry: (entry[0], entry[1]))
        return fn

    return register


def erase(scope: ClientScope) -> dict[str, int]:
    """Run every capability's eraser in order, then delete the files they collected."""
    removed: dict[str, int] = {}
    for _, _, fn in _ERASERS:
        removed.update(fn(scope))
    if scope.files:
        result = db.session.execute(delete(StoredFile).where(StoredFile.id.in_(scope.files)))
        removed["stored_files"] = result.rowcount
    else:
        removed["stored_files"] = 0
    return removed


def rowcount(statement) -> int:
    return db.session.execute(statement).rowcount


def ids(statement) -> set[int]:
    return {value for value in db.session.scalars(statement) if value is not None}


__all__ = ["ClientScope", "erase", "eraser", "ids", "rowcount", "select"]
