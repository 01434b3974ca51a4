"""The client's portal: entered through a magic link, then a session for that one client."""

from functools import wraps
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from wedding.accounts.access import editor_required, get_owned_or_404
from wedding.accounts.services import company_name
from wedding.almanac import describe
from wedding.audit import audit
from wedding.billing import services as billing
from wedding.billing.documents import (
    agreement_document,
    agreement_preparing,
    render_invoice_pdf,
    render_receipt_pdf,
)
from wedding.billing.forms import AcceptForm
from wedding.billing.messages import message as billing_message
from wedding.billing.models import Acceptance, Invoice, Payment
from wedding.billing.stripe_pay import StripeSettings
from wedding.billing.tasks import open_checkout, queue_agreement_pdf
from wedding.calendars.ics import build_calendar, google_link
from wedding.calendars.models import Feed
from wedding.calendars.services import ceremony_calendar, ceremony_event, get_or_create_feed
from wedding.calendars.views import feed_urls
from wedding.clients.models import Client
from wedding.documents.models import IssuedDocument
from wedding.documents.services import file_name, issued_documents
from wedding.forms import ConfirmForm
from wedding.jobs import enqueue, get_job, task_name
from wedding.mail import mail_configured
from wedding.models import db, utcnow, writes
from wedding.personas.forms import StoryForm
from wedding.personas.models import Companion
from wedding.personas.services import (
    STORY_FIELDS,
    card_png,
    save_story,
    stories_of,
    story_language_warning,
)
from wedding.portal.forms import CommentForm, RequestForm
from wedding.portal.models import PortalLink
from wedding.portal.services import (
    PortalError,
    active_links,
    approve_by_client,
    client_ceremonies,
    client_version,
    comment,
    create_link,
    last_mail,
    link_from_token,
    link_url,
    request_links,
    revoke_links,
    send_link,
)
from wedding.presentation.services import ar_link
from wedding.privacy.tasks import export_job, queue_export
from wedding.runofshow.services import item_start, items_of
from wedding.storage.services import file_response
from wedding.urls import public_url
from wedding.vows.audio import audio_for, audio_of
from wedding.vows.services import comments_for, visible_to_client

bp = Blueprint("portal", __name__, url_prefix="/portal")
admin_bp = Blueprint("portal_admin", __name__, url_prefix="/clients/<int:record_id>/portal")
SESSION_KEY = "portal_link"


def error_message(code: str) -> str:
    return {
        "no_email": _("Add the client's e-mail address first, or copy the link instead."),
        "no_mail_server": _("No mail server is configured: copy the link and send it yourself."),
        "mail_failed": _("The mail server did not accept the message. Copy the link instead."),
        "empty_comment": _("Write what you would like to change."),
        "long_comment": _("The comment is too long."),
    }.get(code, code)


