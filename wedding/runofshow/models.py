"""Items of a ceremony's run of show."""

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import Timestamped, db

ROLES = ("planner", "vow_reader", "photographer", "ar_operator", "client", "everyone")


class RunItem(Timestamped, db.Model):
    """One step, timed relative to the ceremony's start so that moving the ceremony moves it."""

    __tablename__ = "run_items"
    __table_args__ = (
        CheckConstraint("offset_minutes BETWEEN -240 AND 720", name="offset_range"),
        CheckConstraint("duration_minutes BETWEEN 0 AND 600", name="duration_range"),
        CheckConstraint(
            "role IN ('planner', 'vow_reader', 'photographer', 'ar_operator', 'client', "
            "'everyone')",
            name="role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    offset_minutes: Mapped[int] = mapped_column(default=0)
    duration_minutes: Mapped[int] = mapped_column(default=5)
    title_ja: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="planner")
    notes: Mapped[str] = mapped_column(Text, default="")

    def title(self, lang: str) -> str:
        """The title in the reader's language, falling back to the other one."""
        first, second = (
            (self.title_ja, self.title_en) if lang == "ja" else (self.title_en, self.title_ja)
        )
        return first or second
