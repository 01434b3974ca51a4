"""Vow drafts kept as versions, and the client's consent to an external AI composer."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import OrgOwned, UTCDateTime, db

ROLES = ("companion", "client")
LANGS = ("ja", "en")
SOURCES = ("builtin", "llm", "edited")


class VowVersion(OrgOwned, db.Model):
    """One version of one set of vows (whose: role; in which language: lang)."""

    __tablename__ = "vow_versions"
    __table_args__ = (
        CheckConstraint("role IN ('companion', 'client')", name="role"),
        CheckConstraint("lang IN ('ja', 'en')", name="lang"),
        CheckConstraint("source IN ('builtin', 'llm', 'edited')", name="source"),
        CheckConstraint("number >= 1", name="number"),
        UniqueConstraint("ceremony_id", "role", "lang", "number"),
        # At most one approved version per ceremony, role and language: the one that prints.
        Index(
            "ix_vow_versions_one_approved",
            "ceremony_id",
            "role",
            "lang",
            unique=True,
            sqlite_where=text("approved_at IS NOT NULL"),
            postgresql_where=text("approved_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    lang: Mapped[str] = mapped_column(String(5))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    # The built-in composer's seed, or the model that wrote it, or the version it was edited from.
    seed: Mapped[int | None]
    model: Mapped[str] = mapped_column(String(200), default="")
    based_on: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "planner:<user id>" or "client": who approved it.
    approved_by: Mapped[str] = mapped_column(String(50), default="")
    # Drafts stay the planner's until shared: only shared (or approved) versions reach the portal.
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def approved(self) -> bool:
        return self.approved_at is not None

    def __repr__(self) -> str:
        return f"<VowVersion {self.ceremony_id} {self.role} {self.lang} v{self.number}>"


class LlmConsent(OrgOwned, db.Model):
    """The client's agreement that their persona and story may go to one AI provider and model."""

    __tablename__ = "llm_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(500))  # the endpoint's base URL
    model: Mapped[str] = mapped_column(String(200))
    agreed_by: Mapped[str] = mapped_column(String(200))  # the person who said yes, as they wrote it
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VowComment(OrgOwned, db.Model):
    """A note on a vow version: the client asking for changes, or the planner answering."""

    __tablename__ = "vow_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("vow_versions.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(50))  # "client" or "planner:<user id>"
    text: Mapped[str] = mapped_column(Text)


AUDIO_STATUSES = ("queued", "running", "done", "failed")


class VowAudio(OrgOwned, db.Model):
    """A vow version spoken in the companion's voice: synthesised in the background."""

    __tablename__ = "vow_audio"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        # A finished recording always has its file; nothing else ever has one.
        CheckConstraint("(status = 'done') = (file_id IS NOT NULL)", name="done_has_file"),
        UniqueConstraint("version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("vow_versions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    seconds: Mapped[float | None]
    # What it was spoken with, so that a change of voice shows the recording is out of date.
    voice: Mapped[str] = mapped_column(String(60), default="")
    # What the Japanese voice pronounced, in katakana: a planner checks names by reading it.
    heard: Mapped[str] = mapped_column(Text, default="", server_default="")
