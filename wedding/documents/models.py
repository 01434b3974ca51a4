"""How a ceremony's documents look, and the versions that were issued to the client."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import OrgOwned, UTCDateTime, db

KINDS = ("certificate", "program", "vow_card")  # what is issued to the client
PRINTABLE = (*KINDS, "table_card")  # the table card is printed by the planner only
THEMES = ("classic", "modern", "sakura")
LANGUAGES = ("ja", "en", "both")
SIZES = ("a4", "a5")


class DocumentSettings(OrgOwned, db.Model):
    """One per ceremony: theme, language and the people the documents name."""

    __tablename__ = "document_settings"
    __table_args__ = (
        CheckConstraint("theme IN ('classic', 'modern', 'sakura')", name="theme"),
        CheckConstraint("language IN ('ja', 'en', 'both')", name="language"),
        CheckConstraint("size IN ('a4', 'a5')", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), unique=True
    )
    theme: Mapped[str] = mapped_column(String(20), default="classic")
    language: Mapped[str] = mapped_column(String(5), default="both")
    size: Mapped[str] = mapped_column(String(5), default="a4")  # the program's paper
    vow_reader: Mapped[str] = mapped_column(String(200), default="")
    photographer: Mapped[str] = mapped_column(String(200), default="")
    witness: Mapped[str] = mapped_column(String(200), default="")  # signs for the companion
    thank_you: Mapped[str] = mapped_column(Text, default="")


class IssuedDocument(OrgOwned, db.Model):
    """A document as it was issued: the PDF is kept, and the client can download it."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        CheckConstraint("kind IN ('certificate', 'program', 'vow_card')", name="kind"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("(kind = 'certificate') = (number IS NOT NULL)", name="number"),
        UniqueConstraint("ceremony_id", "kind", "version"),
        # A certificate number belongs to one ceremony: only its first issue may take it.
        Index(
            "ix_issued_documents_certificate_number",
            "org_id",
            "number",
            unique=True,
            sqlite_where=text("version = 1"),
            postgresql_where=text("version = 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    number: Mapped[str | None] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(5))
    theme: Mapped[str] = mapped_column(String(20))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    size: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")  # what was corrected


class Branding(db.Model):
    """A planner company's logo and colour on its documents."""

    __tablename__ = "brandings"
    __table_args__ = (CheckConstraint("color = '' OR length(color) = 7", name="color"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    color: Mapped[str] = mapped_column(String(7), default="")  # #rrggbb
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))


class CertificateCounter(db.Model):
    """The last certificate number a company gave out in a year. It only ever goes up, so an
    erased ceremony's number is never issued again."""

    __tablename__ = "certificate_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number"),)

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
