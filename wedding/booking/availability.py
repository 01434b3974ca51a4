"""Free slots, suggestions and auspicious days: pure functions over plain data.

A venue's rules and its occupied time ranges come in as plain values (see rules_of and the
loaders in services.py); nothing here touches the database or Flask, so a month of twenty
venues is computed in memory from one query.
"""

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from wedding import almanac

SUGGESTION_RADIUS_DAYS = 3
AUSPICIOUS_SEARCH_DAYS = 180


@dataclass(frozen=True)
class VenueRules:
    venue_id: int
    timezone: str
    hours: dict[int, tuple[time, time]]  # weekday (0 = Monday) -> (opens, closes), local time
    closures: tuple[tuple[date, date, str], ...] = ()
    durations: tuple[int, ...] = (60, 90, 120)
    buffer_minutes: int = 30
    step_minutes: int = 30
    horizon_days: int = 730

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def shortest(self) -> int:
        return min(self.durations)


class Busy(NamedTuple):
    """A time range a booking occupies: [blocked_from, blocked_until) includes the preparation
    time before the start and the buffer after the end."""

    starts_at: datetime
    ends_at: datetime
    blocked_until: datetime
    status: str
    ceremony_id: int | None = None
    blocked_from: datetime | None = None  # the start when no preparation time is blocked

    @property
    def block_start(self) -> datetime:
        return self.blocked_from or self.starts_at


@dataclass
class Day:
    date: date
    info: almanac.DayInfo
    closed: str | None  # why no slot can be booked this day, or None
    free: list[datetime] | None = field(default_factory=list)  # None: only counted
    busy: list[Busy] = field(default_factory=list)
    free_count: int = 0
    holiday: bool = False  # a public holiday where the venue is (not always Japan)

    @property
    def held(self) -> list[Busy]:
        return [b for b in self.busy if b.status == "hold"]

    @property
    def booked(self) -> list[Busy]:
        return [b for b in self.busy if b.status == "confirmed"]


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def closure_reason(
    rules: VenueRules, day: date, now: datetime, today: date | None = None
) -> str | None:
    """Why the venue takes no booking on this day (a short key), or None. ``today``: the
    venue's local date now, when the caller has it already."""
    today = today or now.astimezone(rules.zone).date()
    if day < today:
        return "past"
    if day > today + timedelta(days=rules.horizon_days):
        return "too_far"
    for first, last, _ in rules.closures:
        if first <= day <= last:
            return "closed"
    if day.weekday() not in rules.hours:
        return "no_hours"
    return None


def overlaps(start: datetime, blocked_until: datetime, busy: Iterable[Busy]) -> bool:
    return any(b.block_start < blocked_until and start < b.blocked_until for b in busy)


def _merged(ranges: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted (start, end) POSIX ranges, overlapping ones merged."""
    merged: list[list[float]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


@lru_cache(maxsize=65536)
def _instant(timezone: str, day: date, at: time) -> float:
    """POSIX seconds of a local wall time: the same for every request and every venue in the
    zone, so computed once (a month grid asks for thousands)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).timestamp()


