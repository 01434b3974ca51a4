"""Venue booking rules: hours per weekday, lengths, buffers and closed periods."""

from datetime import date, time

from wedding.models import db
from wedding.venues.forms import parse_durations
from wedding.venues.models import Closure, OpeningHours, Venue

RULE_FIELDS = (
    "buffer_minutes",
    "slot_step_minutes",
    "horizon_days",
    "hold_days",
    "reminder_days",
)
VENUE_FIELDS = ("name", "address", "timezone", "capacity", "notes")


def venue_form_data(venue: Venue) -> dict:
    """A venue as the venue form shows it."""
    by_day = {h.weekday: h for h in venue.hours}
    return {
        **{name: getattr(venue, name) for name in VENUE_FIELDS + RULE_FIELDS},
        "durations": ", ".join(str(m) for m in venue.durations or []),
        "hours": [
            {
                "open": weekday in by_day,
                "opens": by_day[weekday].opens if weekday in by_day else time(10),
                "closes": by_day[weekday].closes if weekday in by_day else time(18),
            }
            for weekday in range(7)
        ],
    }


def save_venue(venue: Venue, data: dict) -> Venue:
    """Apply the venue form's data: details, rules and the week's opening hours."""
    for name in VENUE_FIELDS + RULE_FIELDS:
        setattr(venue, name, data[name])
    venue.durations = parse_durations(data["durations"])
    wanted = {
        weekday: (day["opens"], day["closes"])
        for weekday, day in enumerate(data["hours"])
        if day["open"]
    }
    for row in list(venue.hours):
        if row.weekday not in wanted:
            venue.hours.remove(row)
        else:
            row.opens, row.closes = wanted.pop(row.weekday)
    for weekday, (opens, closes) in wanted.items():
        venue.hours.append(OpeningHours(weekday=weekday, opens=opens, closes=closes))
    db.session.add(venue)
    db.session.flush()
    return venue


def add_closure(venue: Venue, first: date, last: date, reason: str = "") -> Closure:
    closure = Closure(starts_on=first, ends_on=last, reason=reason)
    venue.closures.append(closure)
    db.session.flush()
    return closure


def remove_closure(venue: Venue, closure_id: int) -> bool:
    for closure in venue.closures:
        if closure.id == closure_id:
            venue.closures.remove(closure)
            db.session.flush()
            return True
    return False
