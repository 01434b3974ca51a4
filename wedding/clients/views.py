"""Client pages: list, create, edit, archive."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wedding.accounts.access import editor_required, forbid_viewer_changes, get_owned_or_404
from wedding.audit import audit
from wedding.ceremonies.models import Ceremony
from wedding.clients.forms import ClientForm
from wedding.clients.models import Client
from wedding.i18n import current_lang
from wedding.i18n import lazy_gettext as _l
from wedding.models import db
from wedding.personas.models import Companion
from wedding.records import (
    add_archive_routes,
    create_record,
    form_fields,
    list_records,
    update_record,
)

bp = Blueprint("clients", __name__, url_prefix="/clients")
add_archive_routes(bp, Client, _l("Client"))


@bp.route("/")
@login_required
def index():
    page = list_records(
        Client,
        (Client.full_name, Client.id),
        (Client.full_name, Client.preferred_name, Client.email, Client.phone),
    )
    return render_template("clients/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    # A new client speaks the planner's language until told otherwise (an English planner's
    # clients were Japanese-speaking by default, and their vows and documents with them).
    form = ClientForm(language=current_lang())
    if form.validate_on_submit():
        client = create_record(Client, current_user.org_id, form_fields(form))
        db.session.commit()
        flash(_("Client %(name)s added.", name=client.full_name), "success")
        return redirect(url_for("clients.edit", record_id=client.id))
    return render_template("clients/form.html", form=form, client=None)


@bp.route("/<int:record_id>", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    client = get_owned_or_404(Client, record_id)
    forbid_viewer_changes()
    form = ClientForm(obj=client)
    if form.validate_on_submit():
        update_record(client, form_fields(form))
        audit("change", "client", client.id)
        db.session.commit()
        flash(_("Changes to %(name)s saved.", name=client.full_name), "success")
        return redirect(url_for("clients.edit", record_id=client.id))
    companions = db.session.scalars(
        db.select(Companion).where(Companion.client_id == client.id).order_by(Companion.name)
    ).all()
    ceremonies = db.session.scalars(
        db.select(Ceremony).where(Ceremony.client_id == client.id).order_by(Ceremony.starts_at)
    ).all()
    audit("view", "client", client.id)
    db.session.commit()
    return render_template(
        "clients/form.html", form=form, client=client, companions=companions, ceremonies=ceremonies
    )
