"""Stored files: bytes in the database (PostgreSQL bytea / SQLite blob)."""

from sqlalchemy import CheckConstraint, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from wedding.models import OrgOwned, db


class StoredFile(OrgOwned, db.Model):
    __tablename__ = "stored_files"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        CheckConstraint("size >= 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
