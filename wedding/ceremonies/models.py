"""Ceremonies: a client, their companion, a venue and a time."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, String, Text, event
from sqlalchemy.orm import (
    Mapped,
    Session,
    attributes,
    defaultload,
    lazyload,
    mapped_column,
    relationship,
)

from wedding.accounts.models import User
from wedding.models import OrgOwned, UTCDateTime, db
from wedding.personas.models import Companion
from wedding.venues.models import Venue

if TYPE_CHECKING:
    from wedding.clients.models import Client

STATUSES = ("draft", "waitlisted", "hold", "confirmed", "completed", "cancelled", "expired")
# Statuses that occupy the venue: the database refuses two of them overlapping (buffer included).
ACTIVE = ("hold", "confirmed")


class Ceremony(OrgOwned, db.Model):
    __tablename__ = "ceremonies"
    # Migrations also give this table its guard against double booking, which the ORM cannot
    # express for both databases: on PostgreSQL an exclusion constraint `no_double_booking`
    # (btree_gist: same venue_id, overlapping [blocked_from, blocked_until)) for active statuses;
    # on SQLite triggers that abort the same overlapping writes.
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("blocked_until >= ends_at", name="blocked_after_end"),
        CheckConstraint("blocked_from <= starts_at", name="blocked_before_start"),
        CheckConstraint(
            "setup_minutes BETWEEN 0 AND 240 AND wrapup_minutes BETWEEN 0 AND 720",
            name="extra_minutes",
        ),
        CheckConstraint(
            "status IN ('draft', 'waitlisted', 'hold', 'confirmed', 'completed', 'cancelled', "
            "'expired')",
            name="status",
        ),
        CheckConstraint("status != 'hold' OR hold_expires_at IS NOT NULL", name="hold_expires"),
        CheckConstraint("guest_count IS NULL OR guest_count >= 0", name="guest_count"),
        CheckConstraint("deposit_amount IS NULL OR deposit_amount >= 0", name="deposit_amount"),
        # Every party must belong to the ceremony's company, and the companion to the client.
        ForeignKeyConstraint(["org_id", "client_id"], ["clients.org_id", "clients.id"]),
        ForeignKeyConstraint(["org_id", "venue_id"], ["venues.org_id", "venues.id"]),
        ForeignKeyConstraint(
            ["org_id", "client_id", "companion_id"],
            ["companions.org_id", "companions.client_id", "companions.id"],
        ),
        ForeignKeyConstraint(["org_id", "planner_id"], ["users.org_id", "users.id"]),
        Index("ix_ceremonies_venue_id_starts_at", "venue_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(index=True)
    companion_id: Mapped[int | None] = mapped_column(index=True)
    venue_id: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the venue blocks: [blocked_from, blocked_until) = the booking with its preparation
    # time before (setup_minutes), any time kept after the end (wrapup_minutes) and the venue's
    # turnover buffer; fixed when the slot is booked. The database refuses overlaps of it.
    blocked_from: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    setup_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    wrapup_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    notes: Mapped[str] = mapped_column(Text, default="")
    guest_count: Mapped[int | None]
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deposit_amount: Mapped[int | None]
    deposit_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The staff member in charge (their calendar feed shows the ceremony).
    # active_history: a change of planner hands their open tasks over (tasks/services.py)
    planner_id: Mapped[int | None] = mapped_column(index=True, active_history=True)
    # iCalendar SEQUENCE: rises with every change that calendar apps should see.
    sequence: Mapped[int] = mapped_column(default=0)

    client: Mapped["Client | None"] = relationship(
        primaryjoin="Client.id == foreign(Ceremony.client_id)", lazy="joined"
    )
    companion: Mapped["Companion | None"] = relationship(
        primaryjoin="Companion.id == foreign(Ceremony.companion_id)", lazy="joined"
    )
    venue: Mapped["Venue"] = relationship(
        primaryjoin="Venue.id == foreign(Ceremony.venue_id)", lazy="joined"
    )
    planner: Mapped["User | None"] = relationship(
        primaryjoin="User.id == foreign(Ceremony.planner_id)", lazy="joined"
    )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def __repr__(self) -> str:
        return f"<Ceremony {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z>"


def listed_only():
    """Loader options for lists of ceremonies: the venue (name, zone) without its opening hours
    (nor its closures, loaded only when read), the companion without its client (the
    ceremony's own) and the planner without their company (the reader's own), which a list
    never shows: a query and two joins saved per list (each is still loaded if read)."""
    return (
        defaultload(Ceremony.venue).lazyload(Venue.hours),
        defaultload(Ceremony.companion).lazyload(Companion.client),
        defaultload(Ceremony.planner).lazyload(User.org),
    )


def named_only():
    """Loader options for items that name a ceremony by its client, date and venue only (what's
    waiting): the companion and the planner are left out too. Each join left out also spares
    PostgreSQL's planner, which spent more time planning these wide joins than running them."""
    return (*listed_only(), lazyload(Ceremony.companion), lazyload(Ceremony.planner))


# Fields whose change a subscribed calendar should pick up.
CALENDAR_FIELDS = (
    "starts_at",
    "ends_at",
    "setup_minutes",
    "wrapup_minutes",
    "venue_id",
    "status",
    "client_id",
    "companion_id",
    "planner_id",
)


@event.listens_for(Ceremony, "before_insert")
@event.listens_for(Ceremony, "before_update")
def _blocked_from(mapper, connection, ceremony: Ceremony) -> None:
    """The blocked range starts with the preparation time, whoever sets the start."""
    if ceremony.starts_at is not None:
        ceremony.blocked_from = ceremony.starts_at - timedelta(minutes=ceremony.setup_minutes or 0)


@event.listens_for(Session, "before_flush")
def _bump_sequence(session, flush_context, instances) -> None:
    """Raise SEQUENCE whenever a ceremony changes in a way calendars show."""
    for obj in session.dirty:
        if isinstance(obj, Ceremony) and any(
            attributes.get_history(obj, name).has_changes() for name in CALENDAR_FIELDS
        ):
            obj.sequence = (obj.sequence or 0) + 1
