"""Planner companies and their staff."""

from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from wedding.models import Timestamped, UTCDateTime, db

ROLES = ("owner", "planner", "viewer")
EDIT_ROLES = ("owner", "planner")  # a viewer reads only
LANGUAGES = ("ja", "en")


def password_hash_method() -> str:
    """scrypt by default; tests may ask for a cheaper method through PASSWORD_HASH_METHOD."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


class Organisation(Timestamped, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # A new random number with every change to the company's data (wedding/freshness.py):
    # what cached responses are keyed by. Read with the signed-in user, at no extra cost.
    data_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    staff: Mapped[list["User"]] = relationship(back_populates="org", order_by="User.email")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class User(UserMixin, Timestamped, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        Index("ix_users_org_id_updated_at", "org_id", "updated_at"),  # calendar feeds' ETag
        CheckConstraint("role IN ('owner', 'planner', 'viewer')", name="role"),
        CheckConstraint("language IS NULL OR language IN ('ja', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="planner")
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)

    org: Mapped[Organisation] = relationship(back_populates="staff", lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def can_edit(self) -> bool:
        return self.role in EDIT_ROLES

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, password_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role}>"


class ApiToken(Timestamped, db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class UserSession(db.Model):
    """One signed-in browser. The signed cookie carries a random secret whose SHA-256 is kept
    here; the user loader accepts the cookie only while this row is live, so signing out (here
    or everywhere), a new password and deactivation end sessions for real."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(db.Model):
    """Failed sign-ins per account from one address, and per address, kept in the database so
    that every app process sees them (counted by one atomic upsert)."""

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
