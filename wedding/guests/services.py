"""The guest list: guests, their replies, and the count the booking and the venue see.

Until the first guest is listed, the ceremony's guest count is the number the planner typed.
From then on it follows the list: everyone who comes in person or has not answered yet (an
unanswered guest may still come, so the venue's capacity counts them). Online guests and those
who cannot come do not count. The typed number is kept meanwhile (GuestList.typed_guest_count)
and is the count again when the last guest is removed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func

from wedding.booking.services import guests_problem
from wedding.ceremonies.models import Ceremony
from wedding.erasure import ClientScope, eraser, rowcount
from wedding.guests.models import RSVPS, Guest, GuestList
from wedding.i18n import lazy_gettext as _l
from wedding.models import db, utcnow
from wedding.presentation.services import calendar_viewer_url
from wedding.urls import public_url

IN_PERSON = ("yes", "pending")
CLOSED = ("cancelled", "expired", "completed")
# How many days after the ceremony an invitation link still works: (fewest, default, most).
LINK_DAYS_AFTER = (0, 7, 90)


class GuestError(ValueError):
    """A change to the guest list breaks a rule; ``field`` names the form field."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field


def guests_of(ceremony_id: int) -> list[Guest]:
    return list(
        db.session.scalars(
            db.select(Guest).where(Guest.ceremony_id == ceremony_id).order_by(Guest.id)
        )
    )


def in_person_count(ceremony_id: int) -> int:
    return db.session.scalar(
        db.select(func.count(Guest.id)).where(
            Guest.ceremony_id == ceremony_id, Guest.rsvp.in_(IN_PERSON)
        )
    )


def count_follows_list(ceremony_id: int) -> bool:
    """Whether the ceremony's guest count is its guest list's (a guest is listed) rather than
    the number the planner typed."""
    return bool(db.session.scalar(db.select(db.exists().where(Guest.ceremony_id == ceremony_id))))


def _recount(ceremony: Ceremony, extra: int = 0) -> None:
    """Set the booking's guest count from the list, refusing one that grows beyond what the
    venue holds (one that shrinks is always taken: the ceremony may have moved to a smaller
    venue since, and a guest who cannot come must still be able to say so)."""
    db.session.flush()
    count = in_person_count(ceremony.id) + extra
    capacity = ceremony.venue.capacity
    if capacity is not None and count > capacity and count > (ceremony.guest_count or 0):
        raise GuestError(
            "rsvp",
            _l(
                "The venue holds %(capacity)d guests in person; invite this guest online.",
                capacity=capacity,
            ),
        )
    ceremony.guest_count = count


def link_days_after(days: int | None) -> int:
    """Days after the ceremony an invitation link works: the default when none is given."""
    fewest, default, most = LINK_DAYS_AFTER
    if days is None:
        return default
    if not fewest <= days <= most:
        raise GuestError(
            "link_days_after",
            _l("Between %(fewest)d and %(most)d days.", fewest=fewest, most=most),
        )
    return days


def add_guest(
    ceremony: Ceremony, name: str, email: str = "", link_days: int | None = None
) -> Guest:
    """A guest and their invitation link, which works until ``link_days`` after the day."""
    if ceremony.status in CLOSED:
        raise GuestError("name", _l("This ceremony is over; the guest list is closed."))
    guest = Guest(
        org_id=ceremony.org_id,
        ceremony_id=ceremony.id,
        name=name,
        email=email,
        link_days_after=link_days_after(link_days),
    )
    if not count_follows_list(ceremony.id):  # the first guest: keep the number typed
        _settings(ceremony).typed_guest_count = ceremony.guest_count
    db.session.add(guest)
    _recount(ceremony)
    db.session.flush()
    return guest


def remove_guest(ceremony: Ceremony, guest: Guest) -> int | None:
    """Remove a guest. The last one hands the count back to the number the planner typed
    before the list, which is returned (None when none was typed, or it was not kept: listed
    before it was). A typed number above what the venue holds now is returned but not given
    back: the count is then unknown (None), to be typed again."""
    db.session.delete(guest)
    db.session.flush()
    if count_follows_list(ceremony.id):
        _recount(ceremony)
        return None
    settings = db.session.get(GuestList, ceremony.id)
    typed = settings.typed_guest_count if settings else None
    if settings is not None:
        settings.typed_guest_count = None
    fits = typed is not None and guests_problem(ceremony.venue, typed) is None
    ceremony.guest_count = typed if fits else None
    return typed


