"""Receivables, revenue by month and by plan, and the CSV an accountant imports."""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func

from wedding.billing.models import BankImport, Invoice, Payment
from wedding.billing.money import Totals
from wedding.models import db


@dataclass
class Receivable:
    invoice: Invoice
    paid: int
    open: int
    overdue_days: int


def _paid_by_invoice(org_id: int) -> dict[int, int]:
    return dict(
        db.session.execute(
            db.select(Payment.invoice_id, func.sum(Payment.amount))
            .where(Payment.org_id == org_id)
            .group_by(Payment.invoice_id)
        ).all()
    )


def receivables(org_id: int, today: date) -> list[Receivable]:
    """Issued invoices not yet paid in full, the most overdue first."""
    paid = _paid_by_invoice(org_id)
    found = db.session.scalars(
        db.select(Invoice)
        .where(Invoice.org_id == org_id, Invoice.status.in_(("issued", "partially_paid")))
        .where(Invoice.kind != "credit")
        .order_by(Invoice.due_date, Invoice.id)
    )
    rows = []
    for invoice in found:
        got = paid.get(invoice.id, 0)
        rows.append(
            Receivable(invoice, got, invoice.total - got, max((today - invoice.due_date).days, 0))
        )
    return rows


def _signed_invoices(org_id: int):
    """Issued invoices and credit notes (negative), never drafts or voided ones."""
    for invoice in db.session.scalars(
        db.select(Invoice)
        .where(Invoice.org_id == org_id, Invoice.number.is_not(None))
        .where(Invoice.status != "cancelled")
        .order_by(Invoice.issue_date, Invoice.id)
    ):
        sign = -1 if invoice.kind == "credit" else 1
        yield invoice, sign


def revenue_by_month(org_id: int) -> list[tuple[str, int, int]]:
    """(YYYY-MM, invoiced before tax, tax) from issued invoices less credit notes."""
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for invoice, sign in _signed_invoices(org_id):
        sums = Totals.from_json(invoice.totals)
        key = invoice.issue_date.strftime("%Y-%m")
        months[key][0] += sign * sums.subtotal
        months[key][1] += sign * sums.tax
    return [(month, net, tax) for month, (net, tax) in sorted(months.items())]


def revenue_by_plan(org_id: int) -> list[tuple[str, int]]:
    """Invoiced amount (tax included) per plan of the ceremony's quote."""
    plans: dict[str, int] = defaultdict(int)
    for invoice, sign in _signed_invoices(org_id):
        plans[invoice.plan_name or "—"] += sign * invoice.total
    return sorted(plans.items(), key=lambda item: -item[1])


def outcome_counts(imported: BankImport) -> dict[str, int]:
    counts = Counter(line.outcome for line in imported.lines)
    return {k: counts.get(k, 0) for k in ("matched", "partial", "over", "unmatched", "duplicate")}


CSV_HEADER = [
    "番号 number",
    "種別 kind",
    "発行日 issue_date",
    "期限 due_date",
    "宛先 recipient",
    "対象請求書 credit_for",
    "10%対象 net_10",
    "消費税10% tax_10",
    "8%対象 net_8",
    "消費税8% tax_8",
    "非課税 net_0",
    "合計 total",
    "入金 paid",
    "状態 status",
    "登録番号 registration_number",
]


def accountant_csv(org_id: int) -> bytes:
    """Every numbered invoice and credit note, one row each, amounts per rate (credit notes
    negative), as UTF-8 with a BOM so that Excel and Japanese accounting software read it."""
    paid = _paid_by_invoice(org_id)
    numbers = {
        invoice_id: f"{'CN' if series == 'credit' else 'INV'}-{number:06d}"
        for invoice_id, series, number in db.session.execute(
            db.select(Invoice.id, Invoice.series, Invoice.number).where(
                Invoice.org_id == org_id, Invoice.number.is_not(None)
            )
        )
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for invoice in db.session.scalars(
        db.select(Invoice)
        .where(Invoice.org_id == org_id, Invoice.number.is_not(None))
        .order_by(Invoice.series.desc(), Invoice.number)
    ):
        sign = -1 if invoice.kind == "credit" else 1
        sums = Totals.from_json(invoice.totals)
        writer.writerow(
            [
                invoice.display_number,
                invoice.kind,
                invoice.issue_date.isoformat(),
                invoice.due_date.isoformat(),
                _safe_cell(invoice.recipient_name),
                numbers.get(invoice.credit_for_id, ""),
                sign * sums.subtotal_by_rate.get(10, 0),
                sign * sums.tax_by_rate.get(10, 0),
                sign * sums.subtotal_by_rate.get(8, 0),
                sign * sums.tax_by_rate.get(8, 0),
                sign * sums.subtotal_by_rate.get(0, 0),
                sign * invoice.total,
                paid.get(invoice.id, 0),
                invoice.status,
                invoice.registration_number,
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def _safe_cell(text: str) -> str:
    """A spreadsheet must not run a name as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
