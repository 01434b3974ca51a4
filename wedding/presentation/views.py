"""The planner's presentation page, and the public viewer and venue screen behind a secret link."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from wedding.accounts.access import editor_required, forbid_viewer_changes, get_owned_or_404
from wedding.ceremonies.models import Ceremony
from wedding.forms import ConfirmForm
from wedding.i18n import current_lang
from wedding.i18n import lazy_gettext as _l
from wedding.models import db
from wedding.presentation.cutout import CutoutError
from wedding.presentation.forms import CutoutForm, ModelForm, PresentationForm
from wedding.presentation.glb import ModelError
from wedding.presentation.models import Presentation
from wedding.presentation.services import (
    MAX_MODEL_BYTES,
    accept_cutout,
    attach_model,
    cutout_job,
    discard_cutout,
    find_presentation,
    portrait_needs_cutout,
    presentation_for,
    qr_svg,
    queue_standee,
    remove_model,
    renew_viewer,
    request_cutout,
    revoke_viewer,
    upload_cutout,
    viewer_model,
    viewer_url,
)
from wedding.runofshow.services import item_start, items_of
from wedding.storage.services import file_response
from wedding.vows.audio import spoken_vows

bp = Blueprint("presentation", __name__, url_prefix="/ceremonies/<int:ceremony_id>/presentation")
viewer_bp = Blueprint("viewer", __name__, url_prefix="/ar")
# The viewer runs model-viewer (three.js): textures become blob: URLs, it compiles WebAssembly
# (never JavaScript from strings) and its shadow DOM has one fixed style block (by hash).
# Nothing leaves our origin.
MODEL_VIEWER_STYLE = "'sha256-PXtZZkJMMyc18o/DN1ZEFOJ2qEGq95IQbVaJFMOXOb0='"
VIEWER_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
    f"style-src 'self' {MODEL_VIEWER_STYLE}; img-src 'self' data: blob:; "
    "connect-src 'self' data: blob:; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


@bp.route("", methods=["GET", "POST"])
@login_required
def index(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    forbid_viewer_changes()
    presentation = find_presentation(ceremony)  # a page view makes nothing
    companion = ceremony.companion
    form = PresentationForm(
        data=None
        if request.method == "POST"
        else {
            "external_url": presentation.external_url if presentation else "",
            "height_cm": companion.height_cm if companion else 175,
        }
    )
    if form.validate_on_submit():
        presentation = presentation_for(ceremony)
        presentation.external_url = form.external_url.data or ""
        if companion is not None:
            companion.height_cm = form.height_cm.data  # a new height queues a new standee
        db.session.commit()
        flash(_("Presentation saved."), "success")
        return redirect(url_for("presentation.index", ceremony_id=ceremony_id))
    link = viewer_url(presentation) if presentation and presentation.active else ""
    return render_template(
        "presentation/index.html",
        ceremony=ceremony,
        presentation=presentation,
        shown=viewer_model(presentation, ceremony) if presentation else None,
        form=form,
        model_form=ModelForm(),
        cutout_form=CutoutForm(),
        needs_cutout=portrait_needs_cutout(companion) if companion else False,
        cutout_job=cutout_job(companion) if companion else None,
        cutout_reasons=CUTOUT_REASONS,
        button_form=ConfirmForm(),
        link=link,
        qr=qr_svg(link) if link else "",
        max_mb=MAX_MODEL_BYTES // (1024 * 1024),
    )


@bp.post("/model")
@editor_required
def upload_model(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    presentation = presentation_for(ceremony)
    form = ModelForm()
    if not form.validate():
        flash(" ".join(str(m) for m in form.model.errors), "error")
        return redirect(url_for("presentation.index", ceremony_id=ceremony_id))
    upload = form.model.data
    data = upload.read(MAX_MODEL_BYTES + 1)
    try:
        attach_model(presentation, data, upload.filename or "model.glb")
    except ModelError as error:
        db.session.rollback()
        flash(_("That file cannot be used: %(reason)s.", reason=str(error)), "error")
    else:
        db.session.commit()
        flash(_("Model saved: the viewer shows it now."), "success")
    return redirect(url_for("presentation.index", ceremony_id=ceremony_id))


@bp.post("/model/remove")
@editor_required
def delete_model(ceremony_id: int):
    presentation = presentation_for(get_owned_or_404(Ceremony, ceremony_id))
    if ConfirmForm().validate():
        remove_model(presentation)
        db.session.commit()
        flash(_("Model removed: the viewer shows the standee."), "success")
    return redirect(url_for("presentation.index", ceremony_id=ceremony_id))


CUTOUT_REASONS = {
    "no portrait": _l("The companion has no portrait yet."),
    "no cut-out": _l("There is no cut-out to accept yet."),
    "no transparency": _l("That picture has no transparent background: it is not a cut-out."),
    "not a picture": _l("That file is not a picture we can read."),
    "too many pixels": _l("That picture is too large: up to 40 million pixels (e.g. 5000 × 8000)."),
    "no figure found": _l("No figure could be told from the background: upload your own cut-out."),
    "portrait changed": _l("The portrait changed while it was being cut out: cut it out again."),
}


@bp.post("/cutout/<any(make, accept, discard, upload):action>")
@editor_required
def cutout(ceremony_id: int, action: str):
    """Make a cut-out of the portrait, accept or discard it, or upload the planner's own."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    companion = ceremony.companion
    back = redirect(url_for("presentation.index", ceremony_id=ceremony_id) + "#standee-cutout")
    form = CutoutForm() if action == "upload" else ConfirmForm()
    if companion is None or not form.validate_on_submit():
        errors = getattr(form, "cutout", None)
        flash(" ".join(str(m) for m in errors.errors) if errors else _("Try again."), "error")
        return back
    try:
        if action == "make":
            request_cutout(companion)
            message = _("Cutting the figure out: the cut-out appears here in a moment.")
        elif action == "accept":
            accept_cutout(companion)
            message = _("Cut-out accepted: the standee shows the figure alone.")
        elif action == "discard":
            discard_cutout(companion)
            message = _("The standee shows the whole portrait again.")
        else:
            upload = form.cutout.data
            upload_cutout(companion, upload.read(20 * 1024 * 1024), upload.filename or "")
            message = _("Your cut-out is used for the standee.")
    except CutoutError as error:
        db.session.rollback()
        flash(str(CUTOUT_REASONS.get(str(error), error)), "error")
        return back
    db.session.commit()
    flash(message, "success")
    return back


