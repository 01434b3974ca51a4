"""Money's documents by e-mail, as background jobs: the receipt (領収書) of each payment to the
client, and the signed agreement to the client and the planner, each with its PDF attached.

Each message's Message-ID is derived from the payment or acceptance (not from the job), so
the same document mailed again, by a retry or by hand, carries the same Message-ID; the job
row records a finished send, so a retry after success sends nothing."""

from collections.abc import Iterable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from wedding.accounts.models import User
from wedding.accounts.services import company_name
from wedding.billing.documents import render_receipt_pdf, yen
from wedding.billing.models import Acceptance, Invoice, Payment, Quote
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.jobs import enqueue, task
from wedding.mail import mail_configured, send_mail
from wedding.models import db
from wedding.storage.models import StoredFile

PDF = "application/pdf"


def recipients(ceremony: Ceremony, who: str) -> list[tuple[str, str]]:
    """(address, language) of the ceremony's client, or of its planner (else the owners)."""
    if who == "client":
        client = db.session.get(Client, ceremony.client_id) if ceremony.client_id else None
        return [(client.email, client.language)] if client and client.email else []
    if ceremony.planner is not None and ceremony.planner.active:
        return [(ceremony.planner.email, ceremony.planner.language or "ja")]
    owners = db.session.scalars(
        db.select(User).filter_by(org_id=ceremony.org_id, role="owner", active=True)
    )
    return [(owner.email, owner.language or "ja") for owner in owners]


def _message_id(kind: str, record_id: int, number: int) -> str:
    domain = current_app.config.get("CALENDAR_UID_DOMAIN") or "localhost"
    return f"<{kind}-{record_id}.{number}@{domain}>"


def queue_receipt_mails(org_id: int, payment_ids: Iterable[int]) -> None:
    """Queue one receipt mail per payment, in the caller's transaction (none without SMTP)."""
    if mail_configured(current_app.config):
        for payment_id in payment_ids:
            enqueue(mail_receipt, payment_id, org_id=org_id)


def queue_agreement_mails(acceptance: Acceptance) -> None:
    """Queue the signed agreement to the client and to the planner (none without SMTP). Only
    once its PDF is kept: the job rendering it calls this."""
    if mail_configured(current_app.config):
        for who in ("client", "planner"):
            enqueue(mail_agreement, acceptance.id, who, org_id=acceptance.org_id)


@task(retries=4, backoff=60)
def mail_receipt(payment_id: int) -> dict:
    """Background job: the receipt of a payment to the client, its PDF attached."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        return {"sent": 0}
    invoice = db.session.get(Invoice, payment.invoice_id)
    ceremony = db.session.get(Ceremony, invoice.ceremony_id)
    pdf = render_receipt_pdf(payment)
    name = f"{payment.display_receipt_number}.pdf"
    company = company_name(payment.org_id)
    messages = []
    for address, language in recipients(ceremony, "client"):
        with force_locale(language):
            values = {
                "number": payment.display_receipt_number,
                "invoice": invoice.display_number,
                "amount": yen(payment.amount),
                "company": company,
            }
            subject = _("Receipt %(number)s: %(amount)s received", **values)
            body = _(
                "Thank you: we received %(amount)s for invoice %(invoice)s. The receipt "
                "%(number)s is attached as PDF; it is also in your portal.\n\n%(company)s",
                **values,
            )
        messages.append((address, subject, body))
    db.session.rollback()  # no transaction stays open while the mail server answers
    for number, (address, subject, body) in enumerate(messages):
        send_mail(
            current_app.config,
            address,
            subject,
            body,
            _message_id("receipt", payment_id, number),
            attachments=[(name, pdf, PDF)],
        )
    return {"sent": len(messages)}


@task(retries=4, backoff=60)
def mail_agreement(acceptance_id: int, who: str) -> dict:
    """Background job: the signed agreement to the client or the planner, its PDF attached."""
    acceptance = db.session.get(Acceptance, acceptance_id)
    if acceptance is None or acceptance.file_id is None:
        return {"sent": 0}
    quote = db.session.get(Quote, acceptance.quote_id)
    ceremony = db.session.get(Ceremony, quote.ceremony_id)
    pdf = db.session.scalar(db.select(StoredFile.data).filter_by(id=acceptance.file_id))
    name = acceptance.pdf_name
    company = company_name(acceptance.org_id)
    messages = []
    for address, language in recipients(ceremony, who):
        with force_locale(language):
            values = {
                "name": acceptance.typed_name,
                "revision": acceptance.revision,
                "company": company,
                "hash": acceptance.document_sha256,
            }
            if who == "client":
                subject = _("Your signed agreement with %(company)s", **values)
                body = _(
                    "Thank you for accepting the quote. Your signed agreement (revision "
                    "%(revision)s) is attached as PDF; it is also in your portal.\n"
                    "SHA-256 of the agreement: %(hash)s\n\n%(company)s",
                    **values,
                )
            else:
                subject = _("%(name)s signed the agreement (revision %(revision)s)", **values)
                body = _(
                    "%(name)s accepted the quote, revision %(revision)s. The signed agreement "
                    "is attached as PDF.\nSHA-256 of the agreement: %(hash)s",
                    **values,
                )
        messages.append((address, subject, body))
    db.session.rollback()
    for number, (address, subject, body) in enumerate(messages):
        send_mail(
            current_app.config,
            address,
            subject,
            body,
            _message_id(f"agreement-{who}", acceptance_id, number),
            attachments=[(name, pdf, PDF)],
        )
    return {"sent": len(messages)}
