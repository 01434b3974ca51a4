"""Quotes, acceptance and the schedule; payments by hand, by bank statement and by card; a paid
deposit confirms the held booking through the booking rules."""

import hashlib
import hmac
import json
import re
import subprocess
import threading
import time
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import ANY
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from wedding.billing import documents
from wedding.billing import services as billing
from wedding.billing.documents import agreement_document
from wedding.billing.models import Acceptance, BankLine, Invoice, Payment, PaymentEvent, Plan
from wedding.billing.money import Line
from wedding.billing.stripe_pay import (
    StripeSettings,
    checkout_request,
    handle_event,
    make_checkout,
)
from wedding.billing.tasks import render_agreement
from wedding.booking import services as booking
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.storage.models import StoredFile

NOW = datetime.now(UTC)
TODAY = NOW.date()


def accept(quote, name="佐藤 美咲", now=NOW):
    document = agreement_document(quote)
    return billing.accept_quote(
        quote,
        name,
        document=document,
        shown_hash=billing.document_hash(document),
        address="203.0.113.7",
        now=now,
    )


@pytest.fixture
def quoted(app_ctx, billed, make_plan):
    """A held ceremony with a quote: plan ¥200,000 (10 %), 3 × 引菓子 ¥1,000 (8 %)."""
    user, ceremony = billed
    plan = make_plan(user.org)
    sweets = make_plan(user.org, kind="option", name="引菓子", unit_price=1_000, tax_rate=8)
    ceremony = db.session.get(Ceremony, ceremony.id)
    quote = billing.save_quote(
        ceremony, db.session.get(Plan, plan.id), [(db.session.get(Plan, sweets.id), 3)]
    )
    db.session.commit()
    return ceremony, quote


def test_accepting_issues_the_schedule_and_keeps_the_signed_agreement(quoted):
    ceremony, quote = quoted
    acceptance = accept(quote)
    db.session.commit()
    assert quote.accepted
    assert (
        acceptance.document_sha256 == hashlib.sha256(agreement_document(quote).encode()).hexdigest()
    )
    assert acceptance.address == "203.0.113.7"
    # What the PDF is rendered from is kept; the PDF itself is a job's (render_agreement).
    assert billing.document_hash(acceptance.document) == acceptance.document_sha256
    assert acceptance.stamp.startswith(billing.local_today(NOW, ceremony).isoformat())
    assert acceptance.file_id is None
    deposit, balance = billing.invoices_of(ceremony.id)
    assert (deposit.kind, balance.kind) == ("deposit", "balance")
    assert deposit.totals == {"10": [60_000, 6_000], "8": [900, 72]}
    assert balance.totals == {"10": [140_000, 14_000], "8": [2_100, 168]}
    assert deposit.total + balance.total == billing.quote_totals(quote).total
    assert deposit.due_date == billing.local_today(NOW, ceremony) + timedelta(days=7)


@pytest.mark.parametrize(
    ("lang", "reason", "names"),
    [
        ("ja", "返金", ["申込金（8%対象） ※", "残金（8%対象） ※", "返金（8%対象） ※"]),
        ("en", "Refund", ["Deposit (8% tax) ※", "Balance (8% tax) ※", "Refund (8% tax) ※"]),
    ],
)
def test_the_schedule_marks_a_reduced_rate_line_once_and_explains_the_mark_once(
    quoted, lang, reason, names
):
    """The invoice marks every 8 % line with ※ (hand-made lines too): the lines the schedule and
    credit notes name give the rate without a second mark."""
    ceremony, quote = quoted
    db.session.get(Client, ceremony.client_id).language = lang
    accept(quote)
    deposit = billing.invoices_of(ceremony.id)[0]
    billing.credit_note(deposit, 10_000, reason, TODAY)
    db.session.commit()
    invoices = billing.invoices_of(ceremony.id)
    assert [i.kind for i in invoices] == ["deposit", "balance", "credit"]
    for invoice, name in zip(invoices, names, strict=True):
        text = re.sub(r"<[^>]+>", "", documents.invoice_html(invoice))
        assert name in text
        assert text.count("※") == 3  # the line's, and the note's in Japanese and in English
        assert text.count("※は軽減税率（8%）対象") == 1


