"""The client's data (export, erasure) and the owners' audit trail."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from wedding.accounts.access import editor_required, get_owned_or_404, owner_required
from wedding.clients.models import Client
from wedding.models import db
from wedding.privacy.audit import audit
from wedding.privacy.models import ACTIONS, SUBJECTS, AuditEvent
from wedding.privacy.services import audit_names, erase_client, export_client

bp = Blueprint("privacy", __name__)


class EraseForm(FlaskForm):
    confirm = StringField(
        _l("Type the client's full name to confirm"),
        validators=[InputRequired(message=_l("Type the client's full name to confirm."))],
    )


def export_response(client: Client) -> Response:
    response = Response(export_client(client), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="client-{client.id}.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/clients/<int:record_id>/export.zip")
@editor_required
def export(record_id: int):
    client = get_owned_or_404(Client, record_id)
    audit("export", "client", client.id, "zip")
    db.session.commit()
    return export_response(client)


@bp.route("/clients/<int:record_id>/erase", methods=["GET", "POST"])
@editor_required
def erase(record_id: int):
    client = get_owned_or_404(Client, record_id)
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm.data.strip() != client.full_name.strip():
            form.confirm.errors.append(_("That is not the client's full name: nothing was erased."))
        else:
            client_id = client.id
            erase_client(client)
            audit("erase", "client", client_id)
            db.session.commit()
            flash(
                _(
                    "The client and everything about them is erased. Their bookings remain, "
                    "without a name."
                ),
                "success",
            )
            return redirect(url_for("clients.index"))
    return render_template("privacy/erase.html", client=client, form=form)


@bp.get("/audit")
@owner_required
def audit_trail():
    """The company's audit trail, newest first, filtered by action, subject and day."""
    query = db.select(AuditEvent).where(AuditEvent.org_id == current_user.org_id)
    action = request.args.get("action", "")
    subject = request.args.get("subject", "")
    actor = request.args.get("actor", "").strip()
    if action in ACTIONS:
        query = query.where(AuditEvent.action == action)
    if subject in SUBJECTS:
        query = query.where(AuditEvent.subject_type == subject)
        if request.args.get("subject_id", "").isdigit():
            query = query.where(AuditEvent.subject_id == int(request.args["subject_id"]))
    if actor:
        query = query.where(AuditEvent.actor == actor[:60])
    zone = ZoneInfo("Asia/Tokyo")  # days as the planners count them
    for name, bound in (("from", "start"), ("to", "end")):
        try:
            day = date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            continue
        moment = datetime.combine(day, time(), tzinfo=zone)
        if bound == "start":
            query = query.where(AuditEvent.at >= moment)
        else:
            query = query.where(AuditEvent.at < moment + timedelta(days=1))
    page = db.paginate(query.order_by(AuditEvent.id.desc()), per_page=50, error_out=False)
    return render_template(
        "privacy/audit.html",
        page=page,
        actions=ACTIONS,
        subjects=SUBJECTS,
        args=request.args,
        names=audit_names(current_user.org_id, page.items),
    )


@bp.app_template_global()
def audit_action(action: str) -> str:
    return {
        "view": _("viewed"),
        "change": _("changed"),
        "export": _("exported"),
        "erase": _("erased"),
        "login": _("signed in"),
        "login_failed": _("failed sign-in"),
        "portal": _("opened the portal"),
    }.get(action, action)


@bp.app_template_global()
def audit_subject(subject: str) -> str:
    return {
        "client": _("client"),
        "companion": _("companion"),
        "vows": _("vows"),
        "document": _("document"),
        "account": _("account"),
        "ceremony": _("ceremony"),
    }.get(subject, subject)