def _runs(
    rules: VenueRules, day: date, blocked: list[tuple[float, float]], duration: int, earliest: float
) -> list[tuple[float, int]]:
    """The day's runs of free starts, as (seconds after opening, how many), one per gap: walk
    the gaps between blocked ranges instead of testing every time."""
    opens, closes = rules.hours[day.weekday()]
    base = _instant(rules.timezone, day, opens)
    close = _instant(rules.timezone, day, closes)
    length, gap, step = duration * 60, rules.buffer_minutes * 60, rules.step_minutes * 60
    runs = []
    gap_start = base
    # Each gap ends where the next busy range starts (our buffer must fit before it), and
    # the last one at closing time (no buffer needed after the last ceremony of the day).
    for next_start, next_end in [*_merged(blocked), (close + gap, close + gap)]:
        lowest = max(gap_start, earliest, base)
        k = max(0, -int((base - lowest) // step))  # first candidate index at or after lowest
        start = base + k * step
        latest = min(next_start - gap, close) - length
        if start <= latest:
            runs.append((start - base, int((latest - start) // step) + 1))
        gap_start = max(gap_start, next_end)
        if gap_start >= close:
            break
    return runs


def _free(
    rules: VenueRules, day: date, blocked: list[tuple[float, float]], duration: int, earliest: float
) -> list[datetime]:
    runs = _runs(rules, day, blocked, duration, earliest)
    first = datetime.combine(day, rules.hours[day.weekday()][0], tzinfo=rules.zone)
    step = rules.step_minutes * 60
    return [
        first + timedelta(seconds=offset + n * step) for offset, count in runs for n in range(count)
    ]


def _free_count(
    rules: VenueRules, day: date, blocked: list[tuple[float, float]], duration: int, earliest: float
) -> int:
    return sum(count for _, count in _runs(rules, day, blocked, duration, earliest))


def free_starts(rules: VenueRules, day: date, busy: list[Busy], duration: int, now: datetime):
    """Start times on ``day`` where a ceremony of ``duration`` minutes fits."""
    blocked = [(b.block_start.timestamp(), b.blocked_until.timestamp()) for b in busy]
    return _free(rules, day, blocked, duration, now.timestamp())


MAX_BOOKING_SECONDS = 2 * 86400  # a booking (with its buffer) never spans more than this


def venue_days(
    rules: VenueRules,
    busy: Iterable[Busy],
    first: date,
    last: date,
    now: datetime,
    duration: int | None = None,
    count_only: bool = False,
) -> list[Day]:
    """Each day from first to last: the almanac, free start times and what is held or booked.

    Runs for every venue of a month view: each booking's timestamps are computed once and each
    day finds its bookings by bisection. With ``count_only`` (a month grid shows numbers) the
    free starts are only counted: ``free`` is None and ``free_count`` says how many."""
    duration = duration or rules.shortest
    today = now.astimezone(rules.zone).date()
    items = sorted(
        ((b.block_start.timestamp(), b.blocked_until.timestamp(), b) for b in busy),
        key=lambda item: item[0],
    )
    starts = [item[0] for item in items]
    earliest = now.timestamp()
    days = []
    for info in almanac.days(first, last):
        day_start = _instant(rules.timezone, info.date, time(0))
        day_end = _instant(rules.timezone, info.date + timedelta(days=1), time(0))
        low = bisect_left(starts, day_start - MAX_BOOKING_SECONDS)
        high = bisect_left(starts, day_end)
        todays = [item for item in items[low:high] if item[1] > day_start]
        reason = closure_reason(rules, info.date, now, today)
        blocked = [(s, e) for s, e, _ in todays]
        busy_today = [b for _, _, b in todays]
        holiday = almanac.local_holiday(info.date, rules.timezone) is not None
        if count_only:
            count = 0 if reason else _free_count(rules, info.date, blocked, duration, earliest)
            days.append(Day(info.date, info, reason, None, busy_today, count, holiday))
        else:
            free = [] if reason else _free(rules, info.date, blocked, duration, earliest)
            days.append(Day(info.date, info, reason, free, busy_today, len(free), holiday))
    return days


def slot_problems(
    rules: VenueRules, starts_at: datetime, duration: int, now: datetime
) -> list[str]:
    """Why this slot breaks the venue's rules (short keys), ignoring other bookings: at most one
    about the day or time and one about the length, so that a planner hears of both at once.

    In the order a caller that reports only one (the API) should pick: a closed or past day
    first, the bigger problem, then the length, then the hours. With a length the venue does
    not offer, the time is judged by the shortest it does offer: a start that fits once the
    length is fixed is not called outside the hours."""
    local = starts_at.astimezone(rules.zone)
    day = closure_reason(rules, local.date(), now) or ("past" if starts_at < now else None)
    problems = [day] if day else []
    offered = duration in rules.durations
    if not offered:
        problems.append("duration")
    if day is None:
        opens, closes = rules.hours[local.weekday()]
        end = local + timedelta(minutes=duration if offered else rules.shortest)
        if local.time() < opens or end.date() != local.date() or end.time() > closes:
            problems.append("outside_hours")
    return problems


def nearest_free(
    rules: VenueRules,
    busy: list[Busy],
    wanted: datetime,
    duration: int,
    now: datetime,
    count: int = 5,
) -> list[datetime]:
    """The free start times closest to ``wanted``, within a few days either side."""
    centre = wanted.astimezone(rules.zone).date()
    first = centre - timedelta(days=SUGGESTION_RADIUS_DAYS)
    last = centre + timedelta(days=SUGGESTION_RADIUS_DAYS)
    starts = [
        start for day in venue_days(rules, busy, first, last, now, duration) for start in day.free
    ]
    return sorted(starts, key=lambda s: (abs((s - wanted).total_seconds()), s))[:count]


def next_auspicious(
    rules: VenueRules,
    busy: list[Busy],
    after: date,
    duration: int,
    now: datetime,
    count: int = 3,
) -> list[Day]:
    """The next days that are 大安 or 友引 and still have a free slot."""
    found = []
    first = after + timedelta(days=1)
    last = first + timedelta(days=AUSPICIOUS_SEARCH_DAYS)
    for day in venue_days(rules, busy, first, last, now, duration):
        if day.free and day.info.auspicious and not day.info.uncertain:
            found.append(day)
            if len(found) == count:
                break
    return found


def matches_filters(
    day: Day, *, auspicious_only: bool = False, weekends_holidays: bool = False
) -> bool:
    if auspicious_only and not day.info.auspicious:
        return False
    return not (weekends_holidays and day.date.weekday() < 5 and not day.holiday)


TIMES_OF_DAY = {
    "morning": (time(0), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(23, 59)),
}


def in_time_of_day(start: datetime, zone: ZoneInfo, part: str | None) -> bool:
    if not part:
        return True
    begin, end = TIMES_OF_DAY[part]
    return begin <= start.astimezone(zone).time() < end
