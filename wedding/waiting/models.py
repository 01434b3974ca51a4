"""Marks of things handled by hand, and each staff member's digest setting."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import UTCDateTime, db, utcnow

# What a planner can mark as handled by hand (the rest goes away when the work is done).
MARKABLE = ("comment", "approval", "story", "payment", "signed")


class HandledMark(db.Model):
    """A client's comment, approval, questionnaire answers or signed agreement, or a payment
    received, that the planner has dealt with: it leaves what's waiting (answers changed after
    ``handled_at`` come back)."""

    __tablename__ = "handled_marks"
    __table_args__ = (
        UniqueConstraint("org_id", "kind", "ref_id"),
        CheckConstraint(
            "kind IN ('comment', 'approval', 'story', 'payment', 'signed')", name="kind"
        ),
        ForeignKeyConstraint(["org_id", "handled_by_id"], ["users.org_id", "users.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int]
    handled_by_id: Mapped[int | None]
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestSetting(db.Model):
    """A staff member's daily e-mail of what's waiting: on unless they turn it off."""

    __tablename__ = "digest_settings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "user_id"], ["users.org_id", "users.id"], ondelete="CASCADE"
        ),
    )

    user_id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    daily: Mapped[bool] = mapped_column(default=True)
    last_sent_on: Mapped[date | None] = mapped_column(Date)
