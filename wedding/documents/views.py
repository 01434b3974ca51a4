"""Document pages: settings, HTML previews, PDF downloads, issuing versions, company branding."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wedding.accounts.access import editor_required, get_owned_or_404, roles_required
from wedding.audit import audit
from wedding.ceremonies.models import Ceremony
from wedding.documents.forms import BrandingForm, DocumentSettingsForm, IssueForm
from wedding.documents.models import KINDS, PRINTABLE, Branding, IssuedDocument
from wedding.documents.services import (
    DEFAULT_COLOR,
    DocumentError,
    branding_for,
    file_name,
    issue_document,
    issued_documents,
    printable_data,
    render_html,
    render_pdf,
    settings_for,
)
from wedding.forms import ConfirmForm
from wedding.models import db
from wedding.personas.cards import CardError, checked_image
from wedding.storage.services import file_response, sniff_image_type, store
from wedding.tokens import new_nonce
from wedding.urls import FALLBACK, public_url_configured

bp = Blueprint("documents", __name__, url_prefix="/ceremonies/<int:ceremony_id>/documents")
branding_bp = Blueprint("branding", __name__, url_prefix="/company")
MAX_LOGO = 2 * 1024 * 1024
SETTING_FIELDS = ("theme", "language", "size", "vow_reader", "photographer", "witness", "thank_you")


def error_message(code: str) -> str:
    return {
        "needs_couple": _("Choose the client and their companion for this ceremony first."),
        "no_vows": _("Approve the companion's vows in the document's language first."),
        "no_ar": _("The AR viewer link is turned off: make a new one first."),
    }.get(code, code)


def _kind(kind: str, kinds=PRINTABLE) -> str:
    if kind not in kinds:
        abort(404)
    return kind


@bp.route("", methods=["GET", "POST"])
@login_required
def index(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    settings = settings_for(ceremony)
    form = DocumentSettingsForm(obj=None if request.method == "POST" else settings)
    if request.method == "POST":
        if not current_user.can_edit:
            abort(403)
        if form.validate():
            for name in SETTING_FIELDS:
                setattr(settings, name, getattr(form, name).data)
            db.session.add(settings)
            db.session.commit()
            flash(_("Document settings saved."), "success")
            return redirect(url_for("documents.index", ceremony_id=ceremony_id))
    audit("view", "document", ceremony.id)
    db.session.commit()
    return render_template(
        "documents/index.html",
        ceremony=ceremony,
        form=form,
        issue_form=IssueForm(),
        issued=issued_documents(ceremony.id),
        kinds=KINDS,
        button_form=ConfirmForm(),
    )


def _printable(ceremony_id: int, kind: str) -> tuple[Ceremony, dict | None]:
    """The ceremony and what its document prints now; None (with the reason flashed) when the
    document cannot be made yet."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    try:
        return ceremony, printable_data(ceremony, _kind(kind))
    except DocumentError as error:
        flash(error_message(str(error)), "error")
        return ceremony, None


@bp.get("/<kind>/preview")
@login_required
def preview(ceremony_id: int, kind: str):
    """The document as a web page, styled exactly as the PDF (its one style block by nonce)."""
    _, data = _printable(ceremony_id, kind)
    if data is None:
        return redirect(url_for("documents.index", ceremony_id=ceremony_id))
    nonce = new_nonce()
    response = make_response(render_html(kind, data, nonce=nonce))
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/<kind>.pdf")
@login_required
def download(ceremony_id: int, kind: str):
    """The document as it would print now (not issued: the client does not see it)."""
    ceremony, data = _printable(ceremony_id, kind)
    if data is None:
        return redirect(url_for("documents.index", ceremony_id=ceremony_id))
    if request.method == "HEAD":
        # A link checker's or a chat preview's look: the headers, nothing made, nothing
        # recorded as downloaded (its length is unknown until it is made).
        response = pdf_response(b"", file_name(ceremony, kind))
        del response.headers["Content-Length"]
        return response
    audit("export", "document", ceremony.id, f"download:{kind}")
    db.session.commit()
    pdf = render_pdf(kind, data)
    return pdf_response(pdf, file_name(ceremony, kind))


def pdf_response(pdf: bytes, filename: str):
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.post("/<kind>/issue")
@editor_required
def issue(ceremony_id: int, kind: str):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    form = IssueForm()
    if not form.validate():
        abort(400)
    try:
        printable_data(ceremony, _kind(kind, KINDS))  # refuse early, with the reason
        issued = issue_document(ceremony, kind, current_user.id, form.note.data)
        audit("change", "document", ceremony.id, f"issue:{kind}:v{issued.version}")
        db.session.commit()
    except DocumentError as error:
        db.session.rollback()
        flash(error_message(str(error)), "error")
    else:
        flash(
            _("Issued version %(version)d: the client can download it.", version=issued.version),
            "success",
        )
    return redirect(url_for("documents.index", ceremony_id=ceremony_id) + "#issued")


@bp.get("/issued/<int:document_id>.pdf")
@login_required
def issued_pdf(ceremony_id: int, document_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    document = db.session.get(IssuedDocument, document_id)
    if document is None or document.ceremony_id != ceremony.id:
        abort(404)
    return file_response(
        document.file_id, file_name(ceremony, document.kind, document.version), "private, no-store"
    )


@branding_bp.route("/branding", methods=["GET", "POST"])
@roles_required("owner")
def branding():
    """The company's colour and logo on every document."""
    current = branding_for(current_user.org_id)
    form = BrandingForm(obj=None if request.method == "POST" else current)
    if form.validate_on_submit():
        current = current or Branding(org_id=current_user.org_id)
        logo = form.logo.data
        if logo and logo.filename:
            data = logo.read(MAX_LOGO + 1)
            try:
                if len(data) > MAX_LOGO:
                    raise CardError(_("The logo is larger than 2 MB."))
                checked_image(data)
                if sniff_image_type(data) not in ("image/png", "image/jpeg"):
                    raise CardError(_("The logo must be a PNG or JPEG picture."))
            except CardError as error:
                form.logo.errors.append(str(error))
                return _branding_page(form, current)
            current.logo_id = store(
                current_user.org_id, data, sniff_image_type(data), logo.filename
            ).id
        current.color = form.color.data or ""
        db.session.add(current)
        db.session.commit()
        flash(_("Branding saved: every new document uses it."), "success")
        return redirect(url_for("branding.branding"))
    if form.color.errors or not form.color.data:  # the error says what was wrong
        form.color.data = (current.color if current else "") or DEFAULT_COLOR["classic"]
    return _branding_page(form, current)


def _branding_page(form: BrandingForm, current: Branding | None) -> str:
    """The page, with a note for the owner while PUBLIC_URL is not configured."""
    return render_template(
        "documents/branding.html",
        form=form,
        branding=current,
        public_url_missing=not public_url_configured(current_app.config),
        request_host=request.host_url.rstrip("/"),
        fallback_host=FALLBACK,
    )


@branding_bp.get("/logo")
@login_required
def logo():
    current = branding_for(current_user.org_id)
    return file_response(current.logo_id if current else None)


@bp.app_template_global()
def document_name(kind: str) -> str:
    return {
        "certificate": _("Certificate"),
        "program": _("Program"),
        "vow_card": _("Vow card"),
        "table_card": _("Table card"),
    }.get(kind, kind)
