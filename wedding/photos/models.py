"""Photos and the links that hand them to a studio or share them with family."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import Timestamped, UTCDateTime, db
from wedding.tokens import SecretLink

COMPOSITE = ("none", "needed", "sent", "done")


class PhotoLink(SecretLink, Timestamped, db.Model):
    """A batch handed to the compositing studio, or a gallery shared with family; expires."""

    __tablename__ = "photo_links"
    __table_args__ = (CheckConstraint("kind IN ('studio', 'family')", name="kind"),)
    link_purpose = "photos"
    token_bytes = 16

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def usable(self, now: datetime) -> bool:
        return self.active and now < self.expires_at


class Photo(Timestamped, db.Model):
    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint("composite IN ('none', 'needed', 'sent', 'done')", name="composite"),
        CheckConstraint("width > 0 AND height > 0", name="dimensions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    thumb_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    finished_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    width: Mapped[int]
    height: Mapped[int]
    # Whether the companion still has to be composited in, and how far that has got.
    composite: Mapped[str] = mapped_column(String(10), default="none")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("photo_links.id", ondelete="SET NULL"))
    favourite: Mapped[bool] = mapped_column(default=False)

    @property
    def shown_file_id(self) -> int:
        """What the client and family see: the composited photo once it is back."""
        return self.finished_id or self.file_id
