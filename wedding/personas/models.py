"""The client's companion: a fictional or AI partner with a persona of their own."""

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wedding.models import OrgOwned, db

if TYPE_CHECKING:
    from wedding.clients.models import Client


class Companion(OrgOwned, db.Model):
    __tablename__ = "companions"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        UniqueConstraint("org_id", "client_id", "id"),
        # The client must belong to the same company as the companion.
        ForeignKeyConstraint(
            ["org_id", "client_id"], ["clients.org_id", "clients.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    client: Mapped["Client"] = relationship(
        primaryjoin="Client.id == foreign(Companion.client_id)", lazy="joined"
    )

    def __repr__(self) -> str:
        return f"<Companion {self.id} {self.name!r}>"
