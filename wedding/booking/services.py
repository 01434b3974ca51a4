"""Booking rules: holds that expire, confirmations, cancellations, the waitlist, rescheduling.

A ceremony's venue slot is the booking. The database is the final word on double booking
(an exclusion constraint on PostgreSQL, triggers on SQLite); these functions check the venue's
rules first so that planners get a precise reason and alternatives, and translate the
database's refusal into SlotUnavailable. No commits here: the caller commits once.
"""

from collections.abc import Iterator
from dataclasses import InitVar, dataclass, field
from datetime import UTC, date, datetime, timedelta

from blinker import Namespace
from flask_babel import LazyString
from sqlalchemy import and_, bindparam, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from wedding.booking.availability import (
    Busy,
    Day,
    VenueRules,
    nearest_free,
    next_auspicious,
    slot_problems,
    venue_days,
)
from wedding.ceremonies.models import Ceremony, listed_only
from wedding.i18n import HOME_TIMEZONE, join_words
from wedding.i18n import lazy_gettext as _l
from wedding.models import UTCDateTime, aware_utc, days_between, db, raw_timestamp, utcnow
from wedding.venues.models import Closure, Venue

PROBLEMS = {
    "taken": _l("This slot is already taken."),
    "past": _l("This time has already passed."),
    "too_far": _l("The venue does not take bookings this far ahead."),
    "closed": _l("The venue is closed on this day."),
    "no_hours": _l("The venue is closed on this weekday (its regular day off)."),
    "outside_hours": _l("This time is outside the venue's hours."),
    "whole_minute": _l("A ceremony starts on a whole minute (no seconds)."),
}
# Problems with the day itself, shown on the booking form's date; the others are about the time
# of day, shown on its start time (a time earlier today is the time's problem, not the day's).
DAY_PROBLEMS = frozenset({"past", "too_far", "closed", "no_hours"})


class BookingError(Exception):
    """A booking rule was broken; ``code`` is stable, the message is for people."""

    def __init__(self, code: str, message=None, field: str | None = None) -> None:
        super().__init__(message or PROBLEMS.get(code, code))
        self.code = code
        self.field = field


@dataclass
class SlotUnavailable(BookingError):
    """The day or the time cannot be had, with free times nearby and the next lucky days, all
    of ``duration`` minutes (a length the venue offers). ``on``: the form field it concerns,
    if not the one its code says."""

    code: str
    alternatives: list[datetime] = field(default_factory=list)
    auspicious: list[Day] = field(default_factory=list)
    timezone: str = HOME_TIMEZONE
    duration: int | None = None
    on: InitVar[str | None] = None

    def __post_init__(self, on: str | None) -> None:
        default = "date" if self.code in DAY_PROBLEMS else "start_time"
        BookingError.__init__(self, self.code, field=on or default)


def guests_problem(venue: Venue, guests: int | None) -> BookingError | None:
    """What is wrong with this number of guests at this venue, if anything: fewer than none,
    or more than it holds (saying how many it does)."""
    if guests is None:
        return None
    if guests < 0:
        return BookingError("guests", _l("The number of guests cannot be negative."), "guest_count")
    if venue.capacity is not None and guests > venue.capacity:
        message = _l("More guests than the venue holds (%(capacity)d).", capacity=venue.capacity)
        return BookingError("capacity", message, "guest_count")
    return None


def length_not_offered(venue: Venue) -> BookingError:
    """A length the venue does not offer, saying those it does (listed in the reader's
    language when the message is read)."""
    lengths = LazyString(join_words, offered_durations(venue.durations))
    message = _l("The venue offers ceremonies of %(lengths)s minutes.", lengths=lengths)
    return BookingError("duration", message, "duration_minutes")


def offered_durations(durations: list[int] | None) -> tuple[int, ...]:
    """The lengths a venue offers, in minutes, shortest first (an hour if none are set)."""
    return tuple(sorted(set(durations or [60])))


def rules_options(now: datetime | None = None, *, joined: bool = False) -> tuple:
    """Loader options for venues whose booking rules are read next (rules_of): their hours,
    and their closures that are not over yet. A closure that ended before today bars no
    booking (a past day is refused as past), and a venue gathers them for years: loaded all,
    every hold and every month grew slower with each year of a venue's history.

    ``joined``: in the venue's own query (one venue: one round trip); otherwise one query each
    for all the venues loaded. The closures loaded so are not the venue's whole list: read the
    rules from them, never edit the list (the venue's page loads it whole)."""
    since = (now or utcnow()).date() - timedelta(days=1)  # the earliest "today" of any zone
    load = joinedload if joined else selectinload
    return load(Venue.hours), load(Venue.closures.and_(Closure.ends_on >= since))


