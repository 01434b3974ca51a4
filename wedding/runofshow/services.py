"""Building and editing a ceremony's run of show."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wedding.booking.services import extend_booking
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import PRONOUNS, Client, role_word
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


def template_words(client: Client | None) -> dict[str, dict[str, str]]:
    """What a template's {role} and {obj} become for this client, per language."""
    role, label, pronouns = (
        (client.ceremony_role, client.role_label, client.pronouns)
        if client
        else ("partner", "", "they")
    )
    return {
        lang: {"role": role_word(role, label, lang), "obj": PRONOUNS[pronouns]["object"]}
        for lang in ("ja", "en")
    }


def apply_template(ceremony: Ceremony, key: str) -> list[RunItem]:
    """Replace the run of show with one of the templates, naming the client as they wish."""
    if key not in TEMPLATES:
        raise RunOfShowError(key)
    words = template_words(ceremony.client)
    for item in items_of(ceremony):
        db.session.delete(item)
    items = [
        RunItem(
            ceremony_id=ceremony.id,
            position=index,
            offset_minutes=offset,
            duration_minutes=minutes,
            title_ja=title_ja.format(**words["ja"]),
            title_en=title_en.format(**words["en"]),
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


@dataclass(frozen=True)
class Window:
    """Where the run of show falls against the booking and the venue's opening hours.

    ``early``/``late``: minutes the items start before the booked range or end after it;
    ``before_opening``/``after_closing``: minutes outside the venue's hours that day."""

    first: datetime
    last: datetime
    booked_from: datetime
    booked_until: datetime
    opens: datetime | None
    closes: datetime | None
    early: int
    late: int
    before_opening: int
    after_closing: int

    @property
    def fits(self) -> bool:
        return not (self.early or self.late or self.before_opening or self.after_closing)

    @property
    def can_extend(self) -> bool:
        """The booking can grow to cover the items without leaving the opening hours."""
        return bool(self.early or self.late) and not (self.before_opening or self.after_closing)

    @property
    def shift(self) -> int:
        """Minutes to move every item (positive: later) so that none starts before the booking
        or the opening, or, failing that, none ends after the closing; 0 when no move helps.
        What still runs past the booked end can then be covered by extending it."""
        start = max(self.booked_from, self.opens or self.booked_from)
        end = self.closes or self.booked_until
        if self.first < start:
            return _minutes(start - self.first) if self.last - self.first <= end - start else 0
        if self.last > end:
            return -_minutes(self.last - end) if self.last - self.first <= end - start else 0
        if self.last > self.booked_until and self.first > self.booked_from:
            return -min(_minutes(self.last - self.booked_until), _minutes(self.first - start))
        return 0


def _minutes(delta: timedelta) -> int:
    return int(-(-delta.total_seconds() // 60))  # whole minutes, rounded up


def run_window(ceremony: Ceremony, items: list[RunItem] | None = None) -> Window | None:
    """How the items sit against the booked time and the venue's hours (None without items)."""
    items = items_of(ceremony) if items is None else items
    if not items:
        return None
    first = min(item_start(ceremony, item) for item in items)
    last = max(
        item_start(ceremony, item) + timedelta(minutes=item.duration_minutes) for item in items
    )
    booked_from = ceremony.starts_at - timedelta(minutes=ceremony.setup_minutes or 0)
    booked_until = ceremony.ends_at + timedelta(minutes=ceremony.wrapup_minutes or 0)
    zone = ZoneInfo(ceremony.venue.timezone)
    day = ceremony.starts_at.astimezone(zone).date()
    hours = {h.weekday: (h.opens, h.closes) for h in ceremony.venue.hours}.get(day.weekday())
    opens = closes = None
    if hours:
        opens = datetime.combine(day, hours[0], tzinfo=zone)
        closes = datetime.combine(day, hours[1], tzinfo=zone)
    return Window(
        first,
        last,
        booked_from,
        booked_until,
        opens,
        closes,
        early=max(0, _minutes(booked_from - first)),
        late=max(0, _minutes(last - booked_until)),
        before_opening=max(0, _minutes(opens - first)) if opens else 0,
        after_closing=max(0, _minutes(last - closes)) if closes else 0,
    )


def shift_items(ceremony: Ceremony, minutes: int) -> None:
    """Move every item by the same number of minutes (the order stays)."""
    items = items_of(ceremony)
    if any(not -240 <= item.offset_minutes + minutes <= 720 for item in items):
        raise RunOfShowError("offset_range")
    for item in items:
        item.offset_minutes += minutes
    _changed(ceremony)
    db.session.flush()


def extend_to_cover(ceremony: Ceremony) -> Window:
    """Grow the booking (preparation before, time kept after) so that it covers every item;
    BookingError if the venue is closed then or another booking needs the time."""
    window = run_window(ceremony)
    if window is None or not (window.early or window.late):
        raise RunOfShowError("fits")
    extend_booking(
        ceremony,
        (ceremony.setup_minutes or 0) + window.early,
        (ceremony.wrapup_minutes or 0) + window.late,
    )
    return window


@eraser(order=10)
def erase_run_notes(scope: ClientScope) -> dict[str, int]:
    """Erasure: notes on the run of show may name the client; the timing stays."""
    return {
        "run_item_notes": rowcount(
            db.update(RunItem).where(RunItem.ceremony_id.in_(scope.ceremony_ids)).values(notes="")
        )
    }