def client_required(view):
    """Only with a portal session whose link still works (revoking ends it at once)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        link_id = session.get(SESSION_KEY)
        link = db.session.get(PortalLink, link_id) if isinstance(link_id, int) else None
        if link is None or not link.usable(utcnow()):
            session.pop(SESSION_KEY, None)
            return redirect(url_for("portal.ask"))
        g.portal_link = link
        g.client = db.session.get(Client, link.client_id)
        if g.client is None or g.client.archived:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/enter/<token>")
@writes
def enter(token: str):
    """The magic link: open the portal for its client, then drop the token from the URL."""
    link = link_from_token(token, utcnow())
    if link is None:
        return _private(Response(render_template("portal/expired.html"), status=404))
    session.clear()  # a planner's or another client's session never mixes with this one
    session[SESSION_KEY] = link.id
    session.permanent = True
    client = db.session.get(Client, link.client_id)
    session["language"] = client.language
    link.last_used_at = utcnow()
    audit("portal", "client", client.id, "enter", org_id=client.org_id, actor=f"client:{client.id}")
    db.session.commit()
    return redirect(url_for("portal.home"), 303)


@bp.route("/request", methods=["GET", "POST"])
def ask():
    """Ask for a new link by e-mail; the answer never says whether the address is known."""
    form = RequestForm()
    sent = False
    if form.validate_on_submit():
        request_links(form.email.data, request.remote_addr, utcnow())
        db.session.commit()
        sent = True
    return _private(Response(render_template("portal/request.html", form=form, sent=sent)))


@bp.post("/leave")
def leave():
    if ConfirmForm().validate():
        session.pop(SESSION_KEY, None)
    return redirect(url_for("portal.ask"))


def _ceremony_view(ceremony) -> dict:
    tz = ceremony.venue.timezone
    local_day = ceremony.starts_at.astimezone(ZoneInfo(tz)).date()
    event = ceremony_event(
        ceremony,
        current_app.config["CALENDAR_UID_DOMAIN"],
        company_name(ceremony.org_id),
        public_url("portal.home"),
        private=False,
    )
    return {
        "ceremony": ceremony,
        "day": describe(local_day),
        "run": [(item_start(ceremony, item), item) for item in items_of(ceremony)],
        "google": google_link(event),
        "versions": _grouped(visible_to_client(ceremony.id), g.client.language),
        "audio": {k: a for k, a in audio_for(ceremony.id).items() if a.status == "done"},
        "comments": comments_for(ceremony.id),
        "documents": issued_documents(ceremony.id),
        "ar": ar_link(ceremony),
        "money": _money_view(ceremony),
    }


def _money_view(ceremony) -> dict:
    """The client's quote (with the exact agreement text and its hash), invoices, receipts
    and how to pay."""
    quote = billing.quote_of(ceremony.id)
    document = agreement_document(quote) if quote else ""
    invoices = [i for i in billing.invoices_of(ceremony.id) if i.number is not None]
    profile = billing.profile_of(ceremony.org_id)
    return {
        "quote": quote,
        "document": document,
        "hash": billing.document_hash(document) if quote else "",
        "invoices": invoices,
        "receipts": sorted(
            (p for i in invoices for p in i.payments), key=lambda p: p.receipt_number or 0
        ),
        "bank": billing.bank_details(profile, g.client.language) if profile else "",
        "card": StripeSettings.from_config(current_app.config) is not None,
    }


def _grouped(versions, first_lang: str) -> list[tuple[tuple[str, str], list]]:
    """Versions by (role, language), each group newest first (as they come): the companion's
    vows first, then the client's, each in the client's language first."""
    grouped: dict = {}
    for version in versions:
        grouped.setdefault((version.role, version.lang), []).append(version)
    return sorted(
        grouped.items(), key=lambda item: (item[0][0] != "companion", item[0][1] != first_lang)
    )


@bp.get("/")
@client_required
def home():
    ceremonies = [_ceremony_view(c) for c in client_ceremonies(g.client.id)]
    feed = db.session.scalar(
        db.select(Feed).filter_by(
            org_id=g.client.org_id, kind="client", subject_id=g.client.id, revoked_at=None
        )
    )
    companions = db.session.scalars(
        db.select(Companion).filter_by(client_id=g.client.id, archived_at=None)
    ).all()
    return _private(
        Response(
            render_template(
                "portal/home.html",
                client=g.client,
                ceremonies=ceremonies,
                feed=feed_urls(feed) if feed else None,
                companions=companions,
                comment_form=CommentForm(),
                button_form=ConfirmForm(),
                accept_form=AcceptForm(),
                # a refused signature's name, offered again to correct (not typed anew)
                typed_name=session.pop(TYPED_NAME, None) or {},
                company=company_name(g.client.org_id),
            )
        )
    )


@bp.post("/vows/<int:version_id>/approve")
@client_required
def approve(version_id: int):
    version = client_version(g.client.id, version_id)
    if version is None:
        abort(404)
    if ConfirmForm().validate():
        approve_by_client(version)
        audit("change", "vows", version.ceremony_id, f"approve:{version.id}")
        db.session.commit()
        flash(_("Thank you: these are your approved vows."), "success")
    return redirect(url_for("portal.home") + f"#vow-{version.id}", 303)


@bp.post("/vows/<int:version_id>/comment")
@client_required
def ask_changes(version_id: int):
    version = client_version(g.client.id, version_id)
    if version is None:
        abort(404)
    form = CommentForm()
    if form.validate():
        try:
            comment(version, "client", form.text.data)
            audit("change", "vows", version.ceremony_id, f"comment:{version.id}")
            db.session.commit()
            flash(_("Sent to your planner."), "success")
        except PortalError as error:
            db.session.rollback()
            flash(error_message(str(error)), "error")
    else:
        flash(" ".join(str(m) for m in form.text.errors), "error")
    return redirect(url_for("portal.home") + f"#vow-{version.id}", 303)


@bp.get("/vows/<int:version_id>/audio.wav")
@client_required
def vow_audio(version_id: int):
    """The companion's recorded vows (a shared or approved version only)."""
    version = client_version(g.client.id, version_id)
    audio = audio_of(version.id) if version else None
    if audio is None or audio.file_id is None:
        abort(404)
    name = f"vows-{version.role}-{version.lang}-v{version.number}.wav"
    return _private(file_response(audio.file_id, name if request.args.get("download") else ""))


