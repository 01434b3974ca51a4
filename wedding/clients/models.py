"""Clients: the people who marry their companions."""

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import OrgOwned, db


class Client(OrgOwned, db.Model):
    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        Index("ix_clients_org_id_updated_at", "org_id", "updated_at"),  # calendar feeds' ETag
        CheckConstraint("language IN ('ja', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(5), default="ja")
    notes: Mapped[str] = mapped_column(Text, default="")

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name

    def __repr__(self) -> str:
        return f"<Client {self.id} {self.full_name!r}>"
