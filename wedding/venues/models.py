"""Venues where ceremonies are held."""

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import OrgOwned, db


class Venue(OrgOwned, db.Model):
    __tablename__ = "venues"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    capacity: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Venue {self.id} {self.name!r}>"
