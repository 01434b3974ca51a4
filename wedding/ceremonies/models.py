"""Ceremonies: a client, their companion, a venue and a time."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wedding.models import OrgOwned, UTCDateTime, db

if TYPE_CHECKING:
    from wedding.clients.models import Client
    from wedding.personas.models import Companion
    from wedding.venues.models import Venue

STATUSES = ("draft", "hold", "confirmed", "completed", "cancelled")


class Ceremony(OrgOwned, db.Model):
    __tablename__ = "ceremonies"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "status IN ('draft', 'hold', 'confirmed', 'completed', 'cancelled')", name="status"
        ),
        # Every party must belong to the ceremony's company, and the companion to the client.
        ForeignKeyConstraint(["org_id", "client_id"], ["clients.org_id", "clients.id"]),
        ForeignKeyConstraint(["org_id", "venue_id"], ["venues.org_id", "venues.id"]),
        ForeignKeyConstraint(
            ["org_id", "client_id", "companion_id"],
            ["companions.org_id", "companions.client_id", "companions.id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(index=True)
    companion_id: Mapped[int | None] = mapped_column(index=True)
    venue_id: Mapped[int] = mapped_column(index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    notes: Mapped[str] = mapped_column(Text, default="")

    client: Mapped["Client"] = relationship(
        primaryjoin="Client.id == foreign(Ceremony.client_id)", lazy="joined"
    )
    companion: Mapped["Companion | None"] = relationship(
        primaryjoin="Companion.id == foreign(Ceremony.companion_id)", lazy="joined"
    )
    venue: Mapped["Venue"] = relationship(
        primaryjoin="Venue.id == foreign(Ceremony.venue_id)", lazy="joined"
    )

    def __repr__(self) -> str:
        return f"<Ceremony {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z>"