def rules_of(venue: Venue) -> VenueRules:
    """The plain-data view of a venue's booking rules."""
    return VenueRules(
        venue_id=venue.id,
        timezone=venue.timezone,
        hours={h.weekday: (h.opens, h.closes) for h in venue.hours},
        closures=tuple((c.starts_on, c.ends_on, c.reason) for c in venue.closures),
        durations=offered_durations(venue.durations),
        buffer_minutes=venue.buffer_minutes,
        step_minutes=venue.slot_step_minutes,
        horizon_days=venue.horizon_days,
    )


def load_busy(
    venue_ids: list[int], first: datetime, last: datetime, now: datetime
) -> dict[int, list[Busy]]:
    """Occupied ranges per venue between two instants; lapsed holds no longer count.

    Month views read thousands of these rows, so timestamps skip the ORM's type processing.
    Bookings never last longer than a day, which bounds the index range scan from below."""
    table = Ceremony.__table__  # a Core select: no ORM row processing
    rows = db.session.execute(
        db.select(
            table.c.id,
            table.c.venue_id,
            raw_timestamp(table.c.starts_at),
            raw_timestamp(table.c.ends_at),
            raw_timestamp(table.c.blocked_until),
            table.c.status,
            raw_timestamp(table.c.blocked_from),
        ).where(
            table.c.venue_id.in_(venue_ids),
            or_(
                table.c.status == "confirmed",
                and_(table.c.status == "hold", table.c.hold_expires_at > now),
            ),
            table.c.starts_at > first - timedelta(days=1),
            table.c.starts_at < last,
            table.c.blocked_until > first,
        )
    ).all()
    busy: dict[int, list[Busy]] = {venue_id: [] for venue_id in venue_ids}
    for ceremony_id, venue_id, starts_at, ends_at, blocked_until, status, blocked_from in rows:
        busy[venue_id].append(
            Busy(
                aware_utc(starts_at),
                aware_utc(ends_at),
                aware_utc(blocked_until),
                status,
                ceremony_id,
                aware_utc(blocked_from),
            )
        )
    return busy


def _alternatives(venue: Venue, starts_at: datetime, duration: int, now: datetime, code: str):
    rules = rules_of(venue)
    if duration not in rules.durations:
        duration = rules.shortest
    span = timedelta(days=190)
    busy = load_busy([venue.id], starts_at - span, starts_at + span, now)[venue.id]
    day = starts_at.astimezone(rules.zone).date()
    earlier_today = code == "past" and day >= now.astimezone(rules.zone).date()
    return SlotUnavailable(
        code,
        alternatives=nearest_free(rules, busy, starts_at, duration, now),
        auspicious=next_auspicious(rules, busy, day, duration, now),
        timezone=rules.timezone,
        duration=duration,
        on="start_time" if earlier_today else None,
    )


def blocked_end(ceremony: Ceremony, venue: Venue) -> datetime:
    """Where the venue's block ends: the end, time kept after it, then the turnover buffer."""
    extra = (ceremony.wrapup_minutes or 0) + venue.buffer_minutes
    return ceremony.ends_at + timedelta(minutes=extra)


def extend_booking(
    ceremony: Ceremony, setup_minutes: int, wrapup_minutes: int, now: datetime | None = None
) -> Ceremony:
    """Block time before the start (preparation) and after the end; the venue must be open
    then, and the database refuses the extension if it would overlap another booking."""
    now = now or utcnow()
    venue = ceremony.venue
    if not (0 <= setup_minutes <= 240 and 0 <= wrapup_minutes <= 720):
        raise BookingError("extension", _l("Extend by at most 4 hours before and 12 after."))
    rules = rules_of(venue)
    local = ceremony.starts_at.astimezone(rules.zone)
    hours = rules.hours.get(local.weekday())
    first = ceremony.starts_at - timedelta(minutes=setup_minutes)
    last = ceremony.ends_at + timedelta(minutes=wrapup_minutes)
    if hours is None or (
        first.astimezone(rules.zone).time() < hours[0]
        or last.astimezone(rules.zone).time() > hours[1]
        or last.astimezone(rules.zone).date() != local.date()
        or first.astimezone(rules.zone).date() != local.date()
    ):
        raise BookingError("outside_hours")
    try:
        with db.session.begin_nested():
            ceremony.setup_minutes, ceremony.wrapup_minutes = setup_minutes, wrapup_minutes
            ceremony.blocked_from = first
            ceremony.blocked_until = blocked_end(ceremony, venue)
            db.session.flush()
    except IntegrityError as error:
        if not _is_double_booking(error):
            raise
        raise BookingError(
            "taken", _l("Another booking at this venue needs that time; nothing changed.")
        ) from None
    return ceremony


