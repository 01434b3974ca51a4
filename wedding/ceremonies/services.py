"""Rules for ceremonies: who marries whom, where and when. Slots go through booking."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wedding.accounts.models import User
from wedding.booking import services as booking
from wedding.ceremonies.models import Ceremony, listed_only
from wedding.clients.models import Client
from wedding.erasure import ClientScope, eraser, rowcount
from wedding.guests.services import count_follows_list
from wedding.i18n import lazy_gettext as _l
from wedding.models import db, utcnow
from wedding.personas.models import Companion
from wedding.presentation.services import presentation_for
from wedding.venues.models import Venue

INTENTS = ("hold", "draft", "waitlist")


class CeremonyError(Exception):
    """A ceremony breaks a rule; ``field`` names the form field to show it on."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field


class CeremonyRefused(Exception):
    """Everything found wrong with a ceremony's details at once, so that a planner fixes it
    in one go: each problem (a CeremonyError or a BookingError) names its form field."""

    def __init__(self, problems: "list[CeremonyError | booking.BookingError]") -> None:
        super().__init__(" ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class CeremonyDetails:
    client_id: int | None
    companion_id: int | None
    venue_id: int
    date: date
    start_time: time
    duration_minutes: int
    guest_count: int | None = None
    notes: str = ""
    planner_id: int | None = None

    def starts_at(self, venue: Venue) -> datetime:
        return venue_instant(self.date, self.start_time, venue.timezone)


def venue_instant(day: date, wall_time: time, tz: str) -> datetime:
    """The aware instant of a wall-clock time on a day at a venue."""
    return datetime.combine(day, wall_time, tzinfo=ZoneInfo(tz))


def _owned(
    model,
    org_id: int,
    record_id: int | None,
    field: str,
    keep_id: int | None,
    problems: list,
    *options,
):
    """The company's record (loaded with ``options``), or None with the reason added to
    ``problems``."""
    record = db.session.get(model, record_id, options=options) if record_id is not None else None
    if record is None or record.org_id != org_id:
        problems.append(CeremonyError(field, _l("Choose one from the list.")))
        return None
    if record.archived_at is not None and record.id != keep_id:
        problems.append(CeremonyError(field, _l("This one is archived; restore it first.")))
        return None
    return record


def _apply_parties(
    ceremony: Ceremony, org_id: int, details: CeremonyDetails, problems: list
) -> Venue | None:
    """Check client, companion, planner and venue, adding what is wrong to ``problems``; set
    them and the notes only if all is well. The venue, if it is one the company can book."""
    client = None
    if details.client_id is not None:
        client = _owned(
            Client, org_id, details.client_id, "client_id", ceremony.client_id, problems
        )
    venue = _owned(
        Venue,
        org_id,
        details.venue_id,
        "venue_id",
        ceremony.venue_id,
        problems,
        *booking.rules_options(),
    )
    companion = None
    if details.companion_id is not None:
        companion = _owned(
            Companion, org_id, details.companion_id, "companion_id", ceremony.companion_id, problems
        )
    client_refused = details.client_id is not None and client is None  # said on its own field
    if companion is not None and companion.client_id != details.client_id and not client_refused:
        problems.append(
            CeremonyError("companion_id", _l("This companion belongs to another client."))
        )
    if details.planner_id is not None:
        planner = db.session.get(User, details.planner_id)
        if planner is None or planner.org_id != org_id or not planner.active:
            problems.append(CeremonyError("planner_id", _l("Choose one from the list.")))
    if not problems:
        ceremony.org_id = org_id
        ceremony.client_id, ceremony.client = (client.id if client else None), client
        ceremony.companion_id, ceremony.companion = (companion.id if companion else None), companion
        ceremony.notes = details.notes
        ceremony.planner_id = details.planner_id
    return venue


def schedule_ceremony(
    org_id: int, details: CeremonyDetails, intent: str = "hold", now: datetime | None = None
) -> Ceremony:
    """Create a ceremony: hold its slot, keep it as a draft, or join the slot's waitlist."""
    now = now or utcnow()
    ceremony = Ceremony()
    problems: list = []
    venue = _apply_parties(ceremony, org_id, details, problems)
    if venue is not None and intent != "draft":  # a draft is a wish: the rules come on holding
        problems += booking.rules_broken(
            venue, details.starts_at(venue), details.duration_minutes, details.guest_count, now
        )
    if problems:
        raise CeremonyRefused(problems)
    starts_at = details.starts_at(venue)
    if intent == "draft":
        booking.save_draft(ceremony, venue, starts_at, details.duration_minutes)
        ceremony.guest_count = details.guest_count
    elif intent == "waitlist":
        booking.join_waitlist(
            ceremony,
            venue,
            starts_at,
            details.duration_minutes,
            guests=details.guest_count,
            now=now,
        )
    else:
        booking.hold(
            ceremony,
            venue,
            starts_at,
            details.duration_minutes,
            guests=details.guest_count,
            now=now,
        )
    db.session.flush()
    presentation_for(ceremony)  # the AR viewer link comes with the ceremony
    return ceremony


def update_ceremony(
    ceremony: Ceremony, details: CeremonyDetails, now: datetime | None = None
) -> Ceremony:
    """Save edits; a changed slot of a live booking is moved atomically or not at all.

    Once guests are listed the guest count is the list's: the typed one is not taken."""
    now = now or utcnow()
    if count_follows_list(ceremony.id):
        details = replace(details, guest_count=ceremony.guest_count)
    problems: list = []
    venue = _apply_parties(ceremony, ceremony.org_id, details, problems)
    if venue is None:
        raise CeremonyRefused(problems)
    starts_at = details.starts_at(venue)
    duration = details.duration_minutes
    moved = (
        venue.id != ceremony.venue_id
        or starts_at != ceremony.starts_at
        or starts_at + timedelta(minutes=duration) != ceremony.ends_at
    )
    rebooked = moved and ceremony.is_active  # the booking rules check the guests too
    if rebooked:
        problems += booking.rules_broken(venue, starts_at, duration, details.guest_count, now)
    elif moved and ceremony.status not in ("draft", "cancelled", "expired"):
        problems.append(
            CeremonyError("start_time", _l("Leave the waitlist before choosing another slot."))
        )
    if not rebooked and details.guest_count != ceremony.guest_count:
        problem = booking.guests_problem(venue, details.guest_count)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise CeremonyRefused(problems)
    if rebooked:
        booking.reschedule(
            ceremony, venue, starts_at, duration, guests=details.guest_count, now=now
        )
    elif moved:
        booking.save_draft(ceremony, venue, starts_at, duration)
    if details.guest_count != ceremony.guest_count:
        ceremony.guest_count = details.guest_count
    db.session.flush()
    return ceremony


def details_of(ceremony: Ceremony) -> dict:
    """The form's view of a ceremony: date and times on the venue's wall clock."""
    tz = ZoneInfo(ceremony.venue.timezone)
    start = ceremony.starts_at.astimezone(tz)
    return {
        "client_id": ceremony.client_id,
        "companion_id": ceremony.companion_id,
        "venue_id": ceremony.venue_id,
        "date": start.date(),
        "start_time": start.time().replace(tzinfo=None),
        "duration_minutes": int((ceremony.ends_at - ceremony.starts_at).total_seconds() // 60),
        "guest_count": ceremony.guest_count,
        "notes": ceremony.notes,
        "planner_id": ceremony.planner_id,
    }


def upcoming_ceremonies(org_id: int, limit: int = 10) -> list[Ceremony]:
    """The company's next ceremonies that are still going ahead."""
    stmt = (
        db.select(Ceremony)
        .where(
            Ceremony.org_id == org_id,
            Ceremony.archived_at.is_(None),
            Ceremony.ends_at >= utcnow(),
            Ceremony.status.in_(("draft", "waitlisted", "hold", "confirmed")),
        )
        .order_by(Ceremony.starts_at)
        .limit(limit)
        .options(*listed_only())
    )
    return list(db.session.scalars(stmt).unique())


@eraser(order=50)
def anonymise_bookings(scope: ClientScope) -> dict[str, int]:
    """Erasure: the bookings stay on the venue's calendar, anonymous: no client, no companion,
    no notes (calendars see the change through SEQUENCE)."""
    return {
        "ceremonies_anonymised": rowcount(
            db.update(Ceremony)
            .where(Ceremony.id.in_(scope.ceremony_ids))
            .values(
                client_id=None,
                companion_id=None,
                notes="",
                updated_at=utcnow(),
                sequence=Ceremony.sequence + 1,
            )
        )
    }
