"""Companion pages: the persona, importing it from a card, exporting it as one."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wedding.accounts.access import (
    editor_required,
    forbid_viewer_changes,
    get_owned_or_404,
    org_select,
)
from wedding.audit import audit
from wedding.clients.models import Client
from wedding.forms import ConfirmForm
from wedding.i18n import lazy_gettext as _l
from wedding.inputs import db_int
from wedding.jobs import enqueue, get_job
from wedding.models import db
from wedding.personas.cards import CardError, checked_image, read_any
from wedding.personas.forms import CompanionForm, ImportForm, PreviewForm, StoryForm
from wedding.personas.models import Companion, PendingImport
from wedding.personas.services import (
    PREVIEW_FIELDS,
    STORY_FIELDS,
    CompanionError,
    card_png,
    confirm_import,
    fields_from_card,
    persona_card,
    save_story,
    set_portrait,
    stage_import,
    stories_of,
    story_language_warning,
    update_companion,
)
from wedding.records import add_archive_routes, list_records, record_choices
from wedding.storage.models import StoredFile
from wedding.storage.services import file_response
from wedding.vows.audio import preview_name, speak_preview

bp = Blueprint("personas", __name__, url_prefix="/companions")
add_archive_routes(bp, Companion, _l("Companion"))


def _fields(form: CompanionForm) -> dict:
    return {n: v for n, v in form.data.items() if n not in ("csrf_token", "portrait")}


def _portrait(form: CompanionForm, companion: Companion) -> bool:
    """Keep an uploaded portrait; False (with the error on the field) when it is not a picture."""
    upload = form.portrait.data
    if not upload or not getattr(upload, "filename", ""):
        return True
    with upload.stream:
        data = upload.read()
    try:
        checked_image(data)
    except CardError as error:
        form.portrait.errors.append(str(error))
        return False
    set_portrait(companion, data, upload.filename)
    return True


@bp.route("/")
@login_required
def index():
    stmt = org_select(Companion).join(Client, Client.id == Companion.client_id)
    page = list_records(
        Companion, (Companion.name, Companion.id), (Companion.name, Client.full_name), stmt=stmt
    )
    return render_template("personas/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = CompanionForm(client_id=request.args.get("client_id", type=db_int))
    form.client_id.choices = record_choices(Client, Client.full_name)
    if form.validate_on_submit():
        companion = Companion(org_id=current_user.org_id, **_fields(form))
        db.session.add(companion)
        db.session.flush()
        if _portrait(form, companion):
            db.session.commit()
            flash(_("Companion %(name)s added.", name=companion.name), "success")
            return redirect(url_for("personas.edit", record_id=companion.id))
        db.session.rollback()
    return render_template("personas/form.html", form=form, companion=None)


@bp.route("/<int:record_id>", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    companion = get_owned_or_404(Companion, record_id)
    forbid_viewer_changes()
    form = CompanionForm(obj=companion)
    form.client_id.choices = record_choices(Client, Client.full_name, companion.client_id)
    if form.validate_on_submit():
        try:
            update_companion(companion, _fields(form))
        except CompanionError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
        else:
            if _portrait(form, companion):
                audit("change", "companion", companion.id)
                db.session.commit()
                flash(_("Changes to %(name)s saved.", name=companion.name), "success")
                return redirect(url_for("personas.edit", record_id=companion.id))
            db.session.rollback()
    audit("view", "companion", companion.id)
    db.session.commit()
    preview = get_job(request.args.get("preview", ""), companion.org_id)
    return render_template(
        "personas/form.html",
        form=form,
        companion=companion,
        preview=preview,
        preview_lang=request.args.get("lang", "ja"),
        button_form=ConfirmForm(),
    )


def _import(companion: Companion | None):
    form = ImportForm(
        client_id=companion.client_id if companion else request.args.get("client_id", type=db_int)
    )
    form.client_id.choices = record_choices(
        Client, Client.full_name, companion.client_id if companion else None
    )
    if form.validate_on_submit():
        upload = form.card.data
        with upload.stream:  # large uploads are spooled to a temporary file: close it now
            data = upload.read()
        try:
            parsed = read_any(data)
        except CardError as error:
            form.card.errors.append(_("This file cannot be imported: %(reason)s", reason=error))
        else:
            client_id = companion.client_id if companion else form.client_id.data
            pending = stage_import(
                current_user.org_id,
                client_id,
                companion.id if companion else None,
                parsed,
                upload.filename,
            )
            db.session.commit()
            return redirect(url_for("personas.preview", pending_id=pending.id))
    return render_template("personas/import.html", form=form, companion=companion)


@bp.route("/import", methods=["GET", "POST"])
@editor_required
def import_new():
    return _import(None)


@bp.route("/<int:record_id>/import", methods=["GET", "POST"])
@editor_required
def import_into(record_id: int):
    return _import(get_owned_or_404(Companion, record_id))


@bp.route("/imports/<int:pending_id>", methods=["GET", "POST"])
@editor_required
def preview(pending_id: int):
    pending = get_owned_or_404(PendingImport, pending_id)
    companion = get_owned_or_404(Companion, pending.companion_id) if pending.companion_id else None
    card = json.loads(pending.card_json)
    client = db.session.get(Client, pending.client_id)
    fields = fields_from_card(card, pending.source, client.display_name if client else "")
    form = PreviewForm(data={k: fields.get(k, "") for k in PREVIEW_FIELDS})
    if request.method == "POST":
        if request.form.get("action") == "cancel":
            if not ConfirmForm().validate_on_submit():
                abort(400)
            db.session.delete(pending)
            db.session.commit()
            flash(_("Nothing was imported."), "info")
            return redirect(
                url_for("personas.edit", record_id=companion.id)
                if companion
                else url_for("personas.index")
            )
        # A field the browser did not send keeps what the card said.
        if form.validate_on_submit():
            edits = {k: v for k, v in form.data.items() if k in PREVIEW_FIELDS}
            if not edits["name"] and not (companion and companion.name):
                form.name.errors.append(_("Give the companion a name."))
            else:
                if not edits["name"]:
                    edits.pop("name")
                companion = confirm_import(pending, companion, edits)
                db.session.commit()
                flash(_("Imported %(name)s.", name=companion.name), "success")
                return redirect(url_for("personas.edit", record_id=companion.id))
    return render_template(
        "personas/preview.html",
        pending=pending,
        companion=companion,
        fields=fields,
        form=form,
        card=card,
        unusable=fields.get("_unusable", False),
    )


@bp.route("/<int:record_id>/story/<lang>", methods=["GET", "POST"])
@login_required
def story(record_id: int, lang: str):
    """The couple's questionnaire in one language, as the planner fills or edits it."""
    companion = get_owned_or_404(Companion, record_id)
    if lang not in ("ja", "en"):
        abort(404)
    forbid_viewer_changes()
    existing = stories_of(companion.id).get(lang)
    form = StoryForm(
        obj=existing,
        lang=lang,
        client_name=companion.client.display_name,
        companion_name=companion.name,
    )
    if form.validate_on_submit():
        answers = {k: v for k, v in form.data.items() if k in STORY_FIELDS}
        save_story(companion, lang, answers, f"planner:{current_user.id}")
        audit("change", "companion", companion.id, f"story:{lang}")
        db.session.commit()
        warning = story_language_warning(lang, answers)
        if warning:
            flash(str(warning), "warning")
        else:
            flash(_("The couple's answers are saved."), "success")
        return redirect(url_for("personas.story", record_id=companion.id, lang=lang))
    return render_template(
        "personas/story.html", companion=companion, form=form, lang=lang, story=existing
    )


