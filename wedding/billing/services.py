"""The rules of money: plans, quotes and their acceptance, the payment schedule, qualified
invoices and credit notes numbered without gaps, payments (by hand, bank statement, card)
and what a paid deposit does to the booking. No request, no commit: the caller commits once."""

import csv
import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from wedding.almanac import bank_day_on_or_before
from wedding.billing.models import (
    BOOKS_ZONE,
    PAYMENT_METHODS,
    SETTLED_LINE_REF,
    Acceptance,
    BankImport,
    BankLine,
    BillingProfile,
    Counter,
    Invoice,
    InvoiceLine,
    Payment,
    Plan,
    Quote,
    QuoteLine,
)
from wedding.billing.money import (
    Line,
    MoneyError,
    Totals,
    cancellation_percent,
    check_line,
    check_policy,
    decode_statement,
    find_reference,
    net_for_gross,
    new_reference_code,
    normalize_registration_number,
    read_statement,
    split_gross,
    totals,
    whole_tax_amount,
)
from wedding.booking import services as booking
from wedding.booking.services import BookingError
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.i18n import in_brackets
from wedding.models import db, utcnow
from wedding.storage.services import store

OPEN_STATUSES = ("issued", "partially_paid")


class BillingError(Exception):
    """A money rule was broken; ``code`` is stable, views turn it into a sentence."""

    def __init__(self, code: str, field: str = "", index: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.index = index


def from_money_error(error: MoneyError) -> BillingError:
    return BillingError(error.code, error.field, error.index)


# --- the company's invoice details ----------------------------------------------------------


def profile_of(org_id: int) -> BillingProfile | None:
    return db.session.scalar(db.select(BillingProfile).filter_by(org_id=org_id))


def profile_or_new(org_id: int) -> BillingProfile:
    """The company's profile, or defaults (not added to the session) until it is saved."""
    return profile_of(org_id) or BillingProfile(
        org_id=org_id,
        issuer_name="",
        registration_number="",
        address="",
        phone="",
        bank_name="",
        bank_branch="",
        account_type="ordinary",
        account_number="",
        account_holder="",
        deposit_percent=30,
        deposit_due_days=7,
        balance_days_before=30,
        cancellation_policy=[[90, 0], [60, 20], [30, 50], [7, 80], [0, 100]],
    )


def save_profile(org_id: int, **fields) -> BillingProfile:
    """Save the invoice details; the registration number must be T + 13 digits with a valid
    check digit (BillingError otherwise, nothing saved)."""
    try:
        if fields.get("registration_number"):
            fields["registration_number"] = normalize_registration_number(
                fields["registration_number"]
            )
        if "cancellation_policy" in fields:
            fields["cancellation_policy"] = check_policy(fields["cancellation_policy"])
    except MoneyError as error:
        raise from_money_error(error) from None
    for name in ("deposit_percent", "deposit_due_days", "balance_days_before"):
        value = fields.get(name)
        if value is not None and (value < 0 or (name == "deposit_percent" and value > 100)):
            raise BillingError(name, name)
    profile = profile_of(org_id)
    if profile is None:
        profile = profile_or_new(org_id)
        db.session.add(profile)
    for name, value in fields.items():
        setattr(profile, name, value)
    db.session.flush()
    return profile


def bank_details(profile: BillingProfile, lang: str) -> str:
    if not profile.account_number:
        return ""
    kind = {
        "ordinary": ("普通", "Ordinary"),
        "current": ("当座", "Current"),
    }.get(profile.account_type, (profile.account_type, profile.account_type))
    return (
        f"{profile.bank_name} {profile.bank_branch} "
        f"{kind[0] if lang == 'ja' else kind[1]} {profile.account_number} "
        f"{profile.account_holder}"
    ).strip()


# --- numbers without gaps -------------------------------------------------------------------


def take_numbers(org_id: int, series: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers of a series and return the first. The counter row
    is locked until the transaction ends (SELECT … FOR UPDATE on PostgreSQL; SQLite's
    transactions hold the write lock from the start), and a rolled-back transaction gives its
    numbers back: no number is used twice and none is skipped."""
    stmt = db.select(Counter).filter_by(org_id=org_id, series=series).with_for_update()
    counter = db.session.scalar(stmt)
    if counter is None:
        try:
            with db.session.begin_nested():
                counter = Counter(org_id=org_id, series=series, next_number=1)
                db.session.add(counter)
                db.session.flush()
        except IntegrityError:  # another transaction made it first: wait for its lock
            counter = db.session.scalar(stmt.execution_options(populate_existing=True))
    first = counter.next_number
    counter.next_number = first + count
    db.session.flush()
    return first


# --- plans ----------------------------------------------------------------------------------


def plans_of(org_id: int, kind: str | None = None, include_archived: bool = False) -> list[Plan]:
    stmt = db.select(Plan).filter_by(org_id=org_id).order_by(Plan.kind, Plan.position, Plan.id)
    if kind:
        stmt = stmt.filter_by(kind=kind)
    if not include_archived:
        stmt = stmt.where(Plan.archived_at.is_(None))
    return list(db.session.scalars(stmt))


def save_plan(plan: Plan, **fields) -> Plan:
    """Add or change a plan or option; its price must be whole yen ≥ 0 at a known rate."""
    try:
        check_line(
            Line(
                fields.get("name", plan.name) or "",
                fields.get("unit_price", plan.unit_price),
                1,
                fields.get("tax_rate", plan.tax_rate),
            )
        )
    except MoneyError as error:
        field = "name" if error.field == "description" else error.field
        raise BillingError(error.code, field) from None
    for name, value in fields.items():
        setattr(plan, name, value)
    db.session.add(plan)
    db.session.flush()
    return plan


# --- lines and totals -----------------------------------------------------------------------


def lines_from_data(items) -> list[Line]:
    """Invoice lines from JSON-like data; BillingError naming the first bad field."""
    if not isinstance(items, list) or not items:
        raise BillingError("items", "items")
    if len(items) > 200:
        raise BillingError("too_many_items", "items")
    lines = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BillingError("items", "items", index)
        line = Line(
            item.get("description"),
            item.get("unit_price"),
            item.get("quantity", 1),
            item.get("tax_rate"),
        )
        try:
            lines.append(check_line(line, index))
        except MoneyError as error:
            raise from_money_error(error) from None
    return lines


def line_of(record: InvoiceLine | QuoteLine) -> Line:
    return Line(record.description, record.unit_price, record.quantity, record.tax_rate)


def quote_totals(quote: Quote) -> Totals:
    return totals(line_of(line) for line in quote.lines)


def invoice_totals(invoice: Invoice) -> Totals:
    if invoice.totals:
        return Totals.from_json(invoice.totals)
    return totals(line_of(line) for line in invoice.lines)


# --- invoices -------------------------------------------------------------------------------


def _unique_reference(org_id: int) -> str:
    while True:
        code = new_reference_code()
        taken = db.session.scalar(
            db.select(Invoice.id).filter_by(org_id=org_id, reference_code=code)
        )
        if taken is None:
            return code


def draft_invoice(
    ceremony: Ceremony,
    kind: str,
    due: date,
    lines: list[Line],
    *,
    credit_for: Invoice | None = None,
    reason: str = "",
) -> Invoice:
    """A draft invoice (or credit note) for a ceremony; numbered only when issued."""
    if kind not in ("deposit", "balance", "other", "credit"):
        raise BillingError("kind", "kind")
    if not lines:
        raise BillingError("items", "items")
    for index, line in enumerate(lines):
        try:
            check_line(line, index)
        except MoneyError as error:
            raise from_money_error(error) from None
    client = db.session.get(Client, ceremony.client_id) if ceremony.client_id else None
    quote = db.session.scalar(db.select(Quote).filter_by(ceremony_id=ceremony.id))
    plan = db.session.get(Plan, quote.plan_id) if quote and quote.plan_id else None
    sums = totals(lines)
    invoice = Invoice(
        org_id=ceremony.org_id,
        ceremony_id=ceremony.id,
        kind=kind,
        series="credit" if kind == "credit" else "invoice",
        status="draft",
        due_date=due,
        recipient_name=client.full_name if client else "",
        language=client.language if client else "ja",
        reference_code=_unique_reference(ceremony.org_id),
        plan_name=plan.name if plan else "",
        totals=sums.as_json(),
        total=sums.total,
        credit_for_id=credit_for.id if credit_for else None,
        reason=reason,
        lines=[
            InvoiceLine(
                org_id=ceremony.org_id,
                position=position,
                description=line.description.strip(),
                unit_price=line.unit_price,
                quantity=line.quantity,
                tax_rate=line.tax_rate,
            )
            for position, line in enumerate(lines)
        ],
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def draft_one_off(ceremony: Ceremony, due: date, items) -> Invoice:
    """A draft one-off invoice (kind "other") from items as the planner typed them;
    BillingError naming the first bad item, and nothing written."""
    return draft_invoice(ceremony, "other", due, lines_from_data(items))


def issue_invoice(invoice: Invoice, today: date) -> Invoice:
    """Number the invoice and fix what it prints. A qualified invoice needs the issuer's name
    and registration number: BillingError('no_registration') until the company has them."""
    if invoice.status != "draft":
        raise BillingError("not_draft")
    profile = profile_of(invoice.org_id)
    if profile is None or not profile.registration_number or not profile.issuer_name:
        raise BillingError("no_registration", "registration_number")
    invoice.number = take_numbers(invoice.org_id, invoice.series)
    invoice.issue_date = today
    invoice.status = "issued"
    invoice.issuer_name = profile.issuer_name
    invoice.registration_number = profile.registration_number
    invoice.issuer_address = " ".join(p for p in (profile.address, profile.phone) if p)
    invoice.bank_details = bank_details(profile, invoice.language)
    db.session.flush()
    return invoice


def create_invoice(
    ceremony: Ceremony, kind: str, due: date, lines: list[Line], today: date, **kwargs
) -> Invoice:
    """Draft and issue in one step."""
    return issue_invoice(draft_invoice(ceremony, kind, due, lines, **kwargs), today)


def live_credit_notes(invoice: Invoice) -> list[Invoice]:
    """The credit notes issued against an invoice and not voided."""
    return [
        note
        for note in db.session.scalars(
            db.select(Invoice).filter_by(credit_for_id=invoice.id, org_id=invoice.org_id)
        )
        if note.status != "cancelled"
    ]


def check_cancellable(invoice: Invoice) -> None:
    """Refuse to void an invoice someone paid (a credit note returns money), one already void,
    or one a credit note stands against (voided alone, it would leave the note returning money
    that was never invoiced: void the note first)."""
    if invoice.status in ("paid", "partially_paid"):
        raise BillingError("has_payments")
    if invoice.status == "cancelled":
        raise BillingError("cancelled")
    if invoice.kind != "credit" and live_credit_notes(invoice):
        raise BillingError("has_credit")


def void_with_notes(invoice: Invoice, now: datetime) -> Invoice:
    """Void an unpaid invoice together with the credit notes against it (a discount on a
    balance no longer asked for returns nothing): when the schedule is made again, or the
    ceremony is cancelled."""
    for note in live_credit_notes(invoice):
        cancel_invoice(note, now)
    return cancel_invoice(invoice, now)


def cancel_invoice(invoice: Invoice, now: datetime) -> Invoice:
    """Void an issued invoice that nobody paid; its number stays used (and shown as void)."""
    check_cancellable(invoice)
    invoice.status = "cancelled" if invoice.number is not None else invoice.status
    if invoice.number is None:
        db.session.delete(invoice)  # a draft has no number to keep
    else:
        invoice.cancelled_at = now
    db.session.flush()
    return invoice


def invoices_of(ceremony_id: int) -> list[Invoice]:
    return list(
        db.session.scalars(
            db.select(Invoice).filter_by(ceremony_id=ceremony_id).order_by(Invoice.id)
        )
    )


def invoice_json(invoice: Invoice) -> dict:
    sums = invoice_totals(invoice)
    return {
        "id": invoice.id,
        "ceremony_id": invoice.ceremony_id,
        "kind": invoice.kind,
        "number": invoice.display_number or None,
        "status": invoice.status,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "due": invoice.due_date.isoformat(),
        "recipient": invoice.recipient_name,
        "registration_number": invoice.registration_number,
        "reference_code": invoice.reference_code,
        "items": [
            {
                "description": line.description,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "tax_rate": line.tax_rate,
            }
            for line in invoice.lines
        ],
        "subtotal_by_rate": {str(r): v for r, v in sums.subtotal_by_rate.items()},
        "tax_by_rate": {str(r): v for r, v in sums.tax_by_rate.items()},
        "total": sums.total,
        "paid": invoice.paid_amount,
        "credit_for_id": invoice.credit_for_id,
    }


# --- quotes and the agreement ---------------------------------------------------------------


def quote_of(ceremony_id: int) -> Quote | None:
    return db.session.scalar(db.select(Quote).filter_by(ceremony_id=ceremony_id))


def save_quote(
    ceremony: Ceremony,
    plan: Plan,
    options: list[tuple[Plan, int]],
    *,
    notes: str = "",
    extra: list[Line] = (),
) -> Quote:
    """The ceremony's quote from a plan and options (with quantities), under the company's
    cancellation policy. Changing it raises the revision: an earlier acceptance no longer
    counts and the client must accept again."""
    if plan.org_id != ceremony.org_id or plan.kind != "plan":
        raise BillingError("plan", "plan_id")
    # Named in the client's language: the agreement they sign and the invoices that follow.
    lang = ceremony.client.language if ceremony.client else "ja"
    lines = [Line(plan.label(lang), plan.unit_price, 1, plan.tax_rate)]
    for option, quantity in options:
        if option.org_id != ceremony.org_id or option.kind != "option":
            raise BillingError("option", "options")
        lines.append(Line(option.label(lang), option.unit_price, quantity, option.tax_rate))
    lines.extend(extra)
    for index, line in enumerate(lines):
        try:
            check_line(line, index)
        except MoneyError as error:
            raise from_money_error(error) from None
    plan_ids = [plan.id, *(option.id for option, _ in options)] + [None] * len(extra)
    quote = quote_of(ceremony.id)
    policy = profile_or_new(ceremony.org_id).cancellation_policy
    if quote is None:
        quote = Quote(org_id=ceremony.org_id, ceremony_id=ceremony.id, revision=1)
        db.session.add(quote)
    else:
        quote.revision += 1
        quote.lines.clear()
        db.session.flush()
    quote.plan_id = plan.id
    quote.notes = notes
    quote.cancellation_policy = policy
    quote.lines = [
        QuoteLine(
            org_id=ceremony.org_id,
            plan_id=plan_id,
            position=position,
            description=line.description,
            unit_price=line.unit_price,
            quantity=line.quantity,
            tax_rate=line.tax_rate,
        )
        for position, (line, plan_id) in enumerate(zip(lines, plan_ids, strict=True))
    ]
    db.session.flush()
    return quote


def document_hash(document: str) -> str:
    """The SHA-256 of the exact agreement document the client read."""
    return hashlib.sha256(document.encode()).hexdigest()


def _folded_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def accept_quote(
    quote: Quote,
    typed_name: str,
    *,
    document: str,
    shown_hash: str,
    address: str,
    now: datetime,
) -> Acceptance:
    """The client accepts the current revision by typing their name. ``document`` is the
    agreement as it stands now and ``shown_hash`` the hash of what the client read: if the
    quote changed in between, BillingError('changed') and nothing is recorded. The acceptance
    keeps the document and the time as printed (the venue's time zone), then the payment
    schedule is issued. The signed PDF is not made here: the caller queues
    ``billing.tasks.render_agreement``, which renders it from what is kept."""
    if quote.accepted:
        raise BillingError("already_accepted")
    if document_hash(document) != shown_hash:
        raise BillingError("changed")
    ceremony = db.session.get(Ceremony, quote.ceremony_id)
    client = db.session.get(Client, ceremony.client_id) if ceremony.client_id else None
    if client is None or _folded_name(typed_name) != _folded_name(client.full_name):
        raise BillingError("name", "typed_name")
    acceptance = Acceptance(
        org_id=quote.org_id,
        quote_id=quote.id,
        revision=quote.revision,
        typed_name=typed_name.strip()[:200],
        accepted_at=now,
        address=(address or "")[:64],
        document_sha256=shown_hash,
        document=document,
        stamp=now.astimezone(ZoneInfo(ceremony.venue.timezone)).strftime("%Y-%m-%d %H:%M %Z"),
    )
    quote.acceptances.append(acceptance)
    quote.accepted_revision = quote.revision
    db.session.flush()
    issue_schedule(quote, now)
    return acceptance


def keep_agreement_pdf(acceptance_id: int, pdf: bytes) -> Acceptance | None:
    """Keep the signed agreement's PDF for both sides, once. The acceptance row is locked
    first; if a PDF is already kept (an earlier run of the job), nothing is stored and None
    is returned."""
    acceptance = db.session.scalar(
        db.select(Acceptance)
        .filter_by(id=acceptance_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if acceptance is None or acceptance.file_id is not None:
        return None
    stored = store(acceptance.org_id, pdf, "application/pdf", acceptance.pdf_name)
    acceptance.file_id = stored.id
    db.session.flush()
    return acceptance


def _latest_today(now: datetime, ceremony_id: int) -> date:
    """Today in the books (Tokyo) or at the ceremony's venue, whichever is later."""
    ceremony = db.session.get(Ceremony, ceremony_id)
    today = now.astimezone(BOOKS_ZONE).date()
    return max(today, local_today(now, ceremony)) if ceremony and ceremony.venue else today


def local_today(now: datetime, ceremony: Ceremony) -> date:
    return now.astimezone(ZoneInfo(ceremony.venue.timezone)).date()


def ceremony_day(ceremony: Ceremony) -> date:
    return ceremony.starts_at.astimezone(ZoneInfo(ceremony.venue.timezone)).date()


def rate_suffix(rate: int, lang: str) -> str:
    """A line name's tax rate: 「（8%対象）」, " (8% tax)" ("Deposit (10%)" read as a deposit
    of ten percent). Without ※: the invoice marks every reduced-rate line itself, hand-made
    ones too, and explains the mark once."""
    if lang == "ja":
        return in_brackets(f"{rate}%対象" if rate else "非課税・対象外", lang)
    return in_brackets(f"{rate}% tax" if rate else "no tax", lang)


def _schedule_lines(
    subtotals: dict[int, int], label_ja: str, label_en: str, lang: str
) -> list[Line]:
    label = label_ja if lang == "ja" else label_en
    return [
        Line(f"{label}{rate_suffix(rate, lang)}", amount, 1, rate)
        for rate, amount in sorted(subtotals.items(), reverse=True)
        if amount > 0
    ]


def deposit_subtotals(subtotals: dict[int, int], percent: int) -> dict[int, int]:
    """The deposit per rate: ``percent`` of each rate's subtotal, taken down to an amount whose
    tax is whole yen, so that the deposit and the balance (each rounding its own tax, as
    qualified invoices do) add up to the quote to the yen."""
    return {
        rate: whole_tax_amount(amount * percent // 100, rate) for rate, amount in subtotals.items()
    }


def issue_schedule(quote: Quote, now: datetime) -> list[Invoice]:
    """The payment schedule of an accepted quote: the deposit (the company's percent of each
    rate's subtotal, due some days after acceptance) and the balance (the rest, due some days
    before the ceremony, never before the deposit). Unpaid invoices of an earlier acceptance
    are voided, but for one the new schedule would issue again for the same amounts (a deposit
    invoice sent before the client signed): it is kept, with its bank reference. What was paid
    counts towards the new schedule."""
    ceremony = db.session.get(Ceremony, quote.ceremony_id)
    profile = profile_or_new(quote.org_id)
    today = local_today(now, ceremony)
    lang = db.session.get(Client, ceremony.client_id).language if ceremony.client_id else "ja"
    kept: dict[int, int] = defaultdict(int)
    has_deposit = False
    unpaid: list[Invoice] = []
    for invoice in invoices_of(ceremony.id):
        if invoice.kind not in ("deposit", "balance") or invoice.status == "cancelled":
            continue
        if invoice.status == "issued" and not invoice.payments:
            unpaid.append(invoice)
            continue
        has_deposit = has_deposit or invoice.kind == "deposit"
        for line in invoice.lines:
            kept[line.tax_rate] += line.unit_price * line.quantity

    def same_unpaid(kind: str, subtotals: dict[int, int]) -> Invoice | None:
        wanted = {rate: amount for rate, amount in subtotals.items() if amount > 0}
        for invoice in unpaid:
            found = {int(rate): subtotal for rate, (subtotal, _) in invoice.totals.items()}
            if invoice.kind == kind and found == wanted:
                unpaid.remove(invoice)
                return invoice
        return None

    wanted = quote_totals(quote).subtotal_by_rate
    made = []
    deposit: dict[int, int] = {}
    if not has_deposit and profile.deposit_percent > 0:
        deposit = deposit_subtotals(wanted, profile.deposit_percent)
        for rate, amount in deposit.items():
            kept[rate] += amount
    rest = {rate: amount - kept.get(rate, 0) for rate, amount in wanted.items()}
    kept_deposit = same_unpaid("deposit", deposit) if deposit else None
    kept_balance = same_unpaid("balance", rest)
    for invoice in unpaid:
        void_with_notes(invoice, now)
    deposit_lines = _schedule_lines(deposit, "申込金", "Deposit", lang)
    deposit_due = min(today + timedelta(days=profile.deposit_due_days), ceremony_day(ceremony))
    if kept_deposit is not None:
        deposit_due = kept_deposit.due_date
    elif deposit_lines:
        made.append(create_invoice(ceremony, "deposit", deposit_due, deposit_lines, today))
    lines = _schedule_lines(rest, "残金", "Balance", lang)
    if lines and kept_balance is None:
        due = ceremony_day(ceremony) - timedelta(days=profile.balance_days_before)
        due = bank_day_on_or_before(due)  # never on a day banks are closed
        # Signed late (the ceremony in fewer days than the balance is due before it): the
        # balance falls due with the deposit, never before it, and never before today.
        due = max(due, deposit_due if deposit_lines else today, today)
        made.append(create_invoice(ceremony, "balance", due, lines, today))
    apply_booking_deposit(ceremony, now)
    return made


@dataclass
class CancellationTerms:
    days_before: int
    percent: int
    fee: int  # tax-inclusive equivalent: a cancellation fee is outside consumption tax
    paid: int
    refund: int
    due: int


def cancellation_terms(quote: Quote, today: date) -> CancellationTerms:
    """What cancelling today costs under the quote's policy, against what was paid."""
    ceremony = db.session.get(Ceremony, quote.ceremony_id)
    days = (ceremony_day(ceremony) - today).days
    percent = cancellation_percent(quote.cancellation_policy, max(days, 0))
    fee = quote_totals(quote).total * percent // 100
    paid = sum(
        invoice.paid_amount
        for invoice in invoices_of(ceremony.id)
        if invoice.kind in ("deposit", "balance", "other")
    )
    return CancellationTerms(days, percent, fee, paid, max(paid - fee, 0), max(fee - paid, 0))


def cancel_with_fee(quote: Quote, now: datetime) -> CancellationTerms:
    """Cancel the ceremony under the policy: unpaid invoices are voided, the booking is
    released through the booking rules, and then either a credit note (適格返還請求書) refunds
    what was paid above the fee, or an invoice asks for the rest of the fee (outside tax)."""
    ceremony = db.session.get(Ceremony, quote.ceremony_id)
    today = local_today(now, ceremony)
    terms = cancellation_terms(quote, today)
    try:
        booking.cancel(ceremony, now=now)
    except BookingError as error:
        raise BillingError(error.code) from None
    paid_invoices = []
    for invoice in invoices_of(ceremony.id):
        if invoice.kind == "credit" or invoice.status == "cancelled":
            continue
        if invoice.paid_amount == 0:
            void_with_notes(invoice, now)
        else:
            paid_invoices.append(invoice)
    refund = terms.refund
    for invoice in sorted(paid_invoices, key=lambda i: -i.id):  # refund the latest first
        if refund <= 0:
            break
        amount = min(refund, invoice.paid_amount)
        refund -= amount
        credit_note(invoice, amount, "キャンセル返金 (Refund on cancellation)", today)
    if terms.due > 0:
        line = Line("キャンセル料 (Cancellation fee)", terms.due, 1, 0)
        create_invoice(ceremony, "other", today + timedelta(days=14), [line], today)
    return terms


def credit_note(invoice: Invoice, amount: int, reason: str, today: date) -> Invoice:
    """A credit note (適格返還請求書) returning ``amount`` (tax included) of an issued invoice,
    divided over its tax rates in proportion, with the returned tax per rate."""
    if invoice.kind == "credit" or invoice.number is None:
        raise BillingError("not_creditable")
    if invoice.status == "cancelled":  # void already: there is nothing to return
        raise BillingError("cancelled")
    credited = sum(note.total for note in live_credit_notes(invoice))
    if not 0 < amount <= invoice.total - credited:
        raise BillingError("credit_amount", "amount")
    sums = invoice_totals(invoice)
    gross = {r: sums.subtotal_by_rate[r] + sums.tax_by_rate[r] for r in sums.rates}
    lines = [
        Line(f"{reason}{rate_suffix(rate, invoice.language)}", net_for_gross(part, rate), 1, rate)
        for rate, part in sorted(split_gross(amount, gross).items(), reverse=True)
    ]
    lines = [line for line in lines if line.unit_price > 0]
    ceremony = db.session.get(Ceremony, invoice.ceremony_id)
    note = draft_invoice(ceremony, "credit", today, lines, credit_for=invoice, reason=reason)
    return issue_invoice(note, today)


# --- payments -------------------------------------------------------------------------------


def paid_total(invoice_id: int) -> int:
    return db.session.scalar(
        db.select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.invoice_id == invoice_id
        )
    )


def refresh_status(invoice: Invoice) -> None:
    if invoice.kind == "credit" or invoice.status in ("draft", "cancelled"):
        return
    paid = paid_total(invoice.id)
    invoice.status = "paid" if paid >= invoice.total else "partially_paid" if paid > 0 else "issued"
    db.session.expire(invoice, ["payments"])


def confirm_paid_deposit(invoice: Invoice, now: datetime) -> str | None:
    """A fully paid deposit confirms the held booking through the booking rules; returns the
    booking rule's code when it cannot (e.g. the hold lapsed), for the planner to see. The
    money is the invoice's: the booking records no deposit of its own (that would count it
    twice, see apply_booking_deposit)."""
    if invoice.kind != "deposit" or invoice.status != "paid":
        return None
    ceremony = db.session.get(Ceremony, invoice.ceremony_id)
    if ceremony.status != "hold":
        return None
    try:
        booking.confirm(ceremony, now=now)
    except BookingError as error:
        return error.code
    return None


def booking_deposit_left(ceremony: Ceremony) -> int:
    """What of the deposit recorded when the booking was confirmed no invoice counts yet."""
    applied = db.session.scalar(
        db.select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Invoice, (Invoice.org_id == Payment.org_id) & (Invoice.id == Payment.invoice_id))
        .where(Invoice.ceremony_id == ceremony.id, Payment.method == "booking")
    )
    return max((ceremony.deposit_amount or 0) - applied, 0)


def apply_booking_deposit(ceremony: Ceremony, now: datetime) -> list[Payment]:
    """The deposit recorded when the booking was confirmed (by hand or through the API, money
    received before the invoices or outside them) is paid on the ceremony's open schedule:
    the deposit invoice first, then the balance; once, each with its receipt. Called when the
    schedule is issued and when such a deposit is recorded; what no open invoice can take yet
    waits for the next schedule (``booking_deposit_left``)."""
    left = booking_deposit_left(ceremony)
    if not left:
        return []
    open_invoices = sorted(
        (
            invoice
            for invoice in invoices_of(ceremony.id)
            if invoice.kind in ("deposit", "balance") and invoice.status in OPEN_STATUSES
        ),
        key=lambda invoice: (invoice.kind != "deposit", invoice.due_date, invoice.id),
    )
    received_on = local_today(ceremony.deposit_recorded_at or now, ceremony)
    payments = []
    for invoice in open_invoices:
        part = min(left, invoice.open_amount)
        if part <= 0:
            continue
        payments.append(record_payment(invoice, part, "booking", received_on, now))
        left -= part
        if not left:
            break
    return payments


@booking.deposit_recorded.connect
def _on_deposit_recorded(ceremony: Ceremony, now: datetime) -> None:
    apply_booking_deposit(ceremony, now)


def record_payment(
    invoice: Invoice,
    amount: int,
    method: str,
    received_on: date,
    now: datetime,
    *,
    payer: str = "",
    external_ref: str | None = None,
    note: str = "",
    allow_over: bool = False,
    receipt_number: int | None = None,
) -> Payment:
    """Record money received for an issued invoice, with its receipt number. A payment already
    recorded (same external reference) or one for an invoice already paid is refused with
    BillingError and nothing changes (an over-payment is recorded only when the planner settles
    it). Money is received on a day that has come (the books' day in Tokyo, or the venue's,
    whichever is later). A paid deposit confirms the held booking."""
    if invoice.kind == "credit" or invoice.status in ("draft", "cancelled"):
        raise BillingError("not_payable")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise BillingError("amount", "amount")
    if received_on > _latest_today(now, invoice.ceremony_id):
        raise BillingError("received_later", "received_on")
    if method not in PAYMENT_METHODS:
        raise BillingError("method", "method")
    if external_ref is not None and db.session.scalar(
        db.select(Payment.id).where(
            Payment.org_id == invoice.org_id,
            Payment.method == method,
            Payment.external_ref == external_ref,
        )
    ):
        raise BillingError("duplicate")
    open_amount = invoice.total - paid_total(invoice.id)
    if not allow_over and (open_amount <= 0 or amount > open_amount):
        raise BillingError("already_paid" if open_amount <= 0 else "over", "amount")
    payment = Payment(
        org_id=invoice.org_id,
        invoice_id=invoice.id,
        method=method,
        amount=amount,
        received_on=received_on,
        payer=payer[:200],
        external_ref=external_ref,
        note=note[:300],
        receipt_number=receipt_number or take_numbers(invoice.org_id, "receipt"),
    )
    try:
        with db.session.begin_nested():
            db.session.add(payment)
            db.session.flush()
    except IntegrityError:
        raise BillingError("duplicate") from None
    refresh_status(invoice)
    db.session.flush()
    problem = confirm_paid_deposit(invoice, now)
    if problem:
        payment.note = (payment.note + f" [booking: {problem}]").strip()[:300]
    return payment


def statement_fingerprint(raw: str, occurrence: int) -> str:
    return hashlib.sha256(f"{raw}\x00{occurrence}".encode()).hexdigest()


def seen_statement_lines(org_id: int) -> set[str]:
    """The fingerprints of the statement lines the company imported before: kept on each line,
    and (from before they were) on the payments matched lines made."""
    lines = db.session.scalars(
        db.select(BankLine.fingerprint).where(
            BankLine.org_id == org_id, BankLine.fingerprint.is_not(None)
        )
    )
    payments = db.session.scalars(
        db.select(Payment.external_ref).filter_by(org_id=org_id, method="bank")
    )
    return set(lines) | set(payments)


def import_statement(
    org_id: int,
    filename: str,
    data: bytes,
    now: datetime,
    *,
    on_paid: Callable[[list[int]], None] | None = None,
) -> BankImport:
    """Import a bank statement CSV (UTF-8 or Shift_JIS): each credit is matched to an invoice
    by the reference code in the transfer name, then by amount. An exact payment is recorded;
    a partial one is recorded and shown; an over-payment or an unknown credit waits for the
    planner; a line imported before changes nothing. BillingError if the file is unreadable.
    ``on_paid`` is told the ids of the payments recorded (e.g. to queue their receipts)."""
    try:
        text, encoding = decode_statement(data)
        lines = list(read_statement(text))
    except MoneyError as error:
        raise from_money_error(error) from None
    except csv.Error:
        raise BillingError("columns", "file") from None
    # Money is received on a day that has come (as record_payment says): a line dated later
    # is a file read wrongly (days as 03/12 taken the other way round), not a payment.
    today = now.astimezone(BOOKS_ZONE).date()
    for line in lines:
        if line.booked_on > today:
            raise BillingError("statement_later", "file", line.line_no)
    invoices = {
        invoice.reference_code: invoice
        for invoice in db.session.scalars(
            db.select(Invoice)
            .where(
                Invoice.org_id == org_id,
                Invoice.kind != "credit",
                Invoice.status.in_(("issued", "partially_paid", "paid")),
            )
            .options(lazyload("*"))
        )
    }
    paid = dict(
        db.session.execute(
            db.select(Payment.invoice_id, func.sum(Payment.amount))
            .where(Payment.org_id == org_id)
            .group_by(Payment.invoice_id)
        ).all()
    )
    open_amounts = {i.id: i.total - paid.get(i.id, 0) for i in invoices.values()}
    seen = seen_statement_lines(org_id)
    imported = BankImport(org_id=org_id, filename=filename[:200], encoding=encoding)
    db.session.add(imported)
    db.session.flush()
    occurrences: dict[str, int] = defaultdict(int)
    to_pay: list[tuple[Invoice, object, str]] = []
    rows = []
    for line in lines:
        occurrences[line.raw] += 1
        fingerprint = statement_fingerprint(line.raw, occurrences[line.raw])
        invoice = find_reference(line.payer, invoices)
        outcome = "unmatched"
        if fingerprint in seen:
            outcome, fingerprint = "duplicate", None
        else:
            seen.add(fingerprint)
            if invoice is not None:
                remaining = open_amounts[invoice.id]
                if remaining <= 0 or line.amount > remaining:
                    outcome = "over"
                else:
                    outcome = "matched" if line.amount == remaining else "partial"
                    open_amounts[invoice.id] = remaining - line.amount
                    to_pay.append((invoice, line, fingerprint))
        rows.append(
            {
                "org_id": org_id,
                "import_id": imported.id,
                "line_no": line.line_no,
                "booked_on": line.booked_on,
                "amount": line.amount,
                "payer": line.payer,
                "invoice_id": invoice.id if invoice is not None else None,
                "outcome": outcome,
                "fingerprint": fingerprint,
            }
        )
    imported.line_count = len(rows)
    first = take_numbers(org_id, "receipt", len(to_pay)) if to_pay else 0
    # Thousands of rows: bulk inserts (one executemany each), not one ORM object per row.
    if rows:
        try:
            db.session.execute(BankLine.__table__.insert(), rows)
        except IntegrityError:  # the same lines, imported by another request just now
            raise BillingError("imported_meanwhile", "file") from None
    if to_pay:
        created = utcnow()
        db.session.execute(
            Payment.__table__.insert(),
            [
                {
                    "org_id": org_id,
                    "invoice_id": invoice.id,
                    "method": "bank",
                    "amount": line.amount,
                    "received_on": line.booked_on,
                    "payer": line.payer,
                    "external_ref": fingerprint,
                    "receipt_number": first + offset,
                    "note": "",
                    "created_at": created,
                    "updated_at": created,
                }
                for offset, (invoice, line, fingerprint) in enumerate(to_pay)
            ],
        )
        if on_paid is not None:  # receipt numbers were taken as one consecutive run
            on_paid(
                list(
                    db.session.scalars(
                        db.select(Payment.id)
                        .where(
                            Payment.org_id == org_id,
                            Payment.receipt_number.between(first, first + len(to_pay) - 1),
                        )
                        .order_by(Payment.receipt_number)
                    )
                )
            )
    touched = {invoice.id: invoice for invoice, _, _ in to_pay}
    for status in ("paid", "partially_paid"):
        ids = [
            invoice_id
            for invoice_id, invoice in touched.items()
            if (open_amounts[invoice_id] <= 0) == (status == "paid")
        ]
        if ids:
            db.session.execute(
                db.update(Invoice)
                .where(Invoice.id.in_(ids))
                .values(status=status, updated_at=utcnow()),
                execution_options={"synchronize_session": False},
            )
    for invoice in touched.values():
        db.session.expire(invoice, ["status", "payments"])
    db.session.expire(imported, ["lines"])
    for invoice in touched.values():
        if invoice.kind == "deposit":
            confirm_paid_deposit(invoice, now)
    db.session.flush()
    return imported


def settle_line(line: BankLine, invoice: Invoice | None, now: datetime) -> BankLine:
    """The planner settles a line the import could not: record it in full on an invoice
    (an over-payment stays visible as paid above the total), or set it aside. An invoice
    already paid takes it only if the import matched the line to it (the over-payment itself):
    money from someone else is not a second payment of a paid invoice."""
    if line.outcome not in ("over", "unmatched"):
        raise BillingError("settled")
    if invoice is not None:
        if invoice.org_id != line.org_id:
            raise BillingError("not_payable")
        if invoice.id != line.invoice_id and invoice.status == "paid":
            raise BillingError("already_paid")
        record_payment(
            invoice,
            line.amount,
            "bank",
            line.booked_on,
            now,
            payer=line.payer,
            external_ref=f"{SETTLED_LINE_REF}{line.id}",
            allow_over=True,
        )
        line.invoice_id = invoice.id
    line.outcome = "settled"
    line.settled_at = now
    db.session.flush()
    return line


def payments_of_line(line: BankLine) -> list[int]:
    """The payment a settled statement line recorded (none if it was set aside)."""
    return list(
        db.session.scalars(
            db.select(Payment.id).filter_by(
                org_id=line.org_id, method="bank", external_ref=f"{SETTLED_LINE_REF}{line.id}"
            )
        )
    )


# --- reminders ------------------------------------------------------------------------------

REMIND_DAYS_BEFORE_DUE = 3


def invoices_to_remind(now: datetime) -> list[tuple[Invoice, str]]:
    """Open invoices to remind about, each once: ('due', due within a few days) or
    ('overdue', past its due date); they are marked reminded here, in the caller's
    transaction, together with queuing the mails."""
    today = now.astimezone(BOOKS_ZONE).date()
    found = db.session.scalars(
        db.select(Invoice)
        .where(Invoice.status.in_(OPEN_STATUSES), Invoice.kind != "credit")
        .where(Invoice.due_date <= today + timedelta(days=REMIND_DAYS_BEFORE_DUE))
        .where(Invoice.reminded_overdue_at.is_(None))
        .order_by(Invoice.id)
    )
    due = []
    for invoice in found:
        if invoice.due_date < today:
            invoice.reminded_overdue_at = now
            due.append((invoice, "overdue"))
        elif invoice.reminded_due_at is None:
            invoice.reminded_due_at = now
            due.append((invoice, "due"))
    db.session.flush()
    return due
