"""Venue pages: list, create, edit with booking rules, closed periods, archive."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wedding.accounts.access import editor_required, forbid_viewer_changes, get_owned_or_404
from wedding.forms import ConfirmForm
from wedding.i18n import lazy_gettext as _l
from wedding.models import db
from wedding.records import add_archive_routes, form_fields, list_records
from wedding.venues.forms import DEFAULT_CLOSES, DEFAULT_OPENS, WEEKDAYS, ClosureForm, VenueForm
from wedding.venues.models import Venue
from wedding.venues.services import add_closure, remove_closure, save_venue, venue_form_data

bp = Blueprint("venues", __name__, url_prefix="/venues")
add_archive_routes(bp, Venue, _l("Venue"))


@bp.route("/")
@login_required
def index():
    page = list_records(Venue, (Venue.name, Venue.id), (Venue.name, Venue.address))
    return render_template("venues/index.html", page=page)


def _render(form, venue):
    return render_template(
        "venues/form.html",
        form=form,
        venue=venue,
        weekdays=WEEKDAYS,
        closure_form=ClosureForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = VenueForm()
    if not form.is_submitted():
        for day in form.hours:
            day.open.data = True
            day.opens.data, day.closes.data = DEFAULT_OPENS, DEFAULT_CLOSES
    if form.validate_on_submit():
        venue = save_venue(Venue(org_id=current_user.org_id), form_fields(form))
        db.session.commit()
        flash(_("Venue %(name)s added.", name=venue.name), "success")
        return redirect(url_for("venues.edit", record_id=venue.id))
    return _render(form, None)


@bp.route("/<int:record_id>", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    venue = get_owned_or_404(Venue, record_id)
    forbid_viewer_changes()
    form = VenueForm(data=None if request.method == "POST" else venue_form_data(venue))
    if form.validate_on_submit():
        save_venue(venue, form_fields(form))
        db.session.commit()
        flash(_("Changes to %(name)s saved.", name=venue.name), "success")
        return redirect(url_for("venues.edit", record_id=venue.id))
    return _render(form, venue)


@bp.post("/<int:record_id>/closures")
@editor_required
def add_closed_period(record_id: int):
    venue = get_owned_or_404(Venue, record_id)
    form = ClosureForm()
    if form.validate_on_submit():
        add_closure(venue, form.starts_on.data, form.ends_on.data, form.reason.data or "")
        db.session.commit()
        flash(_("Closed period added."), "success")
        return redirect(url_for("venues.edit", record_id=venue.id) + "#closures")
    errors = [error for field in form for error in field.errors]
    flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("venues.edit", record_id=venue.id) + "#closures")


@bp.post("/<int:record_id>/closures/<int:closure_id>/delete")
@editor_required
def delete_closed_period(record_id: int, closure_id: int):
    venue = get_owned_or_404(Venue, record_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not remove_closure(venue, closure_id):
        abort(404)
    db.session.commit()
    flash(_("Closed period removed."), "success")
    return redirect(url_for("venues.edit", record_id=venue.id) + "#closures")
