"""Free slots, filters and suggestions, as pure functions."""

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from wedding.booking.availability import (
    Busy,
    VenueRules,
    free_starts,
    matches_filters,
    slot_problems,
    venue_days,
)

TOKYO_RULES = VenueRules(
    venue_id=1,
    timezone="Asia/Tokyo",
    hours={d: (time(10), time(18)) for d in range(7)},
    durations=(60, 90),
    buffer_minutes=30,
    step_minutes=30,
)
DAY = date(2031, 5, 10)
BEFORE = datetime(2031, 1, 1, tzinfo=UTC)


def local(hour, minute=0, day=DAY):
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO_RULES.zone)


def busy(start, minutes, buffer=30, status="confirmed"):
    return Busy(
        start,
        start + timedelta(minutes=minutes),
        start + timedelta(minutes=minutes + buffer),
        status,
    )


def brute_force(rules, day, items, duration, now):
    """The obvious definition: every step from opening, fitting before closing, overlapping
    nothing (our own buffer included)."""
    opens, closes = rules.hours[day.weekday()]
    start = datetime.combine(day, opens, tzinfo=rules.zone)
    end_of_day = datetime.combine(day, closes, tzinfo=rules.zone)
    found = []
    while start + timedelta(minutes=duration) <= end_of_day:
        blocked_until = start + timedelta(minutes=duration + rules.buffer_minutes)
        clash = any(b.starts_at < blocked_until and start < b.blocked_until for b in items)
        if start >= now and not clash:
            found.append(start)
        start += timedelta(minutes=rules.step_minutes)
    return found


def test_free_starts_match_the_definition_on_random_days():
    rng = random.Random(20261127)
    for _ in range(800):
        items = []
        for _ in range(rng.randint(0, 6)):
            start = local(8) + timedelta(minutes=15 * rng.randint(0, 48))
            items.append(busy(start, rng.choice((30, 60, 90, 120)), rng.choice((0, 15, 30, 60))))
        duration = rng.choice((60, 90))
        now = rng.choice((BEFORE, local(12), local(13, 10)))
        assert free_starts(TOKYO_RULES, DAY, items, duration, now) == brute_force(
            TOKYO_RULES, DAY, items, duration, now
        ), items


def test_a_booking_blocks_its_buffer_and_ours():
    starts = free_starts(TOKYO_RULES, DAY, [busy(local(12), 60)], 60, BEFORE)
    assert local(10, 30) in starts  # ends 11:30; its buffer runs out exactly at 12:00
    assert local(11) not in starts  # its buffer would run into the 12:00 ceremony
    assert local(13) not in starts and local(13, 30) in starts
    assert starts[-1] == local(17)  # an hour before closing; no buffer needed after


def test_days_before_now_and_after_the_horizon_are_closed():
    rules = VenueRules(
        1, "Asia/Tokyo", {d: (time(10), time(18)) for d in range(7)}, horizon_days=30
    )
    now = datetime(2031, 5, 10, 3, tzinfo=UTC)  # 12:00 in Tokyo
    days = {d.date: d for d in venue_days(rules, [], date(2031, 5, 9), date(2031, 6, 12), now)}
    assert days[date(2031, 5, 9)].closed == "past"
    assert days[date(2031, 5, 10)].free[0] == local(12)  # the morning has passed
    assert days[date(2031, 6, 9)].closed is None
    assert days[date(2031, 6, 10)].closed == "too_far"


def test_filters_for_auspicious_days_and_weekends():
    days = venue_days(TOKYO_RULES, [], date(2031, 5, 1), date(2031, 5, 31), BEFORE)
    lucky = [d for d in days if matches_filters(d, auspicious_only=True)]
    assert lucky and all(d.info.rokuyo in ("大安", "友引") for d in lucky)
    weekend = [d for d in days if matches_filters(d, weekends_holidays=True)]
    assert all(d.date.weekday() >= 5 or d.holiday for d in weekend)
    assert date(2031, 5, 5) in {d.date for d in weekend}  # こどもの日, a Monday


def test_holidays_are_those_where_the_venue_is():
    """A Seattle venue's month marked Japan's Coming of Age Day, not Martin Luther King Jr. Day,
    and its "weekends and holidays" filter kept Japan's holidays."""
    seattle = replace(TOKYO_RULES, timezone="America/Los_Angeles")
    days = {d.date: d for d in venue_days(seattle, [], date(2031, 1, 1), date(2031, 1, 31), BEFORE)}
    weekend = {d for d, day in days.items() if matches_filters(day, weekends_holidays=True)}
    assert date(2031, 1, 20) in weekend  # Martin Luther King Jr. Day, a Monday
    assert date(2031, 1, 13) not in weekend  # 成人の日 in Japan, a working Monday in Seattle
    tokyo = {
        d.date: d for d in venue_days(TOKYO_RULES, [], date(2031, 1, 1), date(2031, 1, 31), BEFORE)
    }
    assert tokyo[date(2031, 1, 13)].holiday and not tokyo[date(2031, 1, 20)].holiday


CLOSED_ON_DAY = replace(TOKYO_RULES, closures=((DAY, DAY, "maintenance"),))
DAY_OFF = replace(
    TOKYO_RULES, hours={d: (time(10), time(18)) for d in range(7) if d != DAY.weekday()}
)


@pytest.mark.parametrize(
    ("rules", "start", "minutes", "now", "problems"),
    [
        (TOKYO_RULES, local(11), 60, BEFORE, []),
        (TOKYO_RULES, local(11), 45, BEFORE, ["duration"]),
        (TOKYO_RULES, local(17), 90, BEFORE, ["outside_hours"]),
        # An hour, the shortest on offer, fits before closing: only the length is wrong.
        (TOKYO_RULES, local(17), 120, BEFORE, ["duration"]),
        # No length on offer fits: the time is wrong as well.
        (TOKYO_RULES, local(17, 30), 45, BEFORE, ["duration", "outside_hours"]),
        (TOKYO_RULES, local(9), 45, BEFORE, ["duration", "outside_hours"]),
        # The day first (an API that says one problem says it), and the length as well.
        (CLOSED_ON_DAY, local(11), 45, BEFORE, ["closed", "duration"]),
        (DAY_OFF, local(11), 45, BEFORE, ["no_hours", "duration"]),
        (TOKYO_RULES, local(11), 45, local(12), ["past", "duration"]),
        (CLOSED_ON_DAY, local(19), 60, BEFORE, ["closed"]),  # one problem with the day
    ],
)
def test_slot_problems_names_the_day_and_the_length_at_once(rules, start, minutes, now, problems):
    assert slot_problems(rules, start, minutes, now) == problems
