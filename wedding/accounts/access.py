"""Who may see and change what: every query is scoped to the signed-in user's company."""

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, g, request
from flask_login import current_user, login_required
from sqlalchemy import Select

from wedding.models import db

M = TypeVar("M")


def acting_org_id() -> int:
    """The company the request acts for: an API token's (checked before the view, without
    loading its user as an object), else the signed-in user's."""
    caller = g.get("api_caller")
    return caller.org_id if caller is not None else current_user.org_id


def org_select(model: type[M], *, include_archived: bool = True) -> Select:
    """SELECT rows of ``model`` that belong to the current user's company."""
    stmt = db.select(model).where(model.org_id == acting_org_id())
    if not include_archived:
        stmt = stmt.where(model.archived_at.is_(None))
    return stmt


def get_owned_or_404(model: type[M], record_id: int, *options) -> M:
    """The record with this id if the current user's company owns it; 404 otherwise.
    ``options`` are loader options (e.g. joinedload of what the page reads next)."""
    stmt = org_select(model).where(model.id == record_id).options(*options)
    record = db.session.scalars(stmt).unique().one_or_none()
    if record is None:
        abort(404)
    return record


def roles_required(*roles: str) -> Callable:
    """Let only signed-in staff with one of ``roles`` through; others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


editor_required = roles_required("owner", "planner")
owner_required = roles_required("owner")


def forbid_viewer_changes() -> None:
    """On a page everyone may read, only editors may POST."""
    if request.method == "POST" and not current_user.can_edit:
        abort(403)
