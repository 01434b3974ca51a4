"""Clients: the people who marry their companions."""

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import OrgOwned, db

# The words for the client's place in the ceremony, and the pronouns English texts use.
ROLE_WORDS = {
    "bride": {"ja": "新婦", "en": "bride"},
    "groom": {"ja": "新郎", "en": "groom"},
    "partner": {"ja": "新人", "en": "partner"},
}
PRONOUNS = {
    "she": {"subject": "she", "object": "her", "possessive": "her"},
    "he": {"subject": "he", "object": "him", "possessive": "his"},
    "they": {"subject": "they", "object": "them", "possessive": "their"},
}


def role_word(role: str, label: str, lang: str) -> str:
    """The word for a ceremony role; a custom role uses the planner's own label."""
    if role == "custom" and label.strip():
        return label.strip()
    return ROLE_WORDS.get(role, ROLE_WORDS["partner"])[lang]


class Client(OrgOwned, db.Model):
    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        Index("ix_clients_org_id_updated_at", "org_id", "updated_at"),  # calendar feeds' ETag
        CheckConstraint("language IN ('ja', 'en')", name="language"),
        CheckConstraint(
            "ceremony_role IN ('bride', 'groom', 'partner', 'custom')", name="ceremony_role"
        ),
        CheckConstraint("pronouns IN ('she', 'he', 'they')", name="pronouns"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(5), default="ja")
    notes: Mapped[str] = mapped_column(Text, default="")
    # How the ceremony names the client (新婦 / 新郎 / 新人 or the planner's own words) and the
    # pronouns the English texts use.
    ceremony_role: Mapped[str] = mapped_column(
        String(10), default="partner", server_default="partner"
    )
    role_label: Mapped[str] = mapped_column(String(40), default="", server_default="")
    pronouns: Mapped[str] = mapped_column(String(10), default="they", server_default="they")

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name

    def role_word(self, lang: str) -> str:
        """What the ceremony calls the client, in a language (新婦, groom, …)."""
        return role_word(self.ceremony_role, self.role_label, lang)

    def __repr__(self) -> str:
        return f"<Client {self.id} {self.full_name!r}>"
