"""The planner's home (what's waiting, what's coming up); marking an item handled; turning the
daily digest on or off. The dashboard lives here, above the capabilities it reads, so that none
of them imports what's waiting."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wedding.accounts.access import editor_required
from wedding.ceremonies.services import upcoming_ceremonies
from wedding.forms import ConfirmForm
from wedding.freshness import cached_response
from wedding.models import db, utcnow
from wedding.tasks.services import org_today
from wedding.waiting.services import (
    WaitingError,
    digest_wanted,
    mark_handled,
    set_digest,
    waiting_for,
)

bp = Blueprint("waiting", __name__, url_prefix="/waiting")
dashboard_bp = Blueprint("dashboard", __name__)


@dashboard_bp.route("/", endpoint="index")
@login_required
@cached_response
def dashboard():
    """The planner's home: what is waiting for them, and what is coming up."""
    now = utcnow()
    return render_template(
        "ceremonies/dashboard.html",
        ceremonies=upcoming_ceremonies(current_user.org_id),
        waiting=waiting_for(current_user.org_id, current_user.id, now, org_today(now)),
        digest_on=digest_wanted(current_user.id),
        today=org_today(now),
    )


@bp.post("/<kind>/<int:ref_id>/handled")
@editor_required
def handled(kind: str, ref_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        mark_handled(current_user.org_id, kind, ref_id, current_user.id, utcnow())
    except WaitingError:
        abort(404)
    db.session.commit()
    return redirect(url_for("dashboard.index") + "#waiting")


@bp.post("/digest")
@login_required
def digest():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    daily = request.form.get("daily") == "on"
    set_digest(current_user, daily)
    db.session.commit()
    flash(
        _("You will get a daily e-mail of what's waiting.")
        if daily
        else _("The daily e-mail is off."),
        "success",
    )
    return redirect(url_for("dashboard.index") + "#waiting")


KINDS = {
    "comment": lambda: _("Client's comment"),
    "approval": lambda: _("Client's approval"),
    "story": lambda: _("Questionnaire"),
    "signed": lambda: _("Agreement signed"),
    "hold": lambda: _("Hold"),
    "task": lambda: _("Task"),
    "payment": lambda: _("Payment received"),
    "credit": lambda: _("Bank credit"),
    "overdue": lambda: _("Overdue invoice"),
    "push": lambda: _("Calendar push"),
}


@bp.app_template_global()
def waiting_kind(kind: str) -> str:
    """The reader's word for a kind of waiting item."""
    return KINDS[kind]()