@bp.post("/<int:record_id>/voice-preview")
@login_required
def voice_preview(record_id: int):
    """Make a short sample of the companion's saved voice, in the background."""
    companion = get_owned_or_404(Companion, record_id)
    lang = request.form.get("lang", "ja")
    if lang not in ("ja", "en") or not ConfirmForm().validate():
        abort(400)
    job = enqueue(speak_preview, companion.id, lang, org_id=companion.org_id)
    db.session.commit()
    return redirect(
        url_for("personas.edit", record_id=companion.id, preview=job.id, lang=lang)
        + "#voice-preview"
    )


@bp.get("/<int:record_id>/voice-preview/<job_id>.wav")
@login_required
def voice_preview_file(record_id: int, job_id: str):
    companion = get_owned_or_404(Companion, record_id)
    job = get_job(job_id, companion.org_id)
    if job is None or job.status != "done" or not isinstance(job.result, dict):
        abort(404)
    stored = db.session.get(StoredFile, job.result.get("file_id"))
    if stored is None or stored.filename not in (
        preview_name(companion.id, "ja"),
        preview_name(companion.id, "en"),
    ):
        abort(404)
    return file_response(stored.id, cache="private, no-store")


@bp.get("/<int:record_id>/card.png")
@login_required
def export_png(record_id: int):
    companion = get_owned_or_404(Companion, record_id)
    audit("export", "companion", companion.id, "card.png")
    db.session.commit()
    return Response(
        card_png(companion),
        mimetype="image/png",
        headers={"Content-Disposition": f'attachment; filename="companion-{companion.id}.png"'},
    )


@bp.get("/<int:record_id>/card.json")
@login_required
def export_json(record_id: int):
    companion = get_owned_or_404(Companion, record_id)
    audit("export", "companion", companion.id, "card.json")
    db.session.commit()
    body = json.dumps(persona_card(companion), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="companion-{companion.id}.json"'},
    )


@bp.get("/<int:record_id>/portrait")
@login_required
def portrait(record_id: int):
    return file_response(get_owned_or_404(Companion, record_id).portrait_id)


@bp.get("/imports/<int:pending_id>/portrait")
@editor_required
def pending_portrait(pending_id: int):
    return file_response(get_owned_or_404(PendingImport, pending_id).portrait_id)
