"""The guest list page, and each guest's own reply page at /rsvp/<token>."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from wedding.accounts.access import editor_required, get_owned_or_404
from wedding.ceremonies.models import Ceremony
from wedding.forms import ConfirmForm
from wedding.guests.forms import (
    PLANNER_RSVP_CHOICES,
    RSVP_CHOICES,
    GuestForm,
    PlannerReplyForm,
    ReplyForm,
    StreamForm,
)
from wedding.guests.models import Guest
from wedding.guests.services import (
    LINK_DAYS_AFTER,
    GuestError,
    add_guest,
    clear_reply,
    count_follows_list,
    guest_from_token,
    guests_of,
    invitation_url,
    link_expires_at,
    online_links,
    record_reply,
    remove_guest,
    renew_link,
    replies_closed,
    set_stream_url,
    stream_url_of,
)
from wedding.models import db, utcnow

bp = Blueprint("guests", __name__, url_prefix="/ceremonies/<int:ceremony_id>/guests")
rsvp_bp = Blueprint("rsvp", __name__, url_prefix="/rsvp")


def _guest_or_404(ceremony: Ceremony, guest_id: int) -> Guest:
    guest = db.session.get(Guest, guest_id)
    if guest is None or guest.ceremony_id != ceremony.id:
        abort(404)
    return guest


def _back(ceremony_id: int):
    return redirect(url_for("guests.index", ceremony_id=ceremony_id))


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "error")


@bp.get("/")
@login_required
def index(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    guests = guests_of(ceremony.id)
    return render_template(
        "guests/index.html",
        ceremony=ceremony,
        guests=guests,
        links={g.id: invitation_url(g) for g in guests if g.active},
        link_until={g.id: link_expires_at(g, ceremony) for g in guests},
        form=GuestForm(),
        stream_form=StreamForm(data={"stream_url": stream_url_of(ceremony.id)}),
        reply_choices=PLANNER_RSVP_CHOICES,
        link_days=LINK_DAYS_AFTER,
    )


@bp.post("/")
@editor_required
def add(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    form = GuestForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(ceremony_id)
    typed = None if count_follows_list(ceremony.id) else ceremony.guest_count
    try:
        add_guest(ceremony, form.name.data, form.email.data or "", form.link_days_after.data)
    except GuestError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Guest added; copy their invitation link."), "success")
        if typed is not None:  # the planner's own number gives way to the list's: say so
            flash(
                _(
                    "The ceremony's guest count now follows this guest list: %(count)d "
                    "(it was %(previous)d).",
                    count=ceremony.guest_count,
                    previous=typed,
                ),
                "info",
            )
    return _back(ceremony_id)


@bp.post("/stream")
@editor_required
def stream(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    form = StreamForm()
    if form.validate_on_submit():
        set_stream_url(ceremony, form.stream_url.data or "")
        db.session.commit()
        flash(_("Changes saved."), "success")
    else:
        _flash_errors(form)
    return _back(ceremony_id)


@bp.post("/<int:guest_id>/reply")
@editor_required
def reply(ceremony_id: int, guest_id: int):
    """The planner writes down an answer given by phone or in person."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    guest = _guest_or_404(ceremony, guest_id)
    form = PlannerReplyForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(ceremony_id)
    try:
        if form.rsvp.data == "pending":
            clear_reply(ceremony, guest)
        else:
            record_reply(ceremony, guest, form.rsvp.data)
    except GuestError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Reply saved."), "success")
    return _back(ceremony_id)


@bp.post("/<int:guest_id>/link")
@editor_required
def link(ceremony_id: int, guest_id: int):
    """A new invitation link (the old one stops working), or none at all."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    guest = _guest_or_404(ceremony, guest_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("action") == "revoke":
        guest.revoke()
        flash(_("The invitation link no longer works."), "success")
    else:
        typed = request.form.get("link_days_after", "").strip()
        try:
            if typed and not (typed.isascii() and typed.isdigit() and len(typed) <= 4):
                raise GuestError("link_days_after", _("Give a number of days."))
            renew_link(guest, int(typed) if typed else None)
        except GuestError as error:
            db.session.rollback()
            flash(str(error), "error")
            return _back(ceremony_id)
        flash(_("A new invitation link is ready; the old one no longer works."), "success")
    db.session.commit()
    return _back(ceremony_id)


@bp.post("/<int:guest_id>/delete")
@editor_required
def remove(ceremony_id: int, guest_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    guest = _guest_or_404(ceremony, guest_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    typed = remove_guest(ceremony, guest)
    db.session.commit()
    flash(_("Guest removed."), "success")
    if typed is not None and ceremony.guest_count == typed:
        flash(
            _(
                "The guest list is empty: the ceremony's guest count is again the one typed "
                "on its page (%(count)d).",
                count=typed,
            ),
            "info",
        )
    elif typed is not None:
        flash(
            _(
                "The guest list is empty. The %(count)d guests typed on the ceremony's page "
                "before it are more than %(venue)s holds now (%(capacity)d): type the number "
                "again there.",
                count=typed,
                venue=ceremony.venue.name,
                capacity=ceremony.venue.capacity,
            ),
            "warning",
        )
    return _back(ceremony_id)


# --- the guest's own page --------------------------------------------------------------------


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@rsvp_bp.route("/<token>", methods=["GET", "POST"])
def reply_page(token: str):
    guest = guest_from_token(token)
    if guest is None:
        page = render_template("guests/rsvp_gone.html")
        return _private(Response(page, status=404))
    ceremony = db.session.get(Ceremony, guest.ceremony_id)
    now = utcnow()
    # The guest's earlier answer and note, there to change: a blank note box would erase it.
    form = ReplyForm(
        data={"rsvp": guest.rsvp if guest.rsvp != "pending" else None, "note": guest.note}
    )
    closed = replies_closed(ceremony, now)
    status = 200
    if request.method == "POST":
        if closed:
            status = 410
        elif form.validate_on_submit():
            try:
                record_reply(ceremony, guest, form.rsvp.data, form.note.data, now)
            except GuestError as error:
                db.session.rollback()
                form.rsvp.errors = [str(error)]
                status = 422
            else:
                db.session.commit()
                flash(_("Thank you, we have your reply."), "success")
                return _private(redirect(url_for("rsvp.reply_page", token=token), 303))
        else:
            status = 422
    page = render_template(
        "guests/rsvp.html",
        guest=guest,
        ceremony=ceremony,
        form=form,
        closed=closed,
        online=online_links(ceremony, guest, now),
    )
    return _private(Response(page, status=status))


RSVP_LABELS = {
    "pending": lambda: _("Not answered yet"),
    "yes": lambda: _("Yes, in person"),
    "online": lambda: _("Yes, online"),
    "no": lambda: _("No"),
}


@rsvp_bp.app_template_global()
def rsvp_label(rsvp: str) -> str:
    return RSVP_LABELS[rsvp]()


@rsvp_bp.app_template_global()
def guest_answer(rsvp: str) -> str:
    """The guest's answer in the words they chose it by (欠席します, not the list's 欠席)."""
    return next(str(choice.label) for choice in RSVP_CHOICES if choice.value == rsvp)