def _is_double_booking(error: IntegrityError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "23P01" or "no_double_booking" in str(
        error.orig
    )


def _rules_broken(
    venue: Venue, starts_at: datetime, duration: int, guests: int | None, now: datetime
) -> Iterator[BookingError]:
    """The venue's rules a proposed slot breaks, each as an error on its own field; lazily, so
    that a caller wanting only the first looks for no alternatives it would not show."""
    problem = guests_problem(venue, guests)
    if problem is not None:
        yield problem
    if starts_at.second or starts_at.microsecond:  # never off the grid of whole minutes
        yield BookingError("whole_minute", field="start_time")
    for problem in slot_problems(rules_of(venue), starts_at, duration, now):
        if problem == "duration":
            yield length_not_offered(venue)
        else:  # the day or the time: with the free times nearby and the next lucky days
            yield _alternatives(venue, starts_at, duration, now, problem)


def rules_broken(
    venue: Venue,
    starts_at: datetime,
    duration: int,
    guests: int | None = None,
    now: datetime | None = None,
) -> list[BookingError]:
    """Every venue rule a proposed slot breaks, ignoring other bookings: the guests, the day or
    time (a SlotUnavailable with alternatives) and the length, each naming its form field."""
    return list(_rules_broken(venue, starts_at, duration, guests, now or utcnow()))


def _check_rules(venue: Venue, starts_at: datetime, duration: int, guests: int | None, now):
    """Raise the first rule the slot breaks: the API answers with one problem."""
    problem = next(_rules_broken(venue, starts_at, duration, guests, now), None)
    if problem is not None:
        raise problem


def _place(
    ceremony: Ceremony,
    venue: Venue,
    starts_at: datetime,
    duration: int,
    status: str,
    now: datetime,
    *,
    expire_and_retry: bool = True,
) -> None:
    """Write the slot and status; the database refuses an overlap and nothing changes.

    A hold that has lapsed but is not yet marked expired still occupies its range in the
    database; when that is what stands in the way, mark it expired and try once more."""
    ends_at = starts_at + timedelta(minutes=duration)
    try:
        with db.session.begin_nested():
            db.session.add(ceremony)
            ceremony.venue_id, ceremony.venue = venue.id, venue
            ceremony.starts_at = starts_at
            ceremony.ends_at = ends_at
            ceremony.blocked_from = starts_at - timedelta(minutes=ceremony.setup_minutes or 0)
            ceremony.blocked_until = blocked_end(ceremony, venue)
            ceremony.status = status
            if status == "hold":
                # On a whole minute, as slots are: what pages show changes on minutes only
                # (cached pages are kept by the minute: wedding/freshness.py).
                ceremony.hold_expires_at = whole_minute_up(now + timedelta(days=venue.hold_days))
                ceremony.reminded_at = None
            db.session.flush()
    except IntegrityError as error:
        # The savepoint is rolled back: a new ceremony is gone, a moved one is as it was.
        if not _is_double_booking(error):
            raise
        if expire_and_retry and expire_lapsed_holds(now, venue.id):
            return _place(ceremony, venue, starts_at, duration, status, now, expire_and_retry=False)
        raise _alternatives(venue, starts_at, duration, now, "taken") from None
    return None


def whole_minute_up(moment: datetime) -> datetime:
    """The moment itself if on a whole minute, else the next whole minute."""
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def expire_lapsed_holds(now: datetime, venue_id: int | None = None) -> list[Ceremony]:
    """Holds whose time is up become 'expired' (kept on record); waiting clients move up."""
    stmt = db.select(Ceremony).where(Ceremony.status == "hold", Ceremony.hold_expires_at <= now)
    if venue_id is not None:
        stmt = stmt.where(Ceremony.venue_id == venue_id)
    lapsed = list(db.session.scalars(stmt).unique())
    for ceremony in lapsed:
        ceremony.status = "expired"
    db.session.flush()
    for venue in {c.venue for c in lapsed}:
        promote_waitlist(venue, now)
    return lapsed


def promote_waitlist(venue: Venue, now: datetime) -> list[Ceremony]:
    """Give freed slots to waiting clients, first come first served, as new holds."""
    waiting = db.session.scalars(
        db.select(Ceremony)
        .where(Ceremony.venue_id == venue.id, Ceremony.status == "waitlisted")
        .order_by(Ceremony.waitlisted_at, Ceremony.id)
    ).unique()
    promoted = []
    for ceremony in waiting:
        if ceremony.ends_at <= now:
            continue
        duration = int((ceremony.ends_at - ceremony.starts_at).total_seconds() // 60)
        try:
            _place(
                ceremony, venue, ceremony.starts_at, duration, "hold", now, expire_and_retry=False
            )
        except SlotUnavailable:
            continue
        promoted.append(ceremony)
    return promoted


def hold(
    ceremony: Ceremony,
    venue: Venue,
    starts_at: datetime,
    duration: int,
    *,
    guests: int | None = None,
    now: datetime | None = None,
) -> Ceremony:
    """Hold a slot for a ceremony: tentative until confirmed, lapsing after the hold days."""
    now = now or utcnow()
    _check_rules(venue, starts_at, duration, guests, now)
    ceremony.guest_count = guests
    _place(ceremony, venue, starts_at, duration, "hold", now)
    return ceremony


def join_waitlist(
    ceremony: Ceremony,
    venue: Venue,
    starts_at: datetime,
    duration: int,
    *,
    guests: int | None = None,
    now: datetime | None = None,
) -> Ceremony:
    """Queue for a slot someone else holds; promoted to a hold when it is released or lapses."""
    now = now or utcnow()
    _check_rules(venue, starts_at, duration, guests, now)
    ceremony.guest_count = guests
    _place(ceremony, venue, starts_at, duration, "waitlisted", now)
    ceremony.waitlisted_at = now
    db.session.flush()
    return ceremony


def save_draft(ceremony: Ceremony, venue: Venue, starts_at: datetime, duration: int) -> Ceremony:
    """Keep a wished-for slot without holding it."""
    if ceremony.is_active:
        raise BookingError("active", _l("Release or cancel the booking before making it a draft."))
    ends_at = starts_at + timedelta(minutes=duration)
    db.session.add(ceremony)
    ceremony.venue_id, ceremony.venue = venue.id, venue
    ceremony.starts_at, ceremony.ends_at = starts_at, ends_at
    ceremony.blocked_from = starts_at - timedelta(minutes=ceremony.setup_minutes or 0)
    ceremony.blocked_until = blocked_end(ceremony, venue)
    ceremony.status = "draft"
    db.session.flush()
    return ceremony


def reschedule(
    ceremony: Ceremony,
    venue: Venue,
    starts_at: datetime,
    duration: int,
    *,
    guests: int | None = None,
    now: datetime | None = None,
) -> Ceremony:
    """Move a booking in one step: if the new slot is taken, the old one is kept."""
    now = now or utcnow()
    if not ceremony.is_active:
        raise BookingError("not_active", _l("Only held or confirmed bookings can be moved."))
    _check_rules(venue, starts_at, duration, guests, now)
    expire_lapsed_holds(now, venue.id)
    if ceremony.status == "expired":  # its own hold lapsed just now
        raise BookingError("expired", _l("The hold has lapsed; hold a slot again."))
    old_venue = ceremony.venue
    ceremony.guest_count = guests
    _place(ceremony, venue, starts_at, duration, ceremony.status, now)
    promote_waitlist(old_venue, now)
    return ceremony


# Sent when a hold is confirmed with a deposit received (by hand or through the API): money
# that billing, which sits above booking, counts towards the ceremony's invoices.
deposit_recorded = Namespace().signal("deposit-recorded")


def confirm(
    ceremony: Ceremony, *, deposit: int | None = None, now: datetime | None = None
) -> Ceremony:
    """A hold becomes a booking: by hand, or because the deposit was recorded (``deposit``:
    money received outside the invoices; billing's own paid deposit confirms without one)."""
    now = now or utcnow()
    if ceremony.status == "hold" and ceremony.hold_expires_at <= now:
        expire_lapsed_holds(now, ceremony.venue_id)
    if ceremony.status != "hold":
        raise BookingError("not_held", _l("Only a held slot can be confirmed; hold it first."))
    if deposit is not None:
        if deposit < 0:
            raise BookingError("deposit", _l("The deposit cannot be negative."), "deposit")
        ceremony.deposit_amount = deposit
        ceremony.deposit_recorded_at = now
    ceremony.status = "confirmed"
    ceremony.confirmed_at = now
    ceremony.hold_expires_at = None
    db.session.flush()
    if deposit:
        deposit_recorded.send(ceremony, now=now)
    return ceremony


def cancel(ceremony: Ceremony, *, now: datetime | None = None) -> Ceremony:
    """Release a hold, cancel a booking or leave the waitlist; the record stays."""
    now = now or utcnow()
    if ceremony.status not in ("draft", "waitlisted", "hold", "confirmed"):
        raise BookingError("not_cancellable", _l("This ceremony cannot be cancelled now."))
    was_active = ceremony.is_active
    ceremony.status = "cancelled"
    ceremony.cancelled_at = now
    db.session.flush()
    if was_active:
        promote_waitlist(ceremony.venue, now)
    return ceremony


def complete(ceremony: Ceremony, *, now: datetime | None = None) -> Ceremony:
    now = now or utcnow()
    if ceremony.status != "confirmed":
        raise BookingError("not_confirmed", _l("Only a confirmed ceremony can be completed."))
    if ceremony.starts_at > now:
        raise BookingError("not_started", _l("The ceremony has not happened yet."))
    ceremony.status = "completed"
    db.session.flush()
    return ceremony


MAX_REMINDER_DAYS = 90  # venues.reminder_days is at most this (a check constraint)


def holds_to_remind(
    now: datetime, org_id: int | None = None, limit: int | None = None
) -> list[Ceremony]:
    """Holds that lapse within their venue's reminder window and have not been reminded,
    soonest first (at most ``limit``): the window is filtered in SQL, not row by row."""
    stmt = (
        db.select(Ceremony)
        .join(Venue, Venue.id == Ceremony.venue_id)
        .where(
            Ceremony.status == "hold",
            Ceremony.reminded_at.is_(None),
            Ceremony.hold_expires_at > now,
            # the longest reminder window a venue can have, for the index
            Ceremony.hold_expires_at <= now + timedelta(days=MAX_REMINDER_DAYS),
            days_between(Ceremony.hold_expires_at, bindparam("now", now, UTCDateTime))
            <= Venue.reminder_days,
        )
        .order_by(Ceremony.hold_expires_at, Ceremony.id)
        .limit(limit)
        .options(*listed_only())
    )
    if org_id is not None:
        stmt = stmt.where(Ceremony.org_id == org_id)
    return list(db.session.scalars(stmt).unique())


@dataclass
class SweepReport:
    expired: list[Ceremony]
    promoted: list[Ceremony]
    reminded: list[Ceremony]
    completed: list[Ceremony]


def sweep(now: datetime | None = None) -> SweepReport:
    """The periodic pass: lapse holds, promote the waitlist, remind, complete past ceremonies."""
    now = now or utcnow()
    before = set(db.session.scalars(db.select(Ceremony.id).where(Ceremony.status == "waitlisted")))
    expired = expire_lapsed_holds(now)
    promoted = [
        c
        for c in db.session.scalars(db.select(Ceremony).where(Ceremony.id.in_(before))).unique()
        if c.status == "hold"
    ]
    reminded = []
    for ceremony in holds_to_remind(now):
        # One conditional UPDATE per hold: two sweeps at once (two workers, or cron and a
        # worker) never remind the same hold twice.
        claimed = db.session.execute(
            db.update(Ceremony)
            .where(Ceremony.id == ceremony.id, Ceremony.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            set_committed_value(ceremony, "reminded_at", now)
            reminded.append(ceremony)
    done = list(
        db.session.scalars(
            db.select(Ceremony).where(Ceremony.status == "confirmed", Ceremony.ends_at < now)
        ).unique()
    )
    for ceremony in done:
        ceremony.status = "completed"
    db.session.flush()
    return SweepReport(expired, promoted, reminded, done)


def month_range(day: date) -> tuple[date, date]:
    """The first and last day of the month holding ``day``."""
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def availability(
    venues: list[Venue],
    first: date,
    last: date,
    now: datetime | None = None,
    duration: int | None = None,
    count_only: bool = False,
) -> dict[int, list[Day]]:
    """Per venue, each day from first to last with free slots (or only their number, see
    venue_days) and what is held or booked. Load the venues with ``rules_options()``: else
    each venue's whole history of closures is loaded, one query per venue."""
    now = now or utcnow()
    if not venues:
        return {}
    # Local days span about ±14 hours around UTC: widen the query by a day each side.
    start = datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    busy = load_busy([v.id for v in venues], start, end, now)
    result = {}
    for venue in venues:
        rules = rules_of(venue)
        wanted = duration if duration in rules.durations else None
        result[venue.id] = venue_days(
            rules, busy[venue.id], first, last, now, wanted, count_only=count_only
        )
    return result
