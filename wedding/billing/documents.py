"""What money documents print, as HTML and PDF: qualified invoices, credit notes, receipts and
the agreement. Rendered through the documents' safe renderer and fonts."""

from functools import lru_cache

from flask import Response, render_template
from weasyprint import CSS

from wedding.billing.models import Acceptance, Invoice, Payment, Plan, Quote
from wedding.billing.money import policy_rows, split_gross, tax_inclusive
from wedding.billing.services import (
    ceremony_day,
    invoice_totals,
    line_of,
    profile_or_new,
    quote_totals,
)
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.documents.render import ASSETS, css_for_pdf, html_to_pdf
from wedding.i18n import format_local_date
from wedding.models import db

KIND_LABELS = {
    "deposit": "申込金 Deposit",
    "balance": "残金 Balance",
    "other": "ご請求 Charge",
    "credit": "返還 Credit",
}
METHOD_LABELS = {
    "bank": "銀行振込 Bank transfer",
    "card": "カード Card",
    "cash": "現金 Cash",
    "booking": "予約確定時に受領 Received when the booking was confirmed",
}


def yen(amount: int) -> str:
    """¥1,234 (integer yen, never a float)."""
    return f"¥{amount:,}" if amount >= 0 else f"-¥{-amount:,}"


def rate_label(rate: int) -> str:
    return f"{rate}%" if rate else "非課税/対象外 0%"


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return (ASSETS / "billing.css").read_text()


@lru_cache(maxsize=1)
def parsed_stylesheet() -> CSS:
    return css_for_pdf(stylesheet())


def invoice_html(invoice: Invoice, *, css: str = "", nonce: str | None = None) -> str:
    """The invoice or credit note as one HTML page."""
    ceremony = db.session.get(Ceremony, invoice.ceremony_id)
    original = db.session.get(Invoice, invoice.credit_for_id) if invoice.credit_for_id else None
    return render_template(
        "billing/invoice_pdf.html",
        css=css,
        nonce=nonce,
        yen=yen,
        rate_label=rate_label,
        invoice=invoice,
        original=original,
        lines=[line_of(line) for line in invoice.lines],
        sums=invoice_totals(invoice),
        paid=invoice.paid_amount if invoice.kind != "credit" else 0,
        kind_label=KIND_LABELS[invoice.kind],
        ceremony_day=ceremony_day(ceremony) if ceremony else None,
    )


def render_invoice_pdf(invoice: Invoice) -> bytes:
    return html_to_pdf(invoice_html(invoice), [parsed_stylesheet()])


def receipt_share(invoice: Invoice, amount: int) -> dict[int, tuple[int, int]]:
    """The part of a payment per tax rate, tax included, and the tax in it (for the receipt),
    in proportion to the invoice's totals per rate."""
    sums = invoice_totals(invoice)
    gross = {r: sums.subtotal_by_rate[r] + sums.tax_by_rate[r] for r in sums.rates}
    share = {}
    for rate, part in sorted(split_gross(amount, gross).items(), reverse=True):
        share[rate] = (part, part * rate // (100 + rate))
    return share


def render_receipt_pdf(payment: Payment) -> bytes:
    invoice = db.session.get(Invoice, payment.invoice_id)
    html = render_template(
        "billing/receipt_pdf.html",
        css="",
        nonce=None,
        yen=yen,
        rate_label=rate_label,
        invoice=invoice,
        payment=payment,
        method_label=METHOD_LABELS[payment.method],
        share=receipt_share(invoice, payment.amount),
    )
    return html_to_pdf(html, [parsed_stylesheet()])


def agreement_document(quote: Quote) -> str:
    """The exact agreement the client reads (an HTML fragment); its SHA-256 is what an
    acceptance records. Built from the quote's revision only: nothing about the reader."""
    ceremony = db.session.get(Ceremony, quote.ceremony_id)
    client = db.session.get(Client, ceremony.client_id) if ceremony.client_id else None
    client_language = client.language if client else "ja"
    profile = profile_or_new(quote.org_id)
    plan = db.session.get(Plan, quote.plan_id) if quote.plan_id else None
    return render_template(
        "billing/_agreement.html",
        yen=yen,
        gross=tax_inclusive,
        rate_label=rate_label,
        quote=quote,
        client_name=client.full_name if client else "",
        client_language=client_language,
        ceremony_day=format_local_date(ceremony_day(ceremony), lang=client_language),
        venue=ceremony.venue.name,
        plan_name=plan.label(client_language) if plan else "",
        included=plan.included_items if plan else [],
        issuer=profile.issuer_name,
        registration=profile.registration_number,
        lines=[line_of(line) for line in quote.lines],
        sums=quote_totals(quote),
        deposit_percent=profile.deposit_percent,
        deposit_due_days=profile.deposit_due_days,
        balance_days_before=profile.balance_days_before,
        policy=policy_rows(quote.cancellation_policy),
        notes=quote.notes,
    )


def render_agreement_pdf(acceptance: Acceptance) -> bytes:
    """The signed agreement as PDF: the document exactly as the client read it and the
    acceptance stamped under it, all from the acceptance (never from the quote as it stands
    now). Slow (WeasyPrint): for background jobs, with no transaction open."""
    html = render_template(
        "billing/agreement_pdf.html",
        css="",
        nonce=None,
        title=acceptance.pdf_name.removesuffix(".pdf"),
        document=acceptance.document,
        acceptance=acceptance,
        accepted_at=acceptance.stamp,
    )
    return html_to_pdf(html, [parsed_stylesheet()])


def agreement_preparing(acceptance: Acceptance, layout: str, back_url: str) -> Response:
    """What the signed agreement's download answers while its job is still rendering the PDF
    (202: reload soon), for the planner's pages and the portal alike."""
    page = render_template(
        "billing/agreement_preparing.html",
        layout=layout,
        acceptance=acceptance,
        back_url=back_url,
    )
    response = Response(page, 202)
    response.headers["Cache-Control"] = "private, no-store"
    return response