def test_the_deposit_and_the_balance_add_up_to_the_signed_total_to_the_yen(
    app_ctx, billed, make_plan
):
    """Each invoice rounds its own tax down: a deposit whose tax has a fraction of a yen (30 %
    of ¥14,400 at 8 % is ¥4,320, tax ¥345.6) would leave the two invoices ¥1 short of the
    quote. The deposit is taken to an amount whose tax is whole yen instead."""
    user, ceremony = billed
    plan = make_plan(user.org, unit_price=191_000)
    sweets = make_plan(user.org, kind="option", name="引菓子", unit_price=1_200, tax_rate=8)
    ceremony = db.session.get(Ceremony, ceremony.id)
    quote = billing.save_quote(
        ceremony, db.session.get(Plan, plan.id), [(db.session.get(Plan, sweets.id), 12)]
    )
    accept(quote)
    deposit, balance = billing.invoices_of(ceremony.id)
    assert deposit.total + balance.total == billing.quote_totals(quote).total
    assert deposit.totals["8"] == [4_300, 344]  # ¥4,320 taken down to a whole-yen tax
    assert deposit.totals["10"] == [57_300, 5_730]


def test_the_job_renders_the_agreement_as_read_and_keeps_it_once(
    quoted, billed, make_plan, monkeypatch
):
    """The PDF is made from what the acceptance kept, even after the quote changed, with no
    transaction open while WeasyPrint works; a second run (a retry, a redelivered message)
    renders and stores nothing."""
    in_transaction = []
    html_to_pdf = documents.html_to_pdf
    monkeypatch.setattr(
        documents,
        "html_to_pdf",
        lambda *args: in_transaction.append(db.session().in_transaction()) or html_to_pdf(*args),
    )
    ceremony, quote = quoted
    other = make_plan(billed[0].org, name="フォトプラン")
    acceptance = accept(quote)
    db.session.commit()
    acceptance_id, stamp, sha = acceptance.id, acceptance.stamp, acceptance.document_sha256
    billing.save_quote(ceremony, db.session.get(Plan, other.id), [])  # revision 2, unsigned
    db.session.commit()
    assert render_agreement(acceptance_id) == {"file_id": ANY}
    assert in_transaction == [False]
    kept = db.session.get(Acceptance, acceptance_id)
    pdf = db.session.get(StoredFile, kept.file_id)
    assert pdf.filename == f"agreement-{quote.id}-r1.pdf" and pdf.data.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    assert "人前式プラン" in text and "フォトプラン" not in text  # what the client read
    assert "引菓子" in text and stamp in text and sha in text.replace("\n", "")
    files = db.session.scalar(db.select(func.count(StoredFile.id)))
    assert render_agreement(acceptance_id) == {"file_id": kept.file_id}
    assert in_transaction == [False]  # not rendered again
    assert billing.keep_agreement_pdf(acceptance_id, b"%PDF again") is None
    db.session.commit()
    assert db.session.scalar(db.select(func.count(StoredFile.id))) == files
    assert db.session.get(Acceptance, acceptance_id).file_id == kept.file_id


def test_agreements_without_their_pdf_are_queued_again_by_hand(app, quoted):
    """`flask invoice agreements`: for a PDF whose job failed for good."""
    _, quote = quoted
    acceptance_id = accept(quote).id
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["invoice", "agreements"])
    assert result.exit_code == 0 and "1 signed agreements to render." in result.output
    db.session.expire_all()
    file_id = db.session.get(Acceptance, acceptance_id).file_id  # the job ran (immediate mode)
    assert file_id is not None
    result = app.test_cli_runner().invoke(args=["invoice", "agreements"])
    assert "0 signed agreements to render." in result.output
    assert db.session.get(Acceptance, acceptance_id).file_id == file_id


def test_a_wrong_name_or_a_changed_quote_records_nothing(quoted, make_plan):
    ceremony, quote = quoted
    with pytest.raises(billing.BillingError) as error:
        accept(quote, name="Someone Else")
    assert error.value.code == "name"
    document = agreement_document(quote)
    shown = billing.document_hash(document)
    billing.save_quote(ceremony, db.session.get(Plan, quote.plan_id), [])  # changed meanwhile
    with pytest.raises(billing.BillingError) as error:
        billing.accept_quote(
            quote,
            "佐藤美咲",
            document=agreement_document(quote),
            shown_hash=shown,
            address="",
            now=NOW,
        )
    assert error.value.code == "changed"
    db.session.rollback()
    assert not quote.acceptances
    assert billing.invoices_of(ceremony.id) == []