@bp.route("/story/<int:companion_id>/<lang>", methods=["GET", "POST"])
@client_required
def story(companion_id: int, lang: str):
    """The couple's questionnaire, filled in by the client."""
    companion = db.session.get(Companion, companion_id)
    if companion is None or companion.client_id != g.client.id or lang not in ("ja", "en"):
        abort(404)
    form = StoryForm(
        obj=stories_of(companion.id).get(lang),
        lang=lang,
        client_name=g.client.display_name,
        companion_name=companion.name,
    )
    if form.validate_on_submit():
        answers = {k: v for k, v in form.data.items() if k in STORY_FIELDS}
        save_story(companion, lang, answers, "client")
        audit("change", "companion", companion.id, f"story:{lang}")
        db.session.commit()
        warning = story_language_warning(lang, answers)
        if warning:
            flash(str(warning), "warning")
        else:
            flash(_("Thank you: your planner will see your answers."), "success")
        return redirect(url_for("portal.story", companion_id=companion.id, lang=lang), 303)
    return _private(
        Response(render_template("portal/story.html", companion=companion, form=form, lang=lang))
    )


def _client_ceremony(ceremony_id: int):
    ceremony = next((c for c in client_ceremonies(g.client.id) if c.id == ceremony_id), None)
    if ceremony is None:
        abort(404)
    return ceremony


