"""Rules for ceremonies: who, with whom, where and when."""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db, utcnow
from wedding.personas.models import Companion
from wedding.venues.models import Venue


class CeremonyError(Exception):
    """A ceremony breaks a rule; ``field`` names the form field to show it on."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CeremonyDetails:
    client_id: int
    companion_id: int | None
    venue_id: int
    date: date
    start_time: time
    end_time: time
    status: str = "draft"
    notes: str = ""


def venue_instant(day: date, wall_time: time, tz: str) -> datetime:
    """The aware instant of a wall-clock time on a day at a venue."""
    return datetime.combine(day, wall_time, tzinfo=ZoneInfo(tz))


def _owned(model, org_id: int, record_id: int | None, field: str, keep_id: int | None):
    record = db.session.get(model, record_id) if record_id is not None else None
    if record is None or record.org_id != org_id:
        raise CeremonyError(field, _l("Choose one from the list."))
    if record.archived_at is not None and record.id != keep_id:
        raise CeremonyError(field, _l("This one is archived; restore it first."))
    return record


def _apply(ceremony: Ceremony, org_id: int, details: CeremonyDetails) -> Ceremony:
    client = _owned(Client, org_id, details.client_id, "client_id", ceremony.client_id)
    venue = _owned(Venue, org_id, details.venue_id, "venue_id", ceremony.venue_id)
    companion = None
    if details.companion_id is not None:
        companion = _owned(
            Companion, org_id, details.companion_id, "companion_id", ceremony.companion_id
        )
        if companion.client_id != client.id:
            raise CeremonyError("companion_id", _l("This companion belongs to another client."))
    starts_at = venue_instant(details.date, details.start_time, venue.timezone)
    ends_at = venue_instant(details.date, details.end_time, venue.timezone)
    if ends_at <= starts_at:
        raise CeremonyError("end_time", _l("The ceremony must end after it starts."))
    ceremony.org_id = org_id
    ceremony.client_id, ceremony.client = client.id, client
    ceremony.venue_id, ceremony.venue = venue.id, venue
    ceremony.companion_id, ceremony.companion = (companion.id if companion else None), companion
    ceremony.starts_at, ceremony.ends_at = starts_at, ends_at
    ceremony.status = details.status
    ceremony.notes = details.notes
    return ceremony


def schedule_ceremony(org_id: int, details: CeremonyDetails) -> Ceremony:
    """Create a ceremony for the company after checking every party belongs to it."""
    ceremony = _apply(Ceremony(), org_id, details)
    db.session.add(ceremony)
    db.session.flush()
    return ceremony


def update_ceremony(ceremony: Ceremony, details: CeremonyDetails) -> Ceremony:
    _apply(ceremony, ceremony.org_id, details)
    db.session.flush()
    return ceremony


def details_of(ceremony: Ceremony) -> dict:
    """The form's view of a ceremony: date and times on the venue's wall clock."""
    tz = ZoneInfo(ceremony.venue.timezone)
    start, end = ceremony.starts_at.astimezone(tz), ceremony.ends_at.astimezone(tz)
    return {
        "client_id": ceremony.client_id,
        "companion_id": ceremony.companion_id,
        "venue_id": ceremony.venue_id,
        "date": start.date(),
        "start_time": start.time().replace(tzinfo=None),
        "end_time": end.time().replace(tzinfo=None),
        "status": ceremony.status,
        "notes": ceremony.notes,
    }


def upcoming_ceremonies(org_id: int, limit: int = 10) -> list[Ceremony]:
    """The company's next ceremonies that are still going ahead."""
    stmt = (
        db.select(Ceremony)
        .where(
            Ceremony.org_id == org_id,
            Ceremony.archived_at.is_(None),
            Ceremony.ends_at >= utcnow(),
            Ceremony.status.in_(("draft", "hold", "confirmed")),
        )
        .order_by(Ceremony.starts_at)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())
