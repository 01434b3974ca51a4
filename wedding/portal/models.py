"""Private links that open a client's portal."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import OrgOwned, UTCDateTime, db
from wedding.tokens import SecretLink


class PortalLink(SecretLink, OrgOwned, db.Model):
    """A magic link to one client's portal: expires, can be revoked, is never stored."""

    __tablename__ = "portal_links"
    link_purpose = "portal"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_to: Mapped[str] = mapped_column(String(254), default="")  # "" when copied by hand
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def usable(self, now: datetime) -> bool:
        return self.active and self.expires_at > now
