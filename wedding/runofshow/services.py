"""Building and editing a ceremony's run of show."""

from datetime import datetime, timedelta

from wedding.ceremonies.models import Ceremony
from wedding.erasure import ClientScope, eraser, rowcount
from wedding.models import db
from wedding.runofshow.models import RunItem
from wedding.runofshow.templates import TEMPLATES


class RunOfShowError(ValueError):
    """A change to the run of show breaks a rule."""


def _changed(ceremony: Ceremony) -> None:
    """Calendars see the run of show too: a change raises the ceremony's SEQUENCE."""
    ceremony.sequence = (ceremony.sequence or 0) + 1


def items_of(ceremony: Ceremony) -> list[RunItem]:
    return list(
        db.session.scalars(
            db.select(RunItem)
            .where(RunItem.ceremony_id == ceremony.id)
            .order_by(RunItem.position, RunItem.id)
        )
    )


def apply_template(ceremony: Ceremony, key: str) -> list[RunItem]:
    """Replace the run of show with one of the templates."""
    if key not in TEMPLATES:
        raise RunOfShowError(key)
    for item in items_of(ceremony):
        db.session.delete(item)
    items = [
        RunItem(
            ceremony_id=ceremony.id,
            position=index,
            offset_minutes=offset,
            duration_minutes=minutes,
            title_ja=title_ja,
            title_en=title_en,
            role=role,
        )
        for index, (offset, minutes, title_ja, title_en, role) in enumerate(TEMPLATES[key]["items"])
    ]
    db.session.add_all(items)
    _changed(ceremony)
    db.session.flush()
    return items


def offset_for(ceremony: Ceremony, wall_clock: datetime) -> int:
    """Minutes from the ceremony's start to an aware moment."""
    return int((wall_clock - ceremony.starts_at).total_seconds() // 60)


def save_item(ceremony: Ceremony, item: RunItem | None, fields: dict) -> RunItem:
    """Add an item at the end, or change one; the order is by position, set by moving."""
    if item is None:
        last = max((i.position for i in items_of(ceremony)), default=-1)
        item = RunItem(ceremony_id=ceremony.id, position=last + 1)
        db.session.add(item)
    for name, value in fields.items():
        setattr(item, name, value)
    _changed(ceremony)
    db.session.flush()
    return item


def move_item(ceremony: Ceremony, item_id: int, step: int) -> None:
    """Move an item up (-1) or down (+1); positions are renumbered 0..n-1."""
    items = items_of(ceremony)
    index = next((i for i, item in enumerate(items) if item.id == item_id), None)
    if index is None:
        raise RunOfShowError(item_id)
    target = index + step
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, item in enumerate(items):
        item.position = position
    _changed(ceremony)
    db.session.flush()


def delete_item(ceremony: Ceremony, item_id: int) -> None:
    item = db.session.get(RunItem, item_id)
    if item is None or item.ceremony_id != ceremony.id:
        raise RunOfShowError(item_id)
    db.session.delete(item)
    _changed(ceremony)
    db.session.flush()


def item_start(ceremony: Ceremony, item: RunItem) -> datetime:
    return ceremony.starts_at + timedelta(minutes=item.offset_minutes)


@eraser(order=10)
def erase_run_notes(scope: ClientScope) -> dict[str, int]:
    """Erasure: notes on the run of show may name the client; the timing stays."""
    return {
        "run_item_notes": rowcount(
            db.update(RunItem).where(RunItem.ceremony_id.in_(scope.ceremony_ids)).values(notes="")
        )
    }
