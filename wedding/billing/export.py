"""Money's part of a client's data export: every issued invoice and credit note, every
receipt and every signed agreement of a ceremony, as PDF, with a summary for client.json. An
agreement whose PDF is still being rendered is listed (``pdf_pending``) without a file."""

from wedding.billing.documents import render_invoice_pdf, render_receipt_pdf
from wedding.billing.models import Invoice, Quote
from wedding.billing.services import invoice_json
from wedding.models import db
from wedding.storage.models import StoredFile


def money_of_ceremony(ceremony_id: int) -> tuple[dict, list[tuple[str, bytes]]]:
    """(what client.json says, [(path in the zip, PDF)]) for one ceremony. Drafts are left
    out: the client never received them."""
    record: dict = {"invoices": [], "receipts": [], "agreements": []}
    files: list[tuple[str, bytes]] = []
    invoices = db.session.scalars(
        db.select(Invoice)
        .where(Invoice.ceremony_id == ceremony_id, Invoice.number.is_not(None))
        .order_by(Invoice.id)
    ).all()
    for invoice in invoices:
        path = f"invoices/{invoice.display_number}.pdf"
        record["invoices"].append({**invoice_json(invoice), "file": path})
        files.append((path, render_invoice_pdf(invoice)))
        for payment in invoice.payments:
            path = f"receipts/{payment.display_receipt_number}.pdf"
            record["receipts"].append(
                {
                    "number": payment.display_receipt_number,
                    "invoice": invoice.display_number,
                    "amount": payment.amount,
                    "method": payment.method,
                    "received_on": payment.received_on.isoformat(),
                    "file": path,
                }
            )
            files.append((path, render_receipt_pdf(payment)))
    quote = db.session.scalar(db.select(Quote).filter_by(ceremony_id=ceremony_id))
    acceptances = quote.acceptances if quote else []
    for acceptance in acceptances:
        path = f"agreements/{acceptance.pdf_name}"
        record["agreements"].append(
            {
                "revision": acceptance.revision,
                "typed_name": acceptance.typed_name,
                "accepted_at": acceptance.accepted_at.isoformat(),
                "address": acceptance.address,
                "document_sha256": acceptance.document_sha256,
                "file": path if acceptance.file_id else None,
                # Just signed: its PDF is still being rendered (in a later export).
                "pdf_pending": acceptance.file_id is None,
            }
        )
        if acceptance.file_id:
            data = db.session.scalar(db.select(StoredFile.data).filter_by(id=acceptance.file_id))
            files.append((path, data))
    return record, files
