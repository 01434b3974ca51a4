"""Companion pages: list, create, edit, archive."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from wedding.accounts.access import (
    editor_required,
    forbid_viewer_changes,
    get_owned_or_404,
    org_select,
)
from wedding.clients.models import Client
from wedding.models import db
from wedding.personas.forms import CompanionForm
from wedding.personas.models import Companion
from wedding.personas.services import CompanionError, update_companion
from wedding.records import (
    add_archive_routes,
    create_record,
    form_fields,
    list_records,
    record_choices,
)

bp = Blueprint("personas", __name__, url_prefix="/companions")
add_archive_routes(bp, Companion, _l("Companion"))


@bp.route("/")
@login_required
def index():
    stmt = org_select(Companion).join(Client, Client.id == Companion.client_id)
    page = list_records(
        Companion, (Companion.name, Companion.id), (Companion.name, Client.full_name), stmt=stmt
    )
    return render_template("personas/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = CompanionForm(client_id=request.args.get("client_id", type=int))
    form.client_id.choices = record_choices(Client, Client.full_name, lambda c: c.full_name)
    if form.validate_on_submit():
        companion = create_record(Companion, current_user.org_id, form_fields(form))
        db.session.commit()
        flash(_("Companion %(name)s added.", name=companion.name), "success")
        return redirect(url_for("personas.edit", record_id=companion.id))
    return render_template("personas/form.html", form=form, companion=None)


@bp.route("/<int:record_id>", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    companion = get_owned_or_404(Companion, record_id)
    forbid_viewer_changes()
    form = CompanionForm(obj=companion)
    form.client_id.choices = record_choices(
        Client, Client.full_name, lambda c: c.full_name, companion.client_id
    )
    if form.validate_on_submit():
        try:
            update_companion(companion, form_fields(form))
        except CompanionError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Changes to %(name)s saved.", name=companion.name), "success")
            return redirect(url_for("personas.edit", record_id=companion.id))
    return render_template("personas/form.html", form=form, companion=companion)
