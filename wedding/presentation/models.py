"""A ceremony's AR presentation, and the standee models generated from portraits."""

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import OrgOwned, Timestamped, db
from wedding.tokens import SecretLink


class Presentation(SecretLink, OrgOwned, db.Model):
    """What guests see at /ar/<token>: an uploaded model, or the companion's standee."""

    __tablename__ = "presentations"
    __table_args__ = (
        CheckConstraint("model_kind IN ('', 'glb', 'vrm')", name="model_kind"),
        Index("ix_presentations_org_id_updated_at", "org_id", "updated_at"),  # feeds' ETag
    )
    link_purpose = "ar"
    token_bytes = 16  # 128 bits: short enough to print under the QR code

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), unique=True
    )
    # The AR app or vendor scene the planner already uses, if any.
    external_url: Mapped[str] = mapped_column(String(500), default="")
    model_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    model_kind: Mapped[str] = mapped_column(String(5), default="")
    model_name: Mapped[str] = mapped_column(String(255), default="")


class Standee(Timestamped, db.Model):
    """The generated standee GLB of a companion, kept until its portrait or height changes."""

    __tablename__ = "standees"

    id: Mapped[int] = mapped_column(primary_key=True)
    companion_id: Mapped[int] = mapped_column(
        ForeignKey("companions.id", ondelete="CASCADE"), unique=True
    )
    # sha256 of the portrait and the height it was made for: a different key means regenerate.
    key: Mapped[str] = mapped_column(String(100))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