def test_changing_an_accepted_quote_needs_a_new_acceptance(quoted):
    ceremony, quote = quoted
    accept(quote)
    db.session.commit()
    billing.save_quote(ceremony, db.session.get(Plan, quote.plan_id), [])
    db.session.commit()
    assert quote.revision == 2 and not quote.accepted
    accept(quote)
    db.session.commit()
    statuses = sorted((i.kind, i.status) for i in billing.invoices_of(ceremony.id))
    # The first schedule was unpaid: voided (numbers kept) and made again.
    assert statuses == [
        ("balance", "cancelled"),
        ("balance", "issued"),
        ("deposit", "cancelled"),
        ("deposit", "issued"),
    ]
    assert [i.number for i in billing.invoices_of(ceremony.id)] == [1, 2, 3, 4]


def test_a_deposit_invoice_sent_before_signing_is_kept_when_the_schedule_wants_it_as_it_is(
    quoted,
):
    """The client may already be paying it with its bank reference: signing keeps it (and
    issues only the balance) when its amounts are what the schedule would ask; an invoice of
    other amounts is voided and made again."""
    ceremony, quote = quoted
    sent = billing.create_invoice(
        ceremony,
        "deposit",
        TODAY + timedelta(days=7),
        [Line("申込金（10%対象）", 60_000, 1, 10), Line("申込金（8%対象）", 900, 1, 8)],
        TODAY,
    )
    reference = sent.reference_code
    accept(quote)
    db.session.commit()
    invoices = billing.invoices_of(ceremony.id)
    assert [(i.kind, i.status) for i in invoices] == [("deposit", "issued"), ("balance", "issued")]
    assert invoices[0].id == sent.id and invoices[0].reference_code == reference
    assert sum(i.total for i in invoices) == billing.quote_totals(quote).total


def test_a_deposit_invoice_of_other_amounts_is_voided_when_the_client_signs(quoted):
    ceremony, quote = quoted
    sent = billing.create_invoice(
        ceremony, "deposit", TODAY + timedelta(days=7), [Line("申込金", 50_000, 1, 10)], TODAY
    )
    accept(quote)
    db.session.commit()
    statuses = [(i.kind, i.status) for i in billing.invoices_of(ceremony.id)]
    assert statuses == [("deposit", "cancelled"), ("deposit", "issued"), ("balance", "issued")]
    assert sent.status == "cancelled"


def test_a_paid_deposit_confirms_the_hold(quoted):
    ceremony, quote = quoted
    accept(quote)
    deposit = billing.invoices_of(ceremony.id)[0]
    payment = billing.record_payment(deposit, deposit.total - 1, "cash", TODAY, NOW)
    assert deposit.status == "partially_paid" and ceremony.status == "hold"
    billing.record_payment(deposit, 1, "cash", TODAY, NOW)
    db.session.commit()
    assert deposit.status == "paid"
    # the money is the invoice's: the booking keeps no deposit of its own to count again
    assert ceremony.status == "confirmed" and ceremony.deposit_amount is None
    assert [i.paid_amount for i in billing.invoices_of(ceremony.id)] == [deposit.total, 0]
    assert payment.display_receipt_number == "RC-000001"
    with pytest.raises(billing.BillingError) as error:
        billing.record_payment(deposit, 100, "cash", TODAY, NOW)
    assert error.value.code == "already_paid"


@pytest.mark.parametrize("received", [50_000, 100_000])
def test_a_deposit_taken_at_confirmation_is_paid_on_the_schedule(quoted, received):
    """The deposit a planner typed when confirming the booking is money received: when the
    client signs, the schedule counts it (deposit invoice first, the rest on the balance), once,
    with a receipt; the cancellation preview counts it as paid."""
    ceremony, quote = quoted
    booking.confirm(ceremony, deposit=received, now=NOW)
    db.session.commit()
    accept(quote)
    db.session.commit()
    deposit, balance = billing.invoices_of(ceremony.id)
    on_deposit = min(received, deposit.total)
    assert (deposit.paid_amount, balance.paid_amount) == (on_deposit, received - on_deposit)
    assert deposit.status == ("paid" if received >= deposit.total else "partially_paid")
    (payment, *rest) = deposit.payments
    assert (payment.method, payment.amount, rest) == ("booking", on_deposit, [])
    assert documents.render_receipt_pdf(payment).startswith(b"%PDF")
    assert billing.cancellation_terms(quote, TODAY).paid == received
    # a new revision, signed again, keeps what was paid and counts the deposit no second time
    billing.save_quote(ceremony, db.session.get(Plan, quote.plan_id), [], notes="revised")
    accept(quote)
    db.session.commit()
    assert sum(i.paid_amount for i in billing.invoices_of(ceremony.id)) == received


