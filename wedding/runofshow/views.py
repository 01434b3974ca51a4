"""Run of show pages: apply a template, add, edit, reorder and remove items."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wedding.accounts.access import editor_required, get_owned_or_404
from wedding.booking.services import BookingError
from wedding.ceremonies.models import Ceremony
from wedding.forms import ConfirmForm
from wedding.i18n import current_lang
from wedding.models import db
from wedding.runofshow.forms import ROLE_CHOICES, RunItemForm, TemplateForm, template_choices
from wedding.runofshow.models import RunItem
from wedding.runofshow.services import (
    RunOfShowError,
    apply_template,
    delete_item,
    extend_to_cover,
    item_start,
    move_item,
    offset_for,
    run_window,
    save_item,
    shift_items,
)

bp = Blueprint("runofshow", __name__, url_prefix="/ceremonies/<int:ceremony_id>/run-of-show")
OFFSET_RANGE = (-240, 720)


def _back(ceremony_id: int):
    return redirect(url_for("ceremonies.edit", record_id=ceremony_id) + "#run-of-show")


@bp.post("/template")
@editor_required
def use_template(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    form = TemplateForm()
    form.template.choices = template_choices(current_lang())
    if form.validate_on_submit():
        apply_template(ceremony, form.template.data)
        db.session.commit()
        flash(_("The run of show now follows the template; adjust it as you like."), "success")
    else:
        flash(_("Choose a template from the list."), "error")
    return _back(ceremony_id)


def _item_or_404(ceremony: Ceremony, item_id: int) -> RunItem:
    item = db.session.get(RunItem, item_id)
    if item is None or item.ceremony_id != ceremony.id:
        abort(404)
    return item


def _edit(ceremony: Ceremony, item: RunItem | None):
    zone = ZoneInfo(ceremony.venue.timezone)
    local_start = ceremony.starts_at.astimezone(zone)
    data = None
    if request.method == "GET":
        if item is None:
            data = {"time": local_start.time(), "duration_minutes": 5, "role": "planner"}
        else:
            data = {
                "time": item_start(ceremony, item).astimezone(zone).time(),
                **{
                    name: getattr(item, name)
                    for name in ("duration_minutes", "title_ja", "title_en", "role", "notes")
                },
            }
    form = RunItemForm(data=data)
    if form.validate_on_submit():
        moment = datetime.combine(local_start.date(), form.time.data, tzinfo=zone)
        offset = offset_for(ceremony, moment)
        if not OFFSET_RANGE[0] <= offset <= OFFSET_RANGE[1]:
            # An early-morning time may belong to the next day for an evening ceremony.
            moment += timedelta(days=1 if offset < 0 else -1)
            offset = offset_for(ceremony, moment)
        if OFFSET_RANGE[0] <= offset <= OFFSET_RANGE[1]:
            fields = {
                name: form[name].data
                for name in ("duration_minutes", "title_ja", "title_en", "role", "notes")
            }
            save_item(ceremony, item, {"offset_minutes": offset, **fields})
            db.session.commit()
            flash(_("Run of show saved."), "success")
            return _back(ceremony.id)
        form.time.errors.append(
            _("Keep items between 4 hours before and 12 hours after the start.")
        )
    return render_template("runofshow/item_form.html", form=form, ceremony=ceremony, item=item)


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def add_item(ceremony_id: int):
    return _edit(get_owned_or_404(Ceremony, ceremony_id), None)


@bp.route("/<int:item_id>", methods=["GET", "POST"])
@editor_required
def edit_item(ceremony_id: int, item_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    return _edit(ceremony, _item_or_404(ceremony, item_id))


@bp.post("/<int:item_id>/move")
@editor_required
def move(ceremony_id: int, item_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    _item_or_404(ceremony, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        move_item(ceremony, item_id, step)
    except RunOfShowError:
        abort(404)
    db.session.commit()
    return _back(ceremony_id)


@bp.post("/<int:item_id>/delete")
@editor_required
def remove(ceremony_id: int, item_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    _item_or_404(ceremony, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    delete_item(ceremony, item_id)
    db.session.commit()
    flash(_("Item removed."), "success")
    return _back(ceremony_id)


@bp.post("/extend")
@editor_required
def extend(ceremony_id: int):
    """Extend the booking so that it covers the whole run of show."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        extend_to_cover(ceremony)
    except RunOfShowError:
        flash(_("The run of show already fits the booking."), "success")
    except BookingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The booking now covers the whole run of show."), "success")
    return _back(ceremony_id)


@bp.post("/shift")
@editor_required
def shift(ceremony_id: int):
    """Move every item so that the run of show falls inside the booking."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    window = run_window(ceremony)
    minutes = window.shift if window else 0
    if not minutes:
        flash(_("No single move puts every item inside the booking."), "error")
        return _back(ceremony_id)
    try:
        shift_items(ceremony, minutes)
    except RunOfShowError:
        flash(_("Keep items between 4 hours before and 12 hours after the start."), "error")
        return _back(ceremony_id)
    db.session.commit()
    flash(_("Every item moved by %(minutes)d minutes.", minutes=minutes), "success")
    return _back(ceremony_id)


@bp.app_template_global()
def run_of_show_window(ceremony: Ceremony, items=None):
    """How the run of show sits against the booking, for the warning on the ceremony page."""
    return run_window(ceremony, items)


@bp.app_template_global()
def role_name(role: str) -> str:
    return next((str(c.label) for c in ROLE_CHOICES if c.value == role), role)
