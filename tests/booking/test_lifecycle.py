"""Holds, confirmations, cancellations, the waitlist and rescheduling, without HTTP."""

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import IntegrityError

from tests.conftest import future_day
from wedding import almanac
from wedding.booking import services as booking
from wedding.booking.services import BookingError, SlotUnavailable, whole_minute_up
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.services import venue_instant
from wedding.models import db
from wedding.venues.models import Closure, Venue

NOW = datetime.now(UTC)


@pytest.fixture
def venue(app_ctx, make_org, make_venue):
    org = make_org()
    return db.session.get(Venue, make_venue(org, buffer_minutes=30, capacity=50).id)


def at(day, hour, minute=0):
    return venue_instant(day, time(hour, minute), "Asia/Tokyo")


def new_hold(venue, start, minutes=60, **kwargs):
    ceremony = Ceremony(org_id=venue.org_id)
    booking.hold(ceremony, venue, start, minutes, now=kwargs.pop("now", NOW), **kwargs)
    db.session.commit()
    return ceremony


DAY = future_day(30)


def test_hold_confirm_complete(venue):
    ceremony = new_hold(venue, at(DAY, 11))
    assert ceremony.status == "hold"
    assert ceremony.hold_expires_at == whole_minute_up(NOW + timedelta(days=7))  # as slots
    assert ceremony.blocked_until == at(DAY, 12, 30)  # an hour plus the 30-minute buffer
    booking.confirm(ceremony, deposit=50_000, now=NOW)
    db.session.commit()
    assert (ceremony.status, ceremony.deposit_amount) == ("confirmed", 50_000)
    with pytest.raises(BookingError, match="not happened"):
        booking.complete(ceremony, now=NOW)
    booking.complete(ceremony, now=at(DAY, 13))
    assert ceremony.status == "completed"


def test_second_hold_on_the_same_slot_is_refused_with_alternatives(venue):
    new_hold(venue, at(DAY, 11))
    with pytest.raises(SlotUnavailable) as refused:
        new_hold(venue, at(DAY, 11))
    assert refused.value.code == "taken"
    alternatives = refused.value.alternatives
    assert alternatives and all(a != at(DAY, 11) for a in alternatives)
    assert at(DAY, 12, 30) in alternatives  # right after the buffer
    assert all(day.info.rokuyo in ("大安", "友引") for day in refused.value.auspicious)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 1


def test_the_buffer_separates_bookings(venue):
    new_hold(venue, at(DAY, 11))  # 11:00–12:00, blocked until 12:30
    with pytest.raises(SlotUnavailable):
        new_hold(venue, at(DAY, 12))
    db.session.rollback()
    assert new_hold(venue, at(DAY, 12, 30)).status == "hold"
    with pytest.raises(SlotUnavailable):  # would end at 11:00 but its buffer runs to 11:30
        new_hold(venue, at(DAY, 10))
    db.session.rollback()


def test_the_database_itself_refuses_overlaps(venue):
    """Bypassing the services: the exclusion constraint or trigger still says no."""
    new_hold(venue, at(DAY, 11))
    start = at(DAY, 11, 30)
    db.session.add(
        Ceremony(
            org_id=venue.org_id,
            venue_id=venue.id,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            blocked_until=start + timedelta(hours=1),
            status="confirmed",
        )
    )
    with pytest.raises(IntegrityError, match="no_double_booking"):
        db.session.commit()
    db.session.rollback()
    # Cancelled, expired and draft rows never block.
    for status in ("cancelled", "expired", "draft", "waitlisted"):
        db.session.add(
            Ceremony(
                org_id=venue.org_id,
                venue_id=venue.id,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                blocked_until=start + timedelta(hours=1),
                status=status,
            )
        )
    db.session.commit()


def test_moving_a_row_onto_a_taken_slot_is_refused_by_the_database(venue):
    first = new_hold(venue, at(DAY, 11))
    second = new_hold(venue, at(DAY, 15))
    second.starts_at, second.ends_at = first.starts_at, first.ends_at
    second.blocked_until = first.blocked_until
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    ("start", "minutes", "code"),
    [
        (lambda: at(DAY, 8), 60, "outside_hours"),
        (lambda: at(DAY, 19, 30), 60, "outside_hours"),
        (lambda: at(DAY, 11), 45, "duration"),
        (lambda: at(future_day(-3), 11), 60, "past"),
        (lambda: at(future_day(800), 11), 60, "too_far"),
    ],
)
def test_venue_rules(venue, start, minutes, code):
    with pytest.raises(BookingError) as refused:
        new_hold(venue, start(), minutes)
    assert refused.value.code == code
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 0


