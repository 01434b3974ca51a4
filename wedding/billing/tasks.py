"""Money's background jobs: the signed agreement's PDF, due and overdue invoice reminders to
the client and the planner, and the card payment page."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from wedding.accounts.services import company_name
from wedding.billing import services
from wedding.billing.documents import render_agreement_pdf, yen
from wedding.billing.mails import queue_agreement_mails, recipients
from wedding.billing.models import Acceptance, Invoice
from wedding.billing.services import BillingError
from wedding.billing.stripe_pay import StripeSettings, checkout_request, make_checkout
from wedding.ceremonies.models import Ceremony
from wedding.i18n import format_local_date
from wedding.jobs import enqueue, periodic, task
from wedding.mail import job_message_id, mail_configured, send_mail
from wedding.models import db, utcnow
from wedding.urls import public_url


def queue_agreement_pdf(acceptance: Acceptance) -> None:
    """Queue the signed agreement's PDF (and after it, its mails), in the caller's
    transaction: the acceptance request renders nothing itself."""
    enqueue(render_agreement, acceptance.id, org_id=acceptance.org_id)


@task(retries=4, backoff=30)
def render_agreement(acceptance_id: int) -> dict:
    """Background job: render the signed agreement's PDF from what the acceptance kept, keep
    it once, then queue its mails to the client and the planner. Run again, it renders and
    sends nothing more."""
    acceptance = db.session.get(Acceptance, acceptance_id)
    if acceptance is None or acceptance.file_id is not None:
        return {"file_id": acceptance.file_id if acceptance else None}
    db.session.expunge(acceptance)  # its loaded columns are all the rendering needs
    db.session.rollback()  # no transaction stays open while WeasyPrint works
    pdf = render_agreement_pdf(acceptance)
    kept = services.keep_agreement_pdf(acceptance_id, pdf)
    if kept is None:  # another run kept its PDF meanwhile (and queued the mails)
        return {"file_id": None}
    queue_agreement_mails(kept)
    return {"file_id": kept.file_id}


@periodic(minutes=60)
def remind_invoices() -> dict:
    """Find invoices due soon or overdue, mark them, and queue one mail per recipient."""
    found = services.invoices_to_remind(utcnow())
    if mail_configured(current_app.config):
        for invoice, stage in found:
            for who in ("client", "planner"):
                enqueue(mail_invoice_reminder, invoice.id, stage, who, org_id=invoice.org_id)
    return {"reminded": len(found)}


@task(retries=4, backoff=60)
def mail_invoice_reminder(invoice_id: int, stage: str, who: str) -> dict:
    """Background job: tell the client (or the planner) that an invoice is due or overdue."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.status not in services.OPEN_STATUSES:
        return {"sent": 0}  # paid or cancelled meanwhile
    company = company_name(invoice.org_id)
    messages = []
    ceremony = db.session.get(Ceremony, invoice.ceremony_id)
    for address, language in recipients(ceremony, who):
        with force_locale(language):
            values = {
                "number": invoice.display_number,
                "amount": yen(invoice.open_amount),
                "due": format_local_date(invoice.due_date),
                "client": invoice.recipient_name or "—",
                "company": company,
                "reference": invoice.reference_code,
                "bank": invoice.bank_details or "—",
            }
            if stage == "overdue":
                subject = _("Overdue: invoice %(number)s (%(amount)s)", **values)
            else:
                subject = _("Due %(due)s: invoice %(number)s (%(amount)s)", **values)
            if who == "client":
                body = _(
                    "Invoice %(number)s: %(amount)s is open, due %(due)s.\n\n"
                    "Bank transfer: %(bank)s\nPlease put %(reference)s before your name in the "
                    "transfer name. You can also see the invoice and pay in your portal.\n\n"
                    "%(company)s",
                    **values,
                )
            else:
                body = _(
                    "Invoice %(number)s to %(client)s: %(amount)s open, due %(due)s.\n\n"
                    "%(company)s",
                    **values,
                )
        messages.append((address, subject, body))
    db.session.rollback()  # no transaction stays open while the mail server answers
    config = current_app.config
    for number, (address, subject, body) in enumerate(messages):
        message_id = job_message_id(config).replace("@", f".{number}@", 1)
        send_mail(config, address, subject, body, message_id)
    return {"sent": len(messages)}


@task(retries=2, backoff=5)
def open_checkout(invoice_id: int, email: str) -> dict:
    """Background job: a Stripe Checkout session for what is open on the invoice. The call
    to Stripe happens with no transaction open; the session is written afterwards."""
    settings = StripeSettings.from_config(current_app.config)
    invoice = db.session.get(Invoice, invoice_id)
    if settings is None or invoice is None:
        return {"error": "card_unavailable"}
    try:
        wanted = checkout_request(invoice, email)
    except BillingError as error:
        return {"error": error.code}
    db.session.rollback()
    back = public_url("portal.home") + "#money"
    session_id, url = make_checkout(settings, wanted, back, back)  # raises: retried
    invoice = db.session.get(Invoice, invoice_id)
    invoice.checkout_session_id, invoice.checkout_url = session_id, url
    return {"url": url}
