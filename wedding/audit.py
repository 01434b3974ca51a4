"""The audit trail (core: every capability writes to it, so it sits below all of them): who
viewed, changed, exported or erased what, and every sign-in. Append-only."""

from datetime import datetime

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import Index, String, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from wedding.models import UTCDateTime, db, utcnow, write_after_response, writes_deferred

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


def _actor() -> tuple[str, int | None]:
    if has_request_context():
        if current_user and current_user.is_authenticated:
            return f"user:{current_user.id}", current_user.org_id
        client = g.get("client")
        if client is not None:
            return f"client:{client.id}", client.org_id
    return "anonymous", None


def audit(
    action: str,
    subject_type: str = "",
    subject_id: int | None = None,
    detail: str = "",
    org_id: int | None = None,
    actor: str | None = None,
) -> None:
    """Record one event: with the request's own work (committed with it), or, in a request
    that only reads (a page view on SQLite), in a short transaction of its own once the
    response is ready, so that reading pages never queue for the write lock."""
    who, org = _actor()
    row = {
        "org_id": org_id if org_id is not None else org,
        "actor": (actor or who)[:60],
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "detail": detail[:200],
        "address": (request.remote_addr or "")[:64] if has_request_context() else "cli",
        "at": utcnow(),
    }
    if has_request_context() and writes_deferred():
        g.setdefault("audit_rows", []).append(row)
        return
    db.session.add(AuditEvent(**row))


def write_deferred_events(response):
    """after_request: the events of a read-only request are written once the response has
    been sent, in a short write transaction of their own: the page never waits for the write
    lock."""
    rows = g.pop("audit_rows", None)
    if rows and response.status_code < 400:
        write_after_response(response, insert(AuditEvent).values(rows))
    return response


def register(app: Flask) -> None:
    app.after_request(write_deferred_events)
