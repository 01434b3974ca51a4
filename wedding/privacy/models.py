"""The audit trail: who viewed, changed, exported or erased what, and every sign-in."""

from datetime import datetime

from sqlalchemy import Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from wedding.models import UTCDateTime, db, utcnow

ACTIONS = ("view", "change", "export", "erase", "login", "login_failed", "portal")
SUBJECTS = ("client", "companion", "vows", "document", "account", "ceremony")


class AuditEvent(db.Model):
    """Append-only. Holds ids and short codes, never names or text a person typed, so that it
    may outlive an erasure. No code path updates or deletes it: the ORM refuses to, and on
    both databases a trigger refuses UPDATE."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_org_id_at", "org_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None]  # no foreign key: the trail outlives what it mentions
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(60))  # "user:3", "client:12", "anonymous"
    action: Mapped[str] = mapped_column(String(20))
    subject_type: Mapped[str] = mapped_column(String(20), default="")
    subject_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(String(200), default="")  # a code, e.g. "kind=program"
    address: Mapped[str] = mapped_column(String(64), default="")


class AuditTampering(Exception):
    """Something tried to change or remove an audit event."""


@event.listens_for(Session, "before_flush")
def _append_only(session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTampering("the audit trail is append-only")
