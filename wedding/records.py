"""What every company-owned record shares: listing with search and paging, archiving."""

from typing import TypeVar

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from sqlalchemy import or_
from wtforms import SelectChoice

from wedding.accounts.access import editor_required, get_owned_or_404, org_select
from wedding.forms import ConfirmForm
from wedding.inputs import page_arg
from wedding.models import OrgOwned, db, utcnow

M = TypeVar("M", bound=OrgOwned)

SEARCH_MAX = 100


def list_records(model: type[M], order_by, search_columns=(), stmt=None) -> Pagination:
    """One page of the company's records, filtered by ?q= and ?archived=1 from the request."""
    stmt = org_select(model) if stmt is None else stmt
    if request.args.get("archived") == "1":
        stmt = stmt.where(model.archived_at.is_not(None))
    else:
        stmt = stmt.where(model.archived_at.is_(None))
    query = request.args.get("q", "").strip()[:SEARCH_MAX]
    if query and search_columns:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(col.ilike(pattern, escape="\\") for col in search_columns)))
    return db.paginate(
        stmt.order_by(*order_by),
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )


def record_choices(model: type[M], label_column, keep_id: int | None = None) -> list[SelectChoice]:
    """Options for a picker: the company's current records, plus the one already chosen.

    Only the id and the label are read (no records, no eager-loaded relations): a picker of a
    few hundred clients is one small query."""
    rows = db.session.execute(
        db.select(model.id, label_column)
        .where(model.org_id == current_user.org_id)
        .where(or_(model.archived_at.is_(None), model.id == keep_id))
        .order_by(label_column, model.id)
    )
    return [SelectChoice(row_id, label) for row_id, label in rows]


def create_record(model: type[M], org_id: int, fields: dict) -> M:
    record = model(org_id=org_id, **fields)
    db.session.add(record)
    db.session.flush()
    return record


def update_record(record: M, fields: dict) -> M:
    for name, value in fields.items():
        setattr(record, name, value)
    db.session.flush()
    return record


def archive_record(record: OrgOwned) -> None:
    """Hide a record from lists and pickers; nothing is deleted."""
    if record.archived_at is None:
        record.archived_at = utcnow()


def restore_record(record: OrgOwned) -> None:
    record.archived_at = None


def form_fields(form: FlaskForm) -> dict:
    """The submitted values of a record form, keyed like the model's columns."""
    return {name: value for name, value in form.data.items() if name != "csrf_token"}


def add_archive_routes(bp: Blueprint, model: type[OrgOwned], noun) -> None:
    """POST <id>/archive and <id>/restore for a record type, flashing in the reader's language."""

    def toggle(record_id: int, archive: bool):
        record = get_owned_or_404(model, record_id)
        if ConfirmForm().validate_on_submit():
            if archive:
                archive_record(record)
                flash(_("%(noun)s archived.", noun=noun), "success")
            else:
                restore_record(record)
                flash(_("%(noun)s restored.", noun=noun), "success")
            db.session.commit()
        return redirect(url_for(f"{bp.name}.edit", record_id=record_id))

    @bp.post("/<int:record_id>/archive", endpoint="archive")
    @editor_required
    def archive(record_id: int):
        return toggle(record_id, archive=True)

    @bp.post("/<int:record_id>/restore", endpoint="restore")
    @editor_required
    def restore(record_id: int):
        return toggle(record_id, archive=False)
