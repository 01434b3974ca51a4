"""Writing the audit trail from views (the request says who and from where)."""

from flask import g, has_request_context, request
from flask_login import current_user

from wedding.models import db
from wedding.privacy.models import AuditEvent


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
    """Add one event to the session (committed with the request's own work)."""
    who, org = _actor()
    db.session.add(
        AuditEvent(
            org_id=org_id if org_id is not None else org,
            actor=actor or who,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=detail[:200],
            address=(request.remote_addr or "")[:64] if has_request_context() else "cli",
        )
    )