def replies_closed(ceremony: Ceremony, now: datetime) -> bool:
    """After the ceremony has begun (or when it will not take place) nobody can reply."""
    return ceremony.status in CLOSED or now >= ceremony.starts_at


def record_reply(
    ceremony: Ceremony,
    guest: Guest,
    rsvp: str,
    note: str | None = None,
    now: datetime | None = None,
) -> Guest:
    """A guest's answer (from their link, or typed in by the planner).

    The note is the guest's own words: ``None`` (the planner's answer, which has no note)
    keeps what the guest wrote."""
    now = now or utcnow()
    if rsvp not in RSVPS or rsvp == "pending":
        raise GuestError("rsvp", _l("Choose one of the answers."))
    if replies_closed(ceremony, now):
        raise GuestError("rsvp", _l("The ceremony has already taken place; replies are closed."))
    guest.rsvp, guest.responded_at = rsvp, now
    if note is not None:
        guest.note = note
    _recount(ceremony)
    return guest


def clear_reply(ceremony: Ceremony, guest: Guest, now: datetime | None = None) -> Guest:
    """The planner takes back an answer recorded by mistake: the guest has not answered yet.

    Only the planner may do this; a guest's own page offers answers, never "not answered".
    The guest's note stays: it is theirs, not part of the mistaken answer."""
    if replies_closed(ceremony, now or utcnow()):
        raise GuestError("rsvp", _l("The ceremony has already taken place; replies are closed."))
    guest.rsvp, guest.responded_at = "pending", None
    _recount(ceremony)
    return guest


def stream_url_of(ceremony_id: int) -> str:
    settings = db.session.get(GuestList, ceremony_id)
    return settings.stream_url if settings else ""


def _settings(ceremony: Ceremony) -> GuestList:
    settings = db.session.get(GuestList, ceremony.id)
    if settings is None:
        settings = GuestList(ceremony_id=ceremony.id, org_id=ceremony.org_id, stream_url="")
        db.session.add(settings)
    return settings


def set_stream_url(ceremony: Ceremony, url: str) -> None:
    _settings(ceremony).stream_url = url
    db.session.flush()


def invitation_url(guest: Guest) -> str:
    return public_url("rsvp.reply_page", token=guest.public_token(current_app.config["SECRET_KEY"]))


def renew_link(guest: Guest, link_days: int | None = None) -> None:
    """A new invitation link (the old one stops working), with a new lifetime if one is given."""
    if link_days is not None:
        guest.link_days_after = link_days_after(link_days)
    guest.renew()
    db.session.flush()


def link_expires_at(guest: Guest, ceremony: Ceremony) -> datetime:
    return ceremony.ends_at + timedelta(days=guest.link_days_after)


def guest_from_token(token: str, now: datetime | None = None) -> Guest | None:
    """The guest a link opens, while it is genuine, not stopped and not past its lifetime."""
    guest = Guest.from_public_token(token, current_app.config["SECRET_KEY"])
    if guest is None:
        return None
    ceremony = db.session.get(Ceremony, guest.ceremony_id)
    if (now or utcnow()) >= link_expires_at(guest, ceremony):
        return None
    return guest


def is_the_day(ceremony: Ceremony, now: datetime) -> bool:
    zone = ZoneInfo(ceremony.venue.timezone)
    return now.astimezone(zone).date() == ceremony.starts_at.astimezone(zone).date()


def online_links(ceremony: Ceremony, guest: Guest, now: datetime) -> dict | None:
    """What an online guest gets on the day: the stream and the AR viewer (reads only)."""
    if guest.rsvp != "online" or ceremony.status in ("cancelled", "expired"):
        return None
    if not is_the_day(ceremony, now):
        return None
    return {"stream": stream_url_of(ceremony.id), "ar": calendar_viewer_url(ceremony)}


@eraser(order=10)
def erase_guests(scope: ClientScope) -> dict[str, int]:
    """Erasure: the guests of the client's ceremonies (their names and replies). Each
    ceremony keeps the count its list gave; the number typed before the list is let go with
    the list (it is kept only while a list counts)."""
    kept = db.update(GuestList).where(GuestList.ceremony_id.in_(scope.ceremony_ids))
    db.session.execute(kept.values(typed_guest_count=None))
    return {"guests": rowcount(db.delete(Guest).where(Guest.ceremony_id.in_(scope.ceremony_ids)))}
