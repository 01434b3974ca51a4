"""Secret links (feeds, AR viewers, portals): a token derived from a record's id and nonce under
the app's secret key. The token is never stored, so a database leak reveals no link; a new
nonce revokes every old link at once."""

import base64
import hmac
import secrets
from datetime import datetime
from functools import lru_cache
from typing import ClassVar

from flask import current_app, has_app_context
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from wedding.inputs import parse_id
from wedding.models import UTCDateTime, db, utcnow


def secret_keys(secret_key: str) -> list[str]:
    """The key links are made with, then the earlier ones still accepted (Flask's
    SECRET_KEY_FALLBACKS, oldest last) while links made under them are replaced."""
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or [] if has_app_context() else []
    return [secret_key, *(key for key in fallbacks if key and key != secret_key)]


def new_nonce() -> str:
    return secrets.token_hex(16)


@lru_cache(maxsize=16_384)
def derive(secret_key: str, purpose: str, record_id: int, nonce: str, size: int = 32) -> str:
    """The token of one record's link (also for queries that read id and nonce as plain rows):
    HMAC-SHA256 of purpose, id and nonce, its first ``size`` bytes in URL-safe base64.

    A pure function, remembered: a feed of thousands of events shows thousands of AR links, and
    a new nonce (a revoked or renewed link) is simply a new key."""
    digest = hmac.digest(secret_key.encode(), f"{purpose}:{record_id}:{nonce}".encode(), "sha256")
    return base64.urlsafe_b64encode(digest[:size]).rstrip(b"=").decode()


class SecretLink:
    """Mixin: ``nonce`` and ``revoked_at`` columns, and the token they give."""

    link_purpose: ClassVar[str]
    token_bytes: ClassVar[int] = 32

    nonce: Mapped[str] = mapped_column(String(32), default=new_nonce)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def token(self, secret_key: str) -> str:
        """The URL secret (token_bytes × 8 bits), derived, never stored."""
        return derive(secret_key, self.link_purpose, self.id, self.nonce, self.token_bytes)

    def matches(self, token: str, secret_key: str) -> bool:
        """Constant-time comparison, and only while the link is not revoked. Links made under
        an earlier secret key (SECRET_KEY_FALLBACKS) keep working through a key change."""
        if not self.active:
            return False
        return any(
            hmac.compare_digest(
                token.encode(),
                derive(key, self.link_purpose, self.id, self.nonce, self.token_bytes).encode(),
            )
            for key in secret_keys(secret_key)
        )

    def public_token(self, secret_key: str) -> str:
        """What goes in the URL: the record's id, then its secret ("12-Xy3…")."""
        return f"{self.id}-{self.token(secret_key)}"

    @classmethod
    def from_public_token(cls, public_token: str, secret_key: str):
        """The record a URL token opens, if the token is genuine and not revoked; else None."""
        number, _, secret = public_token.partition("-")
        record_id = parse_id(number)
        if record_id is None or not secret:
            return None
        found = db.session.get(cls, record_id)
        return found if found is not None and found.matches(secret, secret_key) else None

    def renew(self) -> None:
        """A new link; the old one stops working."""
        self.nonce, self.revoked_at = new_nonce(), None

    def revoke(self) -> None:
        self.revoked_at = self.revoked_at or utcnow()