def test_closed_days_and_weekdays(venue):
    venue.closures.append(Closure(starts_on=DAY, ends_on=DAY, reason="maintenance"))
    venue.hours = [h for h in venue.hours if h.weekday != (DAY + timedelta(days=1)).weekday()]
    db.session.commit()
    with pytest.raises(SlotUnavailable) as closed:
        new_hold(venue, at(DAY, 11))
    assert closed.value.code == "closed"
    assert closed.value.alternatives  # the days around it
    db.session.rollback()
    with pytest.raises(SlotUnavailable) as no_hours:
        new_hold(venue, at(DAY + timedelta(days=1), 11))
    assert no_hours.value.code == "no_hours"
    db.session.rollback()


def test_a_closed_day_is_reported_before_a_length_the_venue_does_not_offer(venue):
    """The day is the bigger problem: a planner fixing the length first would still be
    refused, so they hear about the day (and are offered other days) first."""
    day_off = DAY + timedelta(days=1)
    venue.hours = [h for h in venue.hours if h.weekday != day_off.weekday()]
    venue.closures.append(Closure(starts_on=DAY, ends_on=DAY, reason="maintenance"))
    db.session.commit()
    for day, code in ((day_off, "no_hours"), (DAY, "closed")):
        with pytest.raises(SlotUnavailable) as refused:
            new_hold(venue, at(day, 11), 45)  # the venue offers 60, 90 and 120 minutes
        assert refused.value.code == code
        assert refused.value.alternatives  # other days, of a length the venue offers
        db.session.rollback()


def test_every_rule_a_slot_breaks_is_listed_each_on_its_field(venue):
    """What the booking form shows at once: the guests, the day and the length."""
    venue.closures.append(Closure(starts_on=DAY, ends_on=DAY, reason="maintenance"))
    db.session.commit()
    problems = booking.rules_broken(venue, at(DAY, 11), 45, guests=51, now=NOW)
    assert [(p.code, p.field) for p in problems] == [
        ("capacity", "guest_count"),
        ("closed", "date"),
        ("duration", "duration_minutes"),
    ]
    assert isinstance(problems[1], SlotUnavailable)
    assert problems[1].alternatives  # other days, of a length the venue offers
    assert booking.rules_broken(venue, at(DAY + timedelta(days=1), 11), 60, guests=50) == []
    # Holding still refuses with the first alone, as the API answers.
    with pytest.raises(BookingError) as refused:
        new_hold(venue, at(DAY, 11), 45, guests=51)
    assert refused.value.code == "capacity"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 0


@pytest.mark.parametrize(
    ("start", "now", "code", "field"),
    [
        (lambda: at(DAY - timedelta(days=1), 11), lambda: at(DAY, 10), "past", "date"),
        (lambda: at(DAY, 9), lambda: at(DAY, 10), "past", "start_time"),  # earlier today
        (lambda: at(DAY, 11), lambda: at(DAY - timedelta(days=800), 10), "too_far", "date"),
        (lambda: at(DAY, 8), lambda: NOW, "outside_hours", "start_time"),
        (lambda: at(DAY, 11).replace(second=30), lambda: NOW, "whole_minute", "start_time"),
    ],
)
def test_a_problem_with_the_day_names_the_date_and_one_with_the_time_the_start(
    venue, start, now, code, field
):
    """The booking form shows each where the planner mends it: another day, another time."""
    problems = booking.rules_broken(venue, start(), 60, now=now())
    assert [(p.code, p.field) for p in problems] == [(code, field)]


def test_a_taken_slot_names_the_start_time(venue):
    new_hold(venue, at(DAY, 11))
    with pytest.raises(SlotUnavailable) as refused:
        new_hold(venue, at(DAY, 11))
    assert (refused.value.code, refused.value.field) == ("taken", "start_time")
    assert refused.value.duration == 60  # the length its free times were found for
    db.session.rollback()


def test_free_times_for_a_length_not_offered_are_of_one_that_is(venue):
    venue.closures.append(Closure(starts_on=DAY, ends_on=DAY, reason="maintenance"))
    db.session.commit()
    closed, _length = booking.rules_broken(venue, at(DAY, 11), 45, now=NOW)
    assert (closed.code, closed.duration) == ("closed", 60)  # the venue's shortest


def test_guest_count_is_checked_against_capacity(venue):
    with pytest.raises(BookingError) as refused:
        new_hold(venue, at(DAY, 11), guests=51)
    assert refused.value.code == "capacity"
    db.session.rollback()
    assert new_hold(venue, at(DAY, 11), guests=50).guest_count == 50


def test_a_lapsed_hold_expires_and_frees_the_slot(venue):
    first = new_hold(venue, at(DAY, 11))
    later = NOW + timedelta(days=8)
    second = new_hold(venue, at(DAY, 11), now=later)  # the lapsed hold no longer blocks
    assert second.status == "hold"
    assert first.status == "expired"  # kept on record


def test_waitlist_is_promoted_when_the_hold_lapses(venue):
    new_hold(venue, at(DAY, 11))
    waiting = Ceremony(org_id=venue.org_id)
    booking.join_waitlist(waiting, venue, at(DAY, 11), 60, now=NOW)
    db.session.commit()
    assert waiting.status == "waitlisted"
    report = booking.sweep(NOW + timedelta(days=8))
    db.session.commit()
    assert waiting.status == "hold"
    assert [c.id for c in report.promoted] == [waiting.id]
    assert len(report.expired) == 1


