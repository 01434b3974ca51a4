"""Subscription feeds: one per company, staff member, venue or client, behind a secret URL."""

import base64
import hashlib
import hmac
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wedding.models import Timestamped, UTCDateTime, db

KINDS = ("company", "staff", "venue", "client")


class Feed(Timestamped, db.Model):
    """The token is never stored: it is an HMAC of the feed's id and nonce under the app's
    secret key, so a database leak reveals no feed URL; a new nonce revokes the old URL."""

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
    nonce: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def token(self, secret_key: str) -> str:
        """The URL secret: 256 bits, derived, never stored."""
        digest = hmac.new(
            secret_key.encode(), f"feed:{self.id}:{self.nonce}".encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def matches(self, token: str, secret_key: str) -> bool:
        return self.active and hmac.compare_digest(token.encode(), self.token(secret_key).encode())


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