def _client_invoice(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.number is None:
        abort(404)
    _client_ceremony(invoice.ceremony_id)
    return invoice


TYPED_NAME = "portal_typed_name"


def _refused_signature(ceremony, form, message: str) -> Response:
    """Back to the signature field itself, its error beside it and the name typed kept to
    correct: on a phone a message at the top of the page was far above what was in view."""
    quote = billing.quote_of(ceremony.id)
    if quote is not None and quote.accepted:  # signed meanwhile (a second tab): no field left
        flash(message, "error")
        return redirect(url_for("portal.home") + "#quote", 303)
    typed = form.typed_name.data if isinstance(form.typed_name.data, str) else ""
    session[TYPED_NAME] = {"ceremony": ceremony.id, "name": typed[:200], "error": str(message)}
    return redirect(url_for("portal.home") + f"#accept-{ceremony.id}", 303)


@bp.post("/ceremonies/<int:ceremony_id>/accept")
@client_required
def accept_quote(ceremony_id: int):
    """The client accepts the quote by typing their name; the hash says what they read."""
    ceremony = _client_ceremony(ceremony_id)
    quote = billing.quote_of(ceremony.id)
    form = AcceptForm()
    if quote is None:
        abort(404)
    if not form.validate():
        return _refused_signature(ceremony, form, _("Type your full name to accept."))
    try:
        acceptance = billing.accept_quote(
            quote,
            form.typed_name.data,
            document=agreement_document(quote),
            shown_hash=form.document_sha256.data,
            address=request.remote_addr or "",
            now=utcnow(),
        )
    except billing.BillingError as error:
        db.session.rollback()
        return _refused_signature(ceremony, form, billing_message(error.code))
    queue_agreement_pdf(acceptance)  # rendered by a job, then mailed: nothing slow here
    audit("change", "ceremony", ceremony.id, f"quote-accept:r{quote.revision}")
    db.session.commit()
    flash(_("Thank you: the agreement is signed. Your invoices are below."), "success")
    return redirect(url_for("portal.home") + "#money", 303)


@bp.get("/agreements/<int:acceptance_id>.pdf")
@client_required
def agreement(acceptance_id: int):
    acceptance = db.session.get(Acceptance, acceptance_id)
    quotes = {
        q.id for q in map(billing.quote_of, (c.id for c in client_ceremonies(g.client.id))) if q
    }
    if acceptance is None or acceptance.quote_id not in quotes:
        abort(404)
    if acceptance.file_id is None:  # its job is still rendering it
        back_url = url_for("portal.home") + "#quote"
        return _private(agreement_preparing(acceptance, "portal/_base.html", back_url))
    return _private(file_response(acceptance.file_id, acceptance.pdf_name, "private, no-store"))


@bp.get("/invoices/<int:invoice_id>.pdf")
@client_required
def invoice_pdf(invoice_id: int):
    invoice = _client_invoice(invoice_id)
    response = Response(render_invoice_pdf(invoice), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{invoice.display_number}.pdf"'
    return _private(response)


@bp.get("/receipts/<int:payment_id>.pdf")
@client_required
def receipt_pdf(payment_id: int):
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    _client_invoice(payment.invoice_id)
    response = Response(render_receipt_pdf(payment), mimetype="application/pdf")
    name = payment.display_receipt_number
    response.headers["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return _private(response)


@bp.post("/invoices/<int:invoice_id>/pay")
@client_required
def pay_by_card(invoice_id: int):
    """Start a card payment: a background job asks Stripe for a Checkout page (nothing
    remote happens in this request); the next page waits for it and goes there."""
    invoice = _client_invoice(invoice_id)
    if StripeSettings.from_config(current_app.config) is None or not ConfirmForm().validate():
        abort(404)
    job = enqueue(open_checkout, invoice.id, g.client.email, org_id=invoice.org_id)
    db.session.commit()
    return redirect(url_for("portal.card_checkout", invoice_id=invoice.id, job=job.id), 303)


def _checkout_job(invoice: Invoice, job_id: str | None):
    job = get_job(job_id or "", invoice.org_id)
    if job is None or job.name != task_name(open_checkout) or job.args[:1] != [invoice.id]:
        abort(404)
    return job


@bp.get("/invoices/<int:invoice_id>/pay")
@client_required
def card_checkout(invoice_id: int):
    invoice = _client_invoice(invoice_id)
    job = _checkout_job(invoice, request.args.get("job"))
    result = job.result or {}
    if job.status == "done" and result.get("url"):
        return redirect(result["url"], 303)
    if job.status == "failed" or (job.status == "done" and result.get("error")):
        flash(billing_message(result.get("error") or "card_unavailable"), "error")
        return redirect(url_for("portal.home") + "#money", 303)
    page = render_template(
        "billing/portal_wait.html",
        job_url=url_for("portal.checkout_job", invoice_id=invoice.id, job=job.id),
        invoice=invoice,
    )
    return _private(Response(page))


@bp.get("/invoices/<int:invoice_id>/pay/status")
@client_required
def checkout_job(invoice_id: int):
    job = _checkout_job(_client_invoice(invoice_id), request.args.get("job"))
    return _private(jsonify({"status": job.status, "progress": job.progress}))


@bp.post("/calendar/subscribe")
@client_required
def subscribe():
    if ConfirmForm().validate():
        get_or_create_feed(g.client.org_id, "client", g.client.id, g.client.language)
        db.session.commit()
    return redirect(url_for("portal.home") + "#calendar", 303)


@bp.get("/ceremonies/<int:ceremony_id>/calendar.ics")
@client_required
def ceremony_ics(ceremony_id: int):
    ceremony = next((c for c in client_ceremonies(g.client.id) if c.id == ceremony_id), None)
    if ceremony is None:
        abort(404)
    data = ceremony_calendar(
        ceremony,
        g.client.language,
        current_app.config["CALENDAR_UID_DOMAIN"],
        public_url("portal.home"),
        private=False,
    )
    response = Response(build_calendar(data, utcnow()), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="ceremony-{ceremony.id}.ics"'
    return _private(response)


@bp.get("/documents/<int:document_id>.pdf")
@client_required
def document(document_id: int):
    issued = db.session.get(IssuedDocument, document_id)
    ceremony_ids = {c.id for c in client_ceremonies(g.client.id)}
    if issued is None or issued.ceremony_id not in ceremony_ids:
        abort(404)
    ceremony = next(c for c in client_ceremonies(g.client.id) if c.id == issued.ceremony_id)
    name = file_name(ceremony, issued.kind, issued.version)
    audit("export", "document", ceremony.id, f"portal:{issued.kind}:v{issued.version}")
    db.session.commit()
    return _private(file_response(issued.file_id, name, "private, no-store"))


@bp.get("/companions/<int:companion_id>.png")
@client_required
def keepsake(companion_id: int):
    """The companion as a character card PNG: theirs to keep, whatever platform comes next."""
    companion = db.session.get(Companion, companion_id)
    if companion is None or companion.client_id != g.client.id:
        abort(404)
    response = Response(card_png(companion), mimetype="image/png")
    response.headers["Content-Disposition"] = f'attachment; filename="companion-{companion.id}.png"'
    return _private(response)


@bp.post("/export")
@client_required
def prepare_export():
    """Everything we hold about the client, for the client: prepared by a background job."""
    if not ConfirmForm().validate():
        abort(400)
    job = queue_export(g.client)
    db.session.commit()
    return redirect(url_for("portal.export_status", job_id=job.id), 303)


@bp.get("/export/<job_id>")
@client_required
def export_status(job_id: str):
    job = export_job(g.client, job_id)
    if job is None:
        abort(404)
    html = render_template(
        "privacy/export.html",
        layout="portal/_base.html",
        job=job,
        download_url=url_for("portal.download_export", job_id=job.id),
        back_url=url_for("portal.home"),
    )
    return _private(Response(html))


@bp.get("/export/<job_id>/client.zip")
@client_required
def download_export(job_id: str):
    job = export_job(g.client, job_id)
    if job is None or job.status != "done":
        abort(404)
    audit("export", "client", g.client.id, "portal")
    db.session.commit()
    zip_name = f"client-{g.client.id}.zip"
    return _private(file_response(job.result["file_id"], zip_name, cache="private, no-store"))


# --- the planner's side ---------------------------------------------------------------------


@admin_bp.post("/link")
@editor_required
def new_link(record_id: int):
    """A link to copy and send by hand."""
    client = get_owned_or_404(Client, record_id)
    if ConfirmForm().validate():
        link = create_link(client, current_user.id)
        db.session.commit()
        session["portal_new_link"] = link_url(link)  # shown once, on the next page
        flash(_("A new portal link: copy it below and send it to the client."), "success")
    return redirect(url_for("clients.edit", record_id=record_id) + "#portal", 303)


@admin_bp.post("/send")
@editor_required
def send(record_id: int):
    client = get_owned_or_404(Client, record_id)
    if ConfirmForm().validate():
        try:
            send_link(client, current_user.id)
            db.session.commit()
            flash(_("The portal link is on its way to %(email)s.", email=client.email), "success")
        except PortalError as error:
            db.session.rollback()
            flash(error_message(str(error)), "error")
    return redirect(url_for("clients.edit", record_id=record_id) + "#portal", 303)


@admin_bp.post("/revoke")
@editor_required
def revoke(record_id: int):
    client = get_owned_or_404(Client, record_id)
    if ConfirmForm().validate():
        count = revoke_links(client)
        db.session.commit()
        flash(
            ngettext(
                "%(num)d portal link stopped working.",
                "%(num)d portal links stopped working.",
                count,
            ),
            "success",
        )
    return redirect(url_for("clients.edit", record_id=record_id) + "#portal", 303)


@bp.app_template_global()
def portal_mail(client_id: int):
    """The job e-mailing the client's newest link (queued, sent or failed), or None."""
    return last_mail(client_id)


@bp.app_template_global()
def portal_mail_address(job) -> str:
    link = db.session.get(PortalLink, job.args[0])
    return link.sent_to if link is not None else ""


@bp.app_template_global()
def portal_mail_ready() -> bool:
    """Whether a link can be e-mailed here (a mail server is configured)."""
    return mail_configured(current_app.config)


@bp.app_template_global()
def portal_links(client_id: int) -> list[PortalLink]:
    return active_links(client_id, utcnow())


@bp.app_template_global()
def fresh_portal_link() -> str:
    return session.pop("portal_new_link", "")