def test_the_balance_never_falls_due_on_a_day_banks_are_closed(quoted):
    """Thirty days before a ceremony on 31 January 2027 is 元日: the balance falls due on the
    last bank day before it, 30 December (the banks close 31 Dec–3 Jan)."""
    ceremony, quote = quoted
    ceremony.starts_at = datetime(2027, 1, 31, 2, 0, tzinfo=UTC)  # 11:00 in Tokyo
    ceremony.ends_at = ceremony.blocked_until = ceremony.starts_at + timedelta(hours=1)
    accept(quote, now=datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    db.session.commit()
    balance = billing.invoices_of(ceremony.id)[-1]
    assert (balance.kind, balance.due_date) == ("balance", date(2026, 12, 30))


def test_signed_late_the_balance_falls_due_with_the_deposit_not_before_it(quoted):
    """Signed 23 days before the ceremony (the balance is due 30 days before): the balance was
    due the same day and the deposit a week later; now both are due in the deposit's week."""
    ceremony, quote = quoted
    signed = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    ceremony.starts_at = datetime(2026, 12, 27, 2, 0, tzinfo=UTC)
    ceremony.ends_at = ceremony.blocked_until = ceremony.starts_at + timedelta(hours=1)
    accept(quote, now=signed)
    db.session.commit()
    deposit, balance = billing.invoices_of(ceremony.id)
    assert (deposit.kind, deposit.due_date) == ("deposit", date(2026, 12, 11))
    assert (balance.kind, balance.due_date) == ("balance", date(2026, 12, 11))


def test_signed_late_after_a_deposit_invoice_fell_due_the_balance_is_due_from_today(quoted):
    """A deposit invoice sent on 20 November (due the 27th) is kept at signing on 4 December:
    the balance took its past due day, overdue the moment it was issued."""
    ceremony, quote = quoted
    ceremony.starts_at = datetime(2026, 12, 27, 2, 0, tzinfo=UTC)
    ceremony.ends_at = ceremony.blocked_until = ceremony.starts_at + timedelta(hours=1)
    lines = [Line("申込金（10%対象）", 60_000, 1, 10), Line("申込金（8%対象）", 900, 1, 8)]
    billing.create_invoice(ceremony, "deposit", date(2026, 11, 27), lines, date(2026, 11, 20))
    accept(quote, now=datetime(2026, 12, 4, 1, 0, tzinfo=UTC))
    db.session.commit()
    deposit, balance = billing.invoices_of(ceremony.id)
    assert deposit.due_date == date(2026, 11, 27)  # kept as the client may be paying it
    assert (balance.kind, balance.due_date) == ("balance", date(2026, 12, 4))


def test_a_revision_signed_after_the_deposit_was_paid_bills_only_the_rest(quoted):
    """The client paid the deposit, the quote grew (five 引菓子, not three) and was signed
    again: the paid deposit stays, the old balance is voided, the new one is the rest. (Signing
    again after a payment failed with an AttributeError.)"""
    ceremony, quote = quoted
    accept(quote)
    deposit = billing.invoices_of(ceremony.id)[0]
    billing.record_payment(deposit, deposit.total, "bank", TODAY, NOW)
    sweets = db.session.scalar(db.select(Plan).filter_by(name="引菓子"))
    billing.save_quote(ceremony, db.session.get(Plan, quote.plan_id), [(sweets, 5)])
    accept(quote)
    db.session.commit()
    invoices = billing.invoices_of(ceremony.id)
    assert [(i.kind, i.status) for i in invoices] == [
        ("deposit", "paid"),
        ("balance", "cancelled"),
        ("balance", "issued"),
    ]
    live = [i for i in invoices if i.status != "cancelled"]
    assert sum(i.total for i in live) == billing.quote_totals(quote).total


def test_a_deposit_recorded_after_the_client_signed_is_paid_at_once(quoted):
    """Signed while on hold, then confirmed by hand with the deposit taken at the venue: the
    open deposit invoice takes it there and then."""
    ceremony, quote = quoted
    accept(quote)
    booking.confirm(ceremony, deposit=30_000, now=NOW)
    db.session.commit()
    deposit, balance = billing.invoices_of(ceremony.id)
    assert (deposit.status, deposit.paid_amount, balance.paid_amount) == (
        "partially_paid",
        30_000,
        0,
    )
    assert billing.booking_deposit_left(ceremony) == 0


def test_an_unpaid_deposit_lets_the_hold_lapse_and_a_late_payment_does_not_revive_it(quoted):
    ceremony, quote = quoted
    accept(quote)
    deposit = billing.invoices_of(ceremony.id)[0]
    ceremony.hold_expires_at = NOW - timedelta(minutes=1)
    db.session.commit()
    payment = billing.record_payment(deposit, deposit.total, "bank", TODAY, NOW)
    db.session.commit()
    assert ceremony.status == "expired"
    assert "booking: not_held" in payment.note


def test_cancellation_refunds_above_the_fee_with_a_credit_note(quoted):
    ceremony, quote = quoted
    accept(quote)
    deposit, balance = billing.invoices_of(ceremony.id)
    billing.record_payment(deposit, deposit.total, "bank", TODAY, NOW)
    # The ceremony is 30 days away: 50 % of the quote's total is due, more than the deposit.
    terms = billing.cancel_with_fee(quote, NOW)
    db.session.commit()
    assert terms.percent in (50, 80)
    assert ceremony.status == "cancelled"
    assert balance.status == "cancelled"
    fee_invoice = billing.invoices_of(ceremony.id)[-1]
    assert fee_invoice.kind == "other" and fee_invoice.total == terms.fee - deposit.total
    assert fee_invoice.totals == {"0": [terms.fee - deposit.total, 0]}


def test_a_credit_note_returns_tax_per_rate(quoted):
    ceremony, quote = quoted
    accept(quote)
    deposit = billing.invoices_of(ceremony.id)[0]
    note = billing.credit_note(deposit, 10_000, "返金", TODAY)
    db.session.commit()
    assert note.kind == "credit" and note.display_number == "CN-000001"
    assert note.credit_for_id == deposit.id
    assert set(note.totals) == {"10", "8"}
    assert 9_990 <= note.total <= 10_000
    with pytest.raises(billing.BillingError):
        billing.credit_note(deposit, deposit.total, "too much", TODAY)


def test_credit_notes_and_voided_invoices_exclude_each_other(quoted):
    """A discount credited and the invoice then voided left the note returning money never
    invoiced (in the accountant's file and the client's portal); a voided invoice took a credit
    note for its whole total."""
    ceremony, quote = quoted
    accept(quote)
    deposit, balance = billing.invoices_of(ceremony.id)
    billing.credit_note(balance, 220, "値引き", TODAY)
    db.session.commit()
    with pytest.raises(billing.BillingError) as refused:
        billing.cancel_invoice(balance, NOW)
    assert refused.value.code == "has_credit"
    (discount,) = billing.live_credit_notes(balance)
    billing.cancel_invoice(discount, NOW)  # the note first, then the invoice
    billing.cancel_invoice(balance, NOW)
    billing.cancel_invoice(deposit, NOW)
    db.session.commit()
    with pytest.raises(billing.BillingError) as refused:
        billing.credit_note(deposit, 1_000, "返金", TODAY)
    assert refused.value.code == "cancelled"
    assert {i.kind: i.status for i in billing.invoices_of(ceremony.id)} == dict.fromkeys(
        ("deposit", "balance", "credit"), "cancelled"
    )


def test_a_revised_quote_is_signed_again_over_a_discounted_balance(quoted):
    """The schedule made again voids the unpaid balance: with a credit note against it, the
    client's new signature was refused (「先に返還請求書を取り消してください」)."""
    ceremony, quote = quoted
    accept(quote)
    _, balance = billing.invoices_of(ceremony.id)
    discount = billing.credit_note(balance, 220, "値引き", TODAY)
    db.session.commit()
    quote = billing.save_quote(ceremony, db.session.get(Plan, quote.plan_id), [])  # revision 2
    db.session.commit()
    accept(quote)
    db.session.commit()
    assert (balance.status, discount.status) == ("cancelled", "cancelled")
    live = [i.kind for i in billing.invoices_of(ceremony.id) if i.status != "cancelled"]
    assert "balance" in live and "credit" not in live


def test_cancelling_the_ceremony_voids_an_unpaid_invoice_with_its_credit_note(quoted):
    ceremony, quote = quoted
    accept(quote)
    deposit, balance = billing.invoices_of(ceremony.id)
    billing.record_payment(deposit, deposit.total, "bank", TODAY, NOW)
    discount = billing.credit_note(balance, 220, "値引き", TODAY)
    db.session.commit()
    billing.cancel_with_fee(quote, NOW)  # it stopped at the balance: "a credit note stands…"
    db.session.commit()
    assert (balance.status, discount.status, ceremony.status) == ("cancelled",) * 3


# --- bank statements ------------------------------------------------------------------------


def statement(rows) -> str:
    return "取引日,お預り金額,お引出金額,摘要\n" + "".join(
        f"{day},{amount},,{text}\n" for day, amount, text in rows
    )


def test_bank_statement_matches_partial_and_over_payments(quoted, monkeypatch):
    ceremony, quote = quoted
    accept(quote)
    deposit, balance = billing.invoices_of(ceremony.id)
    db.session.commit()
    text = statement(
        [
            ("2026/11/30", deposit.total, f"ﾌﾘｺﾐ {deposit.reference_code} ｻﾄｳ ﾐｻｷ"),
            ("2026/12/01", 1_000, f"{balance.reference_code.lower()} ｻﾄｳ"),
            ("2026/12/02", 999_999, f"{balance.reference_code} ｻﾄｳ"),
            ("2026/12/03", 5_000, "ﾀﾅｶ ﾀﾛｳ"),
        ]
    )
    imported = billing.import_statement(ceremony.org_id, "s.csv", text.encode("cp932"), NOW)
    db.session.commit()
    assert imported.encoding == "shift_jis"
    assert [line.outcome for line in imported.lines] == ["matched", "partial", "over", "unmatched"]
    assert deposit.status == "paid" and balance.status == "partially_paid"
    assert ceremony.status == "confirmed"
    # The same statement again: nothing is paid twice, and nothing is left to settle twice
    # (the over-payment and the unknown payer came back as new lines to settle, and settling
    # both copies booked one transfer as two payments with two receipts).
    again = billing.import_statement(ceremony.org_id, "s.csv", text.encode("utf-8"), NOW)
    db.session.commit()
    assert [line.outcome for line in again.lines] == ["duplicate"] * 4
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 2
    for line in again.lines:
        with pytest.raises(billing.BillingError):
            billing.settle_line(line, balance, NOW)
    db.session.rollback()
    # A statement overlapping the first (its last line, and a new one) takes only the new one.
    later = statement([("2026/12/03", 5_000, "ﾀﾅｶ ﾀﾛｳ"), ("2026/12/04", 7_000, "ｽｽﾞｷ")])
    overlap = billing.import_statement(ceremony.org_id, "t.csv", later.encode("utf-8"), NOW)
    db.session.commit()
    assert [line.outcome for line in overlap.lines] == ["duplicate", "unmatched"]
    # Two imports at the same moment: each looked before the other kept its lines. The
    # database refuses the second, which keeps nothing and says so.
    monkeypatch.setattr(billing, "seen_statement_lines", lambda org_id: set())
    with pytest.raises(billing.BillingError) as refused:
        billing.import_statement(ceremony.org_id, "s.csv", text.encode("utf-8"), NOW)
    assert refused.value.code == "imported_meanwhile"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(BankLine.id))) == 10
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 2
    # The database is the last word: a line's fingerprint is kept once per company.
    first = imported.lines[3]
    db.session.add(
        BankLine(
            org_id=first.org_id,
            import_id=overlap.id,
            line_no=9,
            booked_on=first.booked_on,
            amount=first.amount,
            payer=first.payer,
            outcome="unmatched",
            fingerprint=first.fingerprint,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # The planner settles the over-payment on the balance.
    over = next(line for line in imported.lines if line.outcome == "over")
    billing.settle_line(over, balance, NOW)
    db.session.commit()
    assert balance.status == "paid" and over.outcome == "settled"
    with pytest.raises(billing.BillingError):
        billing.settle_line(over, balance, NOW)


def test_unreadable_statements_change_nothing(quoted):
    ceremony, _ = quoted
    for data in (b"date,amount\n2026-01-01,5\n", b"\x81\xff\xfe"):
        with pytest.raises(billing.BillingError):
            billing.import_statement(ceremony.org_id, "bad.csv", data, NOW)
        db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(BankLine.id))) == 0


