"""Subscription feeds: one per company, staff member, venue or client, behind a secret URL."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import Timestamped, UTCDateTime, db
from wedding.tokens import SecretLink

KINDS = ("company", "staff", "venue", "client")


class Feed(SecretLink, Timestamped, db.Model):
    """A feed's URL carries a SecretLink token (256 bits): never stored, revoked by a new nonce."""

    link_purpose = "feed"

    __tablename__ = "feeds"
    __table_args__ = (
        UniqueConstraint("org_id", "kind", "subject_id"),
        CheckConstraint("kind IN ('company', 'staff', 'venue', 'client')", name="kind"),
        CheckConstraint("language IN ('ja', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(default=0)  # 0 for the company feed
    language: Mapped[str] = mapped_column(String(5), default="ja")


class CalDAVAccount(Timestamped, db.Model):
    """A staff member's own calendar server; the app password is stored encrypted."""

    __tablename__ = "caldav_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    username: Mapped[str] = mapped_column(String(200))
    password_encrypted: Mapped[str] = mapped_column(String(1000))
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


class CalDAVState(Timestamped, db.Model):
    """What we last put on the server for one ceremony, and any failure waiting for a retry."""

    __tablename__ = "caldav_states"
    __table_args__ = (UniqueConstraint("account_id", "ceremony_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("caldav_accounts.id", ondelete="CASCADE"), index=True
    )
    ceremony_id: Mapped[int] = mapped_column(index=True)
    pushed_sequence: Mapped[int | None]
    pushed_status: Mapped[str | None] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(500))
