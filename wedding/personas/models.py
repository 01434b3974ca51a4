"""The client's companion: a fictional or AI partner with a persona of their own."""

from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wedding.models import OrgOwned, db

if TYPE_CHECKING:
    from wedding.clients.models import Client


class Companion(OrgOwned, db.Model):
    __tablename__ = "companions"
    __table_args__ = (
        Index("ix_companions_org_id_updated_at", "org_id", "updated_at"),  # calendar feeds' ETag
        CheckConstraint(
            "tone IN ('gentle', 'playful', 'formal', 'tsundere', 'poetic', 'cool', 'cheerful')",
            name="tone",
        ),
        CheckConstraint(
            "origin IN ('original', 'licensed', 'ai_platform', 'sillytavern', 'other')",
            name="origin",
        ),
        CheckConstraint(
            "presence IN ('ar_glasses', 'panel', 'phone', 'plush', 'screen', 'other')",
            name="presence",
        ),
        CheckConstraint("height_cm BETWEEN 30 AND 300", name="height_cm"),
        CheckConstraint("pronouns IN ('', 'she', 'he', 'they')", name="pronouns"),
        CheckConstraint("voice_pitch BETWEEN -12 AND 12", name="voice_pitch"),
        CheckConstraint("voice_speed BETWEEN 50 AND 200", name="voice_speed"),
        CheckConstraint(
            "cutout_state IN ('', 'proposed', 'accepted', 'uploaded')", name="cutout_state"
        ),
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
    # How they speak
    nickname: Mapped[str] = mapped_column(String(200), default="")
    first_person: Mapped[str] = mapped_column(String(20), default="")
    tone: Mapped[str] = mapped_column(String(20), default="gentle")
    catchphrases: Mapped[str] = mapped_column(Text, default="")  # one a line
    calls_client: Mapped[str] = mapped_column(String(100), default="")
    traits: Mapped[str] = mapped_column(Text, default="")  # one a line
    appearance: Mapped[str] = mapped_column(Text, default="", server_default="")  # one a line
    # "she", "he", "they", or "" when nobody has said (never guessed).
    pronouns: Mapped[str] = mapped_column(String(10), default="", server_default="")
    backstory: Mapped[str] = mapped_column(Text, default="")
    voice_samples: Mapped[str] = mapped_column(Text, default="")
    # The couple's story
    how_met: Mapped[str] = mapped_column(Text, default="")
    moment_knew: Mapped[str] = mapped_column(Text, default="")
    proposal_words: Mapped[str] = mapped_column(Text, default="")
    promises: Mapped[str] = mapped_column(Text, default="")
    # Where the persona comes from, and how it is present at the ceremony
    origin: Mapped[str] = mapped_column(String(20), default="original")
    platform: Mapped[str] = mapped_column(String(100), default="")
    artwork_printable: Mapped[bool] = mapped_column(default=False)
    presence: Mapped[str] = mapped_column(String(20), default="ar_glasses")
    # How tall the companion stands in AR (the standee is made at this height).
    height_cm: Mapped[int] = mapped_column(default=175, server_default="175")
    portrait_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # Their spoken voice: the engine's voice name ("" = its default), half tones up or down,
    # and speed in percent.
    voice: Mapped[str] = mapped_column(String(40), default="", server_default="")
    voice_pitch: Mapped[int] = mapped_column(default=0, server_default="0")
    voice_speed: Mapped[int] = mapped_column(default=100, server_default="100")
    # How the voice says names, one a line: "心愛 = ここあ" (wedding.vows.speech.parse_readings).
    spoken_readings: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The figure cut out of the portrait for the AR standee: "proposed" (made by us, waiting for
    # the planner), "accepted" or "uploaded" (the planner's own); the standee uses the last two.
    cutout_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    cutout_state: Mapped[str] = mapped_column(String(10), default="", server_default="")
    # The imported card exactly as it came (unknown fields and extensions included)
    card_json: Mapped[str] = mapped_column(Text, default="")
    card_source: Mapped[str] = mapped_column(String(20), default="")

    client: Mapped["Client"] = relationship(
        primaryjoin="Client.id == foreign(Companion.client_id)", lazy="joined"
    )

    def __repr__(self) -> str:
        return f"<Companion {self.id} {self.name!r}>"


class PendingImport(OrgOwned, db.Model):
    """An uploaded card waiting for the planner to look at the preview and confirm."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(index=True)
    companion_id: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(20))
    card_json: Mapped[str] = mapped_column(Text)
    original: Mapped[str] = mapped_column(Text, default="")
    portrait_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    filename: Mapped[str] = mapped_column(String(255), default="")


class CoupleStory(OrgOwned, db.Model):
    """The couple's questionnaire in one language: their story, in their own words."""

    __tablename__ = "couple_stories"
    __table_args__ = (
        CheckConstraint("lang IN ('ja', 'en')", name="lang"),
        UniqueConstraint("companion_id", "lang"),
        ForeignKeyConstraint(
            ["org_id", "companion_id"], ["companions.org_id", "companions.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    companion_id: Mapped[int] = mapped_column(index=True)
    lang: Mapped[str] = mapped_column(String(5))
    how_met: Mapped[str] = mapped_column(Text, default="")
    client_calls_companion: Mapped[str] = mapped_column(String(100), default="")
    companion_calls_client: Mapped[str] = mapped_column(String(100), default="")
    moment_knew: Mapped[str] = mapped_column(Text, default="")
    proposal_words: Mapped[str] = mapped_column(Text, default="")
    promises: Mapped[str] = mapped_column(Text, default="")  # one a line
    for_guests: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(50), default="")  # "client" or "planner:<id>"
