"""Venue pages: list, create, edit, archive."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from wedding.accounts.access import editor_required, forbid_viewer_changes, get_owned_or_404
from wedding.models import db
from wedding.records import (
    add_archive_routes,
    create_record,
    form_fields,
    list_records,
    update_record,
)
from wedding.venues.forms import VenueForm
from wedding.venues.models import Venue

bp = Blueprint("venues", __name__, url_prefix="/venues")
add_archive_routes(bp, Venue, _l("Venue"))


@bp.route("/")
@login_required
def index():
    page = list_records(Venue, (Venue.name, Venue.id), (Venue.name, Venue.address))
    return render_template("venues/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = VenueForm()
    if form.validate_on_submit():
        venue = create_record(Venue, current_user.org_id, form_fields(form))
        db.session.commit()
        flash(_("Venue %(name)s added.", name=venue.name), "success")
        return redirect(url_for("venues.index"))
    return render_template("venues/form.html", form=form, venue=None)


@bp.route("/<int:record_id>", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    venue = get_owned_or_404(Venue, record_id)
    forbid_viewer_changes()
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        update_record(venue, form_fields(form))
        db.session.commit()
        flash(_("Changes to %(name)s saved.", name=venue.name), "success")
        return redirect(url_for("venues.edit", record_id=venue.id))
    return render_template("venues/form.html", form=form, venue=venue)