@bp.get("/cutout.png")
@login_required
def cutout_picture(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    if ceremony.companion is None or ceremony.companion.cutout_id is None:
        abort(404)
    return file_response(ceremony.companion.cutout_id, cache="private, no-cache")


@bp.post("/<any(create, revoke, regenerate):action>")
@editor_required
def link(ceremony_id: int, action: str):
    """Make the viewer link (a ceremony from before links came with ceremonies), turn it off,
    or replace it with a new one (old QR codes stop working)."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    if ConfirmForm().validate():
        presentation = presentation_for(ceremony)
        if action == "create":
            message = _("The viewer link is ready.")
        elif action == "revoke":
            revoke_viewer(ceremony, presentation)
            message = _("The viewer link no longer works.")
        else:
            renew_viewer(ceremony, presentation)
            message = _("A new viewer link: reprint the QR codes.")
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("presentation.index", ceremony_id=ceremony_id))


@bp.post("/standee")
@editor_required
def standee(ceremony_id: int):
    """Make the standee again (after a failure, or for a ceremony from before standees were
    jobs); it is made by a background job."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    if ConfirmForm().validate() and ceremony.companion is not None:
        presentation_for(ceremony)
        queue_standee(ceremony.companion)
        db.session.commit()
        flash(_("The standee is being made: it appears here in a moment."), "success")
    return redirect(url_for("presentation.index", ceremony_id=ceremony_id))


@bp.get("/model.glb")
@login_required
def planner_model(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    presentation = find_presentation(ceremony)
    shown = viewer_model(presentation, ceremony) if presentation else None
    return file_response(shown.file_id if shown else None, cache="private, no-cache")


# --- the public side: only the link's own ceremony, and only what guests need ---------------


def _viewer_or_404(token: str):
    presentation = Presentation.from_public_token(token, current_app.config["SECRET_KEY"])
    if presentation is None:
        abort(404)
    ceremony = db.session.get(Ceremony, presentation.ceremony_id)
    return presentation, ceremony


def _public(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = VIEWER_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@viewer_bp.get("/<token>")
def show(token: str):
    """What guests see: the model, or while the standee is being made, the portrait and a page
    that reloads itself. Reading only: the standee is made by a job, never here."""
    presentation, ceremony = _viewer_or_404(token)
    shown = viewer_model(presentation, ceremony)
    companion = ceremony.companion
    html = render_template(
        "presentation/viewer.html",
        token=token,
        companion=companion,
        client=ceremony.client,
        presentation=presentation,
        has_model=shown.file_id is not None,
        preparing=shown.preparing,
        progress=shown.job.progress if shown.preparing else 0,
        portrait=bool(companion and companion.portrait_id and companion.artwork_printable),
        lang=current_lang(),
        vows_audio=spoken_vows(ceremony.id, current_lang()) is not None,
    )
    return _public(Response(html))


@viewer_bp.get("/<token>/vows.wav")
def vows_audio(token: str):
    """The companion's approved vows in their own voice (played by a button, never by itself)."""
    _, ceremony = _viewer_or_404(token)
    audio = spoken_vows(ceremony.id, current_lang())
    if audio is None:
        abort(404)
    return _public(file_response(audio.file_id, cache="private, no-cache"))


@viewer_bp.get("/<token>/model.glb")
def model(token: str):
    presentation, ceremony = _viewer_or_404(token)
    shown = viewer_model(presentation, ceremony)
    return _public(file_response(shown.file_id, cache="private, no-cache"))


@viewer_bp.get("/<token>/portrait")
def portrait(token: str):
    _, ceremony = _viewer_or_404(token)
    companion = ceremony.companion
    if companion is None or not companion.artwork_printable:
        abort(404)
    return _public(file_response(companion.portrait_id))


@viewer_bp.get("/<token>/screen")
def screen(token: str):
    """The venue screen: portrait, names, and the run of show's current item."""
    _, ceremony = _viewer_or_404(token)
    lang = current_lang()
    items = [
        {
            "start": item_start(ceremony, item).isoformat(),
            "minutes": item.duration_minutes,
            "title": item.title(lang),
            "vows": item.role == "vow_reader" or "誓" in item.title_ja,
        }
        for item in items_of(ceremony)
    ]
    html = render_template(
        "presentation/screen.html",
        token=token,
        ceremony=ceremony,
        companion=ceremony.companion,
        client=ceremony.client,
        items=items,
        vows_audio=spoken_vows(ceremony.id, lang) is not None,
    )
    return _public(Response(html))