# --- card payments through Stripe ----------------------------------------------------------

SECRET = "whsec_test_secret"


def signed(payload: str, secret: str = SECRET, at: int | None = None) -> str:
    at = at or int(time.time())
    signature = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={signature}"


def completed_event(invoice_id, amount, event_id="evt_1", currency="jpy") -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": "cs_test_1",
                    "object": "checkout.session",
                    "amount_total": amount,
                    "currency": currency,
                    "payment_status": "paid",
                    "payment_intent": f"pi_{event_id}",
                    "metadata": {"invoice_id": str(invoice_id)},
                }
            },
        }
    )


SETTINGS = StripeSettings("sk_test_123", SECRET)


def test_webhook_applies_once_and_keeps_every_event(quoted):
    ceremony, quote = quoted
    accept(quote)
    deposit = billing.invoices_of(ceremony.id)[0]
    db.session.commit()
    payload = completed_event(deposit.id, deposit.total)
    outcomes = []
    for sig in (signed(payload, "whsec_wrong"), None, signed(payload), signed(payload)):
        outcomes.append(handle_event(payload.encode(), sig, SETTINGS, NOW, TODAY).outcome)
        db.session.commit()
    assert outcomes == ["bad_signature", "bad_signature", "applied", "replayed"]
    assert deposit.status == "paid" and ceremony.status == "confirmed"
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1
    unknown = completed_event(999_999, 100, "evt_2")
    assert handle_event(unknown.encode(), signed(unknown), SETTINGS, NOW, TODAY).outcome == (
        "unknown_invoice"
    )
    other = completed_event(deposit.id, 100, "evt_3", currency="usd")
    assert handle_event(other.encode(), signed(other), SETTINGS, NOW, TODAY).outcome == "refused"
    # A second, real charge after the invoice was paid: recorded, shown as over-paid.
    twice = completed_event(deposit.id, deposit.total, "evt_4")
    assert handle_event(twice.encode(), signed(twice), SETTINGS, NOW, TODAY).outcome == (
        "over_paid"
    )
    db.session.commit()
    assert deposit.paid_amount == 2 * deposit.total
    kept = db.session.scalars(db.select(PaymentEvent).order_by(PaymentEvent.id)).all()
    assert len(kept) == 7
    assert [e.org_id for e in kept][2:4] == [ceremony.org_id] * 2


