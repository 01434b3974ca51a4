"""The dashboard and ceremony pages."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectChoice

from wedding.accounts.access import (
    editor_required,
    forbid_viewer_changes,
    get_owned_or_404,
    org_select,
)
from wedding.ceremonies.forms import STATUS_CHOICES, CeremonyForm
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.services import (
    CeremonyDetails,
    CeremonyError,
    details_of,
    schedule_ceremony,
    upcoming_ceremonies,
    update_ceremony,
)
from wedding.clients.models import Client
from wedding.models import db
from wedding.personas.models import Companion
from wedding.records import add_archive_routes, form_fields, list_records, record_choices
from wedding.venues.models import Venue

bp = Blueprint("ceremonies", __name__, url_prefix="/ceremonies")
add_archive_routes(bp, Ceremony, _l("Ceremony"))
dashboard_bp = Blueprint("dashboard", __name__)


@dashboard_bp.route("/", endpoint="index")
@login_required
def dashboard():
    """The planner's home: what is coming up."""
    return render_template(
        "ceremonies/dashboard.html", ceremonies=upcoming_ceremonies(current_user.org_id)
    )


def _fill_choices(form: CeremonyForm, ceremony: Ceremony | None) -> None:
    keep = ceremony or Ceremony()
    form.client_id.choices = record_choices(
        Client, Client.full_name, lambda c: c.full_name, keep.client_id
    )
    form.venue_id.choices = record_choices(Venue, Venue.name, lambda v: v.name, keep.venue_id)
    form.companion_id.choices = [
        SelectChoice("", _("— not chosen yet —")),
        *record_choices(
            Companion,
            Companion.name,
            lambda c: f"{c.name} ({c.client.full_name})",
            keep.companion_id,
        ),
    ]


def _save(form: CeremonyForm, ceremony: Ceremony | None):
    """Validate and save; the ceremony on success, None when the form shows errors."""
    if not form.validate_on_submit():
        return None
    details = CeremonyDetails(**form_fields(form))
    try:
        if ceremony is None:
            ceremony = schedule_ceremony(current_user.org_id, details)
        else:
            update_ceremony(ceremony, details)
    except CeremonyError as error:
        db.session.rollback()
        form[error.field].errors.append(str(error))
        return None
    db.session.commit()
    return ceremony


@bp.route("/")
@login_required
def index():
    stmt = org_select(Ceremony).join(Client, Client.id == Ceremony.client_id)
    page = list_records(
        Ceremony, (Ceremony.starts_at.desc(), Ceremony.id), (Client.full_name,), stmt=stmt
    )
    return render_template("ceremonies/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = CeremonyForm(
        client_id=request.args.get("client_id", type=int),
        venue_id=request.args.get("venue_id", type=int),
    )
    _fill_choices(form, None)
    ceremony = _save(form, None)
    if ceremony is not None:
        flash(_("Ceremony scheduled."), "success")
        return redirect(url_for("ceremonies.edit", record_id=ceremony.id))
    return render_template("ceremonies/form.html", form=form, ceremony=None)


@bp.route("/<int:record_id>", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    ceremony = get_owned_or_404(Ceremony, record_id)
    forbid_viewer_changes()
    form = CeremonyForm(data=None if request.method == "POST" else details_of(ceremony))
    _fill_choices(form, ceremony)
    if _save(form, ceremony) is not None:
        flash(_("Changes saved."), "success")
        return redirect(url_for("ceremonies.edit", record_id=ceremony.id))
    return render_template("ceremonies/form.html", form=form, ceremony=ceremony)


@bp.app_template_global()
def status_label(status: str) -> str:
    """The reader's word for a ceremony status."""
    return next((str(c.label) for c in STATUS_CHOICES if c.value == status), status)
