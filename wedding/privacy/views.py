"""The client's data (export, erasure) and the owners' audit trail."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import InputRequired

from wedding.accounts.access import editor_required, get_owned_or_404, owner_required
from wedding.audit import ACTIONS, SUBJECTS, AuditEvent, audit
from wedding.clients.models import Client
from wedding.forms import ConfirmForm, WeddingForm
from wedding.i18n import HOME_TIMEZONE
from wedding.i18n import lazy_gettext as _l
from wedding.inputs import date_arg, page_arg, parse_id
from wedding.models import db
from wedding.privacy.services import audit_names, erase_client
from wedding.privacy.tasks import export_job, queue_export
from wedding.storage.services import file_response

bp = Blueprint("privacy", __name__)


class EraseForm(WeddingForm):
    confirm = StringField(
        _l("Type the client's full name to confirm"),
        validators=[InputRequired(message=_l("Type the client's full name to confirm."))],
    )


@bp.post("/clients/<int:record_id>/export")
@editor_required
def prepare_export(record_id: int):
    """Queue the zip of everything held about the client; its page follows the job."""
    client = get_owned_or_404(Client, record_id)
    if not ConfirmForm().validate():
        abort(400)
    job = queue_export(client)
    db.session.commit()
    return redirect(url_for("privacy.export_status", record_id=client.id, job_id=job.id), 303)


@bp.get("/clients/<int:record_id>/export/<job_id>")
@editor_required
def export_status(record_id: int, job_id: str):
    client = get_owned_or_404(Client, record_id)
    job = export_job(client, job_id)
    if job is None:
        abort(404)
    return render_template(
        "privacy/export.html",
        layout="base.html",
        job=job,
        download_url=url_for("privacy.download_export", record_id=client.id, job_id=job.id),
        back_url=url_for("clients.edit", record_id=client.id),
    )


@bp.get("/clients/<int:record_id>/export/<job_id>/client.zip")
@editor_required
def download_export(record_id: int, job_id: str):
    client = get_owned_or_404(Client, record_id)
    job = export_job(client, job_id)
    if job is None or job.status != "done":
        abort(404)
    audit("export", "client", client.id, "zip")
    db.session.commit()
    return export_download(client, job)


def export_download(client: Client, job) -> Response:
    """The prepared zip as a download that no cache keeps."""
    return file_response(
        job.result["file_id"], f"client-{client.id}.zip", cache="private, no-store"
    )


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
        subject_id = parse_id(request.args.get("subject_id"))
        if subject_id is not None:
            query = query.where(AuditEvent.subject_id == subject_id)
    if actor:
        query = query.where(AuditEvent.actor == actor[:60])
    zone = ZoneInfo(HOME_TIMEZONE)  # days as the planners count them
    for name, bound in (("from", "start"), ("to", "end")):
        day = date_arg(name)
        if day is None:
            continue
        moment = datetime.combine(day, time(), tzinfo=zone)
        if bound == "start":
            query = query.where(AuditEvent.at >= moment)
        else:
            query = query.where(AuditEvent.at < moment + timedelta(days=1))
    page = db.paginate(
        query.order_by(AuditEvent.id.desc()), page=page_arg(), per_page=50, error_out=False
    )
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
