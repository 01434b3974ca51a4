"""A ceremony's guests and its live stream."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import Timestamped, UTCDateTime, db
from wedding.tokens import SecretLink

RSVPS = ("pending", "yes", "online", "no")


class Guest(SecretLink, Timestamped, db.Model):
    """One invited guest; their invitation link opens only their own reply."""

    __tablename__ = "guests"
    __table_args__ = (
        CheckConstraint("rsvp IN ('pending', 'yes', 'online', 'no')", name="rsvp"),
        CheckConstraint("link_days_after BETWEEN 0 AND 90", name="link_days_after"),
    )
    link_purpose = "rsvp"
    token_bytes = 16  # 128 bits

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    rsvp: Mapped[str] = mapped_column(String(10), default="pending")
    note: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The invitation link stops working this many days after the ceremony ends (counted from
    # the ceremony, so that it follows the ceremony when it moves).
    link_days_after: Mapped[int] = mapped_column(default=7, server_default="7")


class GuestList(Timestamped, db.Model):
    """What a ceremony's online guests get on the day, and the count typed before the list."""

    __tablename__ = "guest_lists"
    __table_args__ = (
        CheckConstraint(
            "typed_guest_count IS NULL OR typed_guest_count >= 0", name="typed_guest_count"
        ),
    )

    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    stream_url: Mapped[str] = mapped_column(String(500), default="")
    # The guest count the planner typed before the first guest was listed (None: none was):
    # the ceremony's count again when the last guest is removed.
    typed_guest_count: Mapped[int | None]
