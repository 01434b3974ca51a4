"""Venues where ceremonies are held, and the rules they book by."""

from datetime import date, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wedding.i18n import HOME_TIMEZONE
from wedding.models import OrgOwned, Timestamped, db

DEFAULT_DURATIONS = [60, 90, 120]


class Venue(OrgOwned, db.Model):
    __tablename__ = "venues"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        Index("ix_venues_org_id_updated_at", "org_id", "updated_at"),  # calendar feeds' ETag
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("buffer_minutes >= 0 AND buffer_minutes <= 720", name="buffer_range"),
        CheckConstraint("slot_step_minutes IN (5, 10, 15, 20, 30, 60)", name="slot_step"),
        CheckConstraint("horizon_days BETWEEN 1 AND 3660", name="horizon_range"),
        CheckConstraint("hold_days BETWEEN 1 AND 90", name="hold_days_range"),
        CheckConstraint("reminder_days BETWEEN 0 AND 90", name="reminder_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    timezone: Mapped[str] = mapped_column(String(64), default=HOME_TIMEZONE)
    capacity: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    # Booking rules
    durations: Mapped[list[int]] = mapped_column(JSON, default=lambda: list(DEFAULT_DURATIONS))
    buffer_minutes: Mapped[int] = mapped_column(default=30)
    slot_step_minutes: Mapped[int] = mapped_column(default=30)
    horizon_days: Mapped[int] = mapped_column(default=730)
    hold_days: Mapped[int] = mapped_column(default=7)
    reminder_days: Mapped[int] = mapped_column(default=2)

    hours: Mapped[list["OpeningHours"]] = relationship(
        back_populates="venue",
        order_by="OpeningHours.weekday",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    # Every closure the venue ever had (its page lists them), loaded when read: the booking
    # rules read only those not over yet (wedding.booking.services.rules_options).
    closures: Mapped[list["Closure"]] = relationship(
        back_populates="venue",
        order_by="Closure.starts_on",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Venue {self.id} {self.name!r}>"


class OpeningHours(db.Model):
    """When a venue holds ceremonies on one weekday (0 = Monday), in its own time zone."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        UniqueConstraint("venue_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("closes > opens", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    opens: Mapped[time]
    closes: Mapped[time]

    venue: Mapped[Venue] = relationship(back_populates="hours")


class Closure(Timestamped, db.Model):
    """Days a venue is closed (maintenance, its own holidays), first and last day included."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        # The booking rules read a venue's closures not over yet (booking.rules_options).
        Index("ix_closures_venue_id_ends_on", "venue_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200), default="")

    venue: Mapped[Venue] = relationship(back_populates="closures")