class FakeStripe(BaseHTTPRequestHandler):
    """The part of Stripe's API we use: POST /v1/checkout/sessions."""

    calls: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        FakeStripe.calls.append((self.path, self.headers.get("Authorization"), parse_qs(body)))
        if self.path != "/v1/checkout/sessions":
            self.send_response(404)
            self.end_headers()
            return
        answer = json.dumps(
            {
                "id": "cs_test_abc",
                "object": "checkout.session",
                "url": "https://checkout.stripe.test/c/pay/cs_test_abc",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_stripe():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeStripe.calls = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_checkout_session_for_the_open_amount(quoted, fake_stripe):
    ceremony, quote = quoted
    accept(quote)
    deposit = billing.invoices_of(ceremony.id)[0]
    settings = StripeSettings("sk_test_123", SECRET, fake_stripe)
    request = checkout_request(deposit, "misaki@example.com")
    session_id, url = make_checkout(settings, request, "https://x/ok", "https://x/back")
    assert (session_id, url) == ("cs_test_abc", "https://checkout.stripe.test/c/pay/cs_test_abc")
    path, auth, form = FakeStripe.calls[0]
    assert path == "/v1/checkout/sessions"
    assert auth == "Bearer sk_test_123"
    assert form["line_items[0][price_data][unit_amount]"] == [str(deposit.total)]
    assert form["line_items[0][price_data][currency]"] == ["jpy"]
    assert form["metadata[invoice_id]"] == [str(deposit.id)]
    unreachable = StripeSettings("sk_test_123", SECRET, "http://127.0.0.1:9")
    with pytest.raises(billing.BillingError) as error:
        make_checkout(unreachable, request, "https://x/ok", "https://x/back")
    assert error.value.code == "card_unavailable"


def test_other_lines_keep_their_own_rates(quoted):
    ceremony, _ = quoted
    invoice = billing.create_invoice(
        ceremony, "other", date(2030, 1, 1), [Line("引菓子", 1_000, 2, 8)], TODAY
    )
    assert invoice.totals == {"8": [2_000, 160]}
    assert isinstance(db.session.get(Invoice, invoice.id), Invoice)