def test_waitlist_is_promoted_when_the_hold_is_released_first_come_first_served(venue):
    holder = new_hold(venue, at(DAY, 11))
    first, second = Ceremony(org_id=venue.org_id), Ceremony(org_id=venue.org_id)
    booking.join_waitlist(first, venue, at(DAY, 11), 60, now=NOW)
    booking.join_waitlist(second, venue, at(DAY, 11), 60, now=NOW + timedelta(minutes=1))
    db.session.commit()
    booking.cancel(holder, now=NOW)
    db.session.commit()
    assert (holder.status, first.status, second.status) == ("cancelled", "hold", "waitlisted")


def test_reschedule_keeps_the_old_slot_when_the_new_one_is_taken(venue):
    mine = new_hold(venue, at(DAY, 11))
    new_hold(venue, at(DAY, 15))
    with pytest.raises(SlotUnavailable):
        booking.reschedule(mine, venue, at(DAY, 15), 60, now=NOW)
    db.session.rollback()
    db.session.refresh(mine)
    assert mine.starts_at == at(DAY, 11)
    booking.reschedule(mine, venue, at(DAY, 13), 90, now=NOW)
    db.session.commit()
    assert (mine.starts_at, mine.ends_at) == (at(DAY, 13), at(DAY, 14, 30))
    assert mine.status == "hold"


def test_reschedule_to_a_nearby_time_overlapping_itself(venue):
    mine = new_hold(venue, at(DAY, 11))
    booking.reschedule(mine, venue, at(DAY, 11, 30), 60, now=NOW)
    db.session.commit()
    assert mine.starts_at == at(DAY, 11, 30)


def test_only_holds_can_be_confirmed(venue):
    ceremony = new_hold(venue, at(DAY, 11))
    booking.cancel(ceremony, now=NOW)
    with pytest.raises(BookingError, match="hold"):
        booking.confirm(ceremony, now=NOW)


def test_confirming_a_lapsed_hold_is_refused(venue):
    ceremony = new_hold(venue, at(DAY, 11))
    with pytest.raises(BookingError):
        booking.confirm(ceremony, now=NOW + timedelta(days=8))
    assert ceremony.status == "expired"


def test_sweep_reminds_once_and_completes_past_ceremonies(venue):
    ceremony = new_hold(venue, at(DAY, 11))
    soon = ceremony.hold_expires_at - timedelta(days=1)
    first = booking.sweep(soon)
    second = booking.sweep(soon + timedelta(minutes=5))
    assert [c.id for c in first.reminded] == [ceremony.id]
    assert second.reminded == []
    booking.confirm(ceremony, now=soon)
    report = booking.sweep(at(DAY, 13))
    assert [c.id for c in report.completed] == [ceremony.id]


def test_month_availability_counts_and_almanac(venue):
    new_hold(venue, at(DAY, 11))
    ceremony = new_hold(venue, at(DAY, 15))
    booking.confirm(ceremony, now=NOW)
    first, last = booking.month_range(DAY)
    days = {d.date: d for d in booking.availability([venue], first, last, NOW)[venue.id]}
    day = days[DAY]
    assert (len(day.held), len(day.booked)) == (1, 1)
    assert at(DAY, 11) not in day.free and at(DAY, 12, 30) in day.free
    assert day.info.rokuyo == almanac.describe(DAY).rokuyo
    assert len(days) == last.day


def test_holds_to_remind_are_chosen_by_each_venues_window_in_the_database(
    venue, make_venue, monkeypatch
):
    """Each venue's own reminder window, soonest first, at most ``limit``; the rest of the
    company's holds are never loaded (the dashboard asks for 15 of thousands)."""
    venue.reminder_days = 2
    org = SimpleNamespace(id=venue.org_id)
    db.session.commit()  # (SQLite: one writer; the venue below is made in its own context)
    patient = db.session.get(Venue, make_venue(org, reminder_days=10, name="Patient").id)
    # Held at different times, so that each lapses (7 days on) at a different distance.
    made = {}
    for name, place, held_days_ago, hour in (
        ("soon", venue, 6, 9),  # lapses in 1 day: inside 2
        ("later", venue, 2, 12),  # in 5 days: outside 2
        ("later-patient", patient, 2, 12),  # in 5 days: inside 10
        ("far-patient", patient, -5, 15),  # in 12 days: outside 10
    ):
        made[name] = new_hold(place, at(DAY, hour), now=NOW - timedelta(days=held_days_ago)).id
    found = booking.holds_to_remind(NOW, venue.org_id)
    assert [c.id for c in found] == [made["soon"], made["later-patient"]]
    assert [c.id for c in booking.holds_to_remind(NOW, venue.org_id, limit=1)] == [made["soon"]]
