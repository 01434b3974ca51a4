"""The dashboard and ceremony pages."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_
from wtforms import SelectChoice

from wedding.accounts.access import (
    editor_required,
    forbid_viewer_changes,
    get_owned_or_404,
    org_select,
)
from wedding.accounts.services import staff_of
from wedding.booking import services as booking
from wedding.booking.services import BookingError, SlotUnavailable
from wedding.ceremonies.forms import (
    STATUS_CHOICES,
    CeremonyForm,
    ConfirmBookingForm,
    duration_choices,
)
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.services import (
    INTENTS,
    CeremonyDetails,
    CeremonyRefused,
    details_of,
    schedule_ceremony,
    update_ceremony,
)
from wedding.clients.models import Client
from wedding.freshness import cached_response
from wedding.guests.services import count_follows_list
from wedding.i18n import current_lang
from wedding.i18n import lazy_gettext as _l
from wedding.inputs import db_int, parse_date
from wedding.models import db
from wedding.personas.models import Companion
from wedding.records import add_archive_routes, form_fields, list_records, record_choices
from wedding.runofshow.forms import TemplateForm, template_choices
from wedding.runofshow.services import item_start, items_of
from wedding.tasks.views import task_card
from wedding.venues.models import Venue
from wedding.vows.audio import audio_for
from wedding.vows.services import approved_vows, version_count

bp = Blueprint("ceremonies", __name__, url_prefix="/ceremonies")
add_archive_routes(bp, Ceremony, _l("Ceremony"))

# Query-string fields that prefill the booking form (from the calendar and the day view).
PREFILL = {
    "client_id": db_int,
    "venue_id": db_int,
    "date": parse_date,
    "start_time": time.fromisoformat,
    "duration_minutes": db_int,
}


def _fill_choices(form: CeremonyForm, ceremony: Ceremony | None) -> None:
    keep = ceremony or Ceremony()
    form.client_id.choices = record_choices(Client, Client.full_name, keep.client_id)
    # Only the chosen client's companions are offered; the others stay in the list hidden, for
    # static/js/companions.js to show when the planner picks another client.
    chosen = form.client_id.data
    if chosen is None and form.client_id.choices:
        chosen = form.client_id.choices[0].value
    form.planner_id.choices = [
        SelectChoice("", _("— not chosen yet —")),
        *(SelectChoice(s.id, s.name) for s in staff_of(current_user.org_id) if s.assignable),
    ]
    companions = db.session.execute(
        db.select(Companion.id, Companion.name, Companion.client_id)
        .where(Companion.org_id == current_user.org_id)
        .where(or_(Companion.archived_at.is_(None), Companion.id == keep.companion_id))
        .order_by(Companion.name, Companion.id)
    )
    form.companion_id.choices = [
        SelectChoice("", _("— not chosen yet —")),
        *(
            SelectChoice(
                companion_id,
                name,
                render_kw={"data-client": client_id}
                | ({} if client_id == chosen else {"hidden": True, "disabled": True}),
            )
            for companion_id, name, client_id in companions
        ),
    ]
    _fill_venues_and_durations(form, ceremony)


def _fill_venues_and_durations(form: CeremonyForm, ceremony: Ceremony | None) -> None:
    """Offer the company's venues and the chosen venue's lengths. Each venue option says which
    lengths it offers, and the others stay in the menu hidden, for static/js/durations.js to
    show when the planner picks another venue; the booking rules still check the length."""
    keep_id = ceremony.venue_id if ceremony is not None else None
    venues = db.session.execute(  # record_choices' venues, with their lengths: one query
        db.select(Venue.id, Venue.name, Venue.durations)
        .where(Venue.org_id == current_user.org_id)
        .where(or_(Venue.archived_at.is_(None), Venue.id == keep_id))
        .order_by(Venue.name, Venue.id)
    ).all()
    by_venue = {
        venue_id: set(booking.offered_durations(lengths)) for venue_id, _n, lengths in venues
    }
    if ceremony is not None:  # its own length stays on offer, even if the venue dropped it
        by_venue.setdefault(ceremony.venue_id, set()).add(details_of(ceremony)["duration_minutes"])
    form.venue_id.choices = [
        SelectChoice(
            venue_id,
            name,
            render_kw={"data-durations": " ".join(map(str, sorted(by_venue[venue_id])))},
        )
        for venue_id, name, _lengths in venues
    ]
    chosen = form.venue_id.data if form.venue_id.data in by_venue else None
    if chosen is None and venues:
        chosen = venues[0].id
    offered = by_venue.get(chosen) or {60}
    if request.method == "GET" and form.duration_minutes.data not in offered:
        form.duration_minutes.data = min(offered)
    form.duration_minutes.choices = duration_choices(
        set().union(offered, *by_venue.values()), offered
    )


def _save(form: CeremonyForm, ceremony: Ceremony | None):
    """Validate and save: (ceremony, None) on success, (None, SlotUnavailable or None) otherwise,
    with every problem found shown on its field. A suggestion picked (templates/ceremonies/
    _suggestions.html) only fills the form in: nothing is checked or booked until asked."""
    if request.form.get("pick"):
        return None, None
    if not form.validate_on_submit():
        return None, None
    details = CeremonyDetails(**form_fields(form))
    try:
        if ceremony is None:
            intent = request.form.get("intent", "hold")
            ceremony = schedule_ceremony(
                current_user.org_id, details, intent if intent in INTENTS else "hold"
            )
        else:
            update_ceremony(ceremony, details)
    except (CeremonyRefused, BookingError) as error:
        db.session.rollback()
        problems = error.problems if isinstance(error, CeremonyRefused) else [error]
        for problem in problems:
            form[problem.field or "start_time"].errors.append(str(problem))
        return None, next((p for p in problems if isinstance(p, SlotUnavailable)), None)
    db.session.commit()
    return ceremony, None


@bp.route("/")
@login_required
def index():
    stmt = org_select(Ceremony).outerjoin(Client, Client.id == Ceremony.client_id)
    page = list_records(
        Ceremony, (Ceremony.starts_at.desc(), Ceremony.id), (Client.full_name,), stmt=stmt
    )
    return render_template("ceremonies/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = CeremonyForm(
        formdata=request.form if request.method == "POST" else None,
        data={
            key: request.args.get(key, type=kind)
            for key, kind in PREFILL.items()
            if request.args.get(key)
        },
    )
    if request.method == "GET" and form.planner_id.data is None and current_user.role != "viewer":
        form.planner_id.data = current_user.id  # the planner booking is in charge unless changed
    _fill_choices(form, None)
    ceremony, unavailable = _save(form, None)
    if ceremony is not None:
        flash(_("Ceremony saved: %(status)s.", status=status_label(ceremony.status)), "success")
        return redirect(url_for("ceremonies.edit", record_id=ceremony.id))
    return render_template(
        "ceremonies/form.html", form=form, ceremony=None, unavailable=unavailable
    )


@bp.route("/<int:record_id>", methods=["GET", "POST"])
@login_required
@cached_response
def edit(record_id: int):
    ceremony = get_owned_or_404(Ceremony, record_id)
    forbid_viewer_changes()
    form = CeremonyForm(data=None if request.method == "POST" else details_of(ceremony))
    follows_list = count_follows_list(ceremony.id)
    if follows_list:  # shown, not sent: the box is disabled and the service keeps the list's
        form.guest_count.data = ceremony.guest_count
    _fill_choices(form, ceremony)
    saved, unavailable = _save(form, ceremony)
    if saved is not None:
        flash(_("Changes saved."), "success")
        return redirect(url_for("ceremonies.edit", record_id=ceremony.id))
    template_form = TemplateForm()
    template_form.template.choices = template_choices(current_lang())
    return render_template(
        "ceremonies/form.html",
        form=form,
        ceremony=ceremony,
        unavailable=unavailable,
        confirm_form=ConfirmBookingForm(),
        run_items=items_of(ceremony),
        template_form=template_form,
        approved=approved_vows(ceremony.id),
        recordings=audio_for(ceremony.id),
        vow_count=version_count(ceremony.id),
        count_follows_list=follows_list,
        **task_card(ceremony),
    )


def _transition(record_id: int, action) -> "Response":
    ceremony = get_owned_or_404(Ceremony, record_id)
    try:
        message = action(ceremony)
    except BookingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("ceremonies.edit", record_id=record_id))


@bp.post("/<int:record_id>/confirm")
@editor_required
def confirm(record_id: int):
    form = ConfirmBookingForm()
    if not form.validate():
        flash(" ".join(form.deposit.errors), "error")
        return redirect(url_for("ceremonies.edit", record_id=record_id))

    def act(ceremony):
        booking.confirm(ceremony, deposit=form.deposit.data)
        return _("Booking confirmed.")

    return _transition(record_id, act)


@bp.post("/<int:record_id>/hold")
@editor_required
def hold(record_id: int):

    def act(ceremony):
        details = details_of(ceremony)
        starts_at = ceremony.starts_at
        booking.hold(
            ceremony,
            ceremony.venue,
            starts_at,
            details["duration_minutes"],
            guests=ceremony.guest_count,
        )
        return _("The slot is held for you.")

    return _transition(record_id, act)


@bp.post("/<int:record_id>/cancel")
@editor_required
def cancel(record_id: int):
    def act(ceremony):
        booking.cancel(ceremony)
        return _("Cancelled. The record is kept.")

    return _transition(record_id, act)


@bp.post("/<int:record_id>/complete")
@editor_required
def complete(record_id: int):
    def act(ceremony):
        booking.complete(ceremony)
        return _("Marked as completed.")

    return _transition(record_id, act)


@bp.app_template_global()
def status_label(status: str) -> str:
    """The reader's word for a ceremony status."""
    return next((str(c.label) for c in STATUS_CHOICES if c.value == status), status)


@bp.app_template_global()
def picked(start: datetime, unavailable: SlotUnavailable) -> dict[str, str]:
    """The fields a suggested start fills in: its day and time at the venue, and the length its
    free times were found for (one the venue offers)."""
    local = start.astimezone(ZoneInfo(unavailable.timezone))
    fields = {"date": local.date().isoformat(), "start_time": local.strftime("%H:%M")}
    if unavailable.duration is not None:
        fields["duration_minutes"] = str(unavailable.duration)
    return fields


@bp.app_template_global()
def item_time(ceremony: Ceremony, item) -> datetime:
    """When a run-of-show item begins."""
    return item_start(ceremony, item)
