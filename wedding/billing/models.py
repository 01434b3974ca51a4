"""Plans, quotes and their acceptance, invoices (qualified invoices and credit notes), payments,
bank statement imports and payment-provider events. Money is integer yen; rates are integers."""

import re
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wedding.i18n import HOME_TIMEZONE
from wedding.models import OrgOwned, UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from wedding.ceremonies.models import Ceremony

TAX_RATES = (10, 8, 0)  # standard, reduced (food such as 引菓子), exempt
INVOICE_KINDS = ("deposit", "balance", "other", "credit")
INVOICE_STATUSES = ("draft", "issued", "paid", "partially_paid", "cancelled")
# "booking": the deposit recorded when the booking was confirmed, counted towards the invoices
# (how it was paid is not known).
BOOKING_PROBLEM = re.compile(r"\s*\[booking: (\w+)\]")
SETTLED_LINE_REF = "line:"  # a payment's external_ref: "line:<bank line id>", once per line
BOOKS_ZONE = ZoneInfo(HOME_TIMEZONE)  # the company's books are kept where it works
PAYMENT_METHODS = ("bank", "card", "cash", "booking")
LINE_OUTCOMES = ("matched", "partial", "over", "unmatched", "duplicate", "settled")
# Cancellation fees by days before the ceremony: (at least this many days before, percent).
DEFAULT_POLICY = [[90, 0], [60, 20], [30, 50], [7, 80], [0, 100]]


class BillingProfile(db.Model):
    """What a company prints on its invoices and how it schedules payments."""

    __tablename__ = "billing_profiles"
    __table_args__ = (
        CheckConstraint("deposit_percent BETWEEN 0 AND 100", name="deposit_percent"),
        CheckConstraint("deposit_due_days >= 0", name="deposit_due_days"),
        CheckConstraint("balance_days_before >= 0", name="balance_days_before"),
        CheckConstraint(
            "registration_number = '' OR length(registration_number) = 14",
            name="registration_number",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    issuer_name: Mapped[str] = mapped_column(String(200), default="")
    registration_number: Mapped[str] = mapped_column(String(14), default="")  # T + 13 digits
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_branch: Mapped[str] = mapped_column(String(100), default="")
    account_type: Mapped[str] = mapped_column(String(20), default="ordinary")
    account_number: Mapped[str] = mapped_column(String(20), default="")
    account_holder: Mapped[str] = mapped_column(String(200), default="")
    deposit_percent: Mapped[int] = mapped_column(default=30)
    deposit_due_days: Mapped[int] = mapped_column(default=7)  # after acceptance
    balance_days_before: Mapped[int] = mapped_column(default=30)  # before the ceremony
    cancellation_policy: Mapped[list] = mapped_column(JSON, default=lambda: DEFAULT_POLICY)


class Counter(db.Model):
    """The next number of a company's series (invoices, credit notes, receipts): one row per
    series, taken under a row lock, so that numbers never repeat and never skip."""

    __tablename__ = "billing_counters"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_number: Mapped[int] = mapped_column(default=1)


class Plan(OrgOwned, db.Model):
    """A plan (人前式プラン, フォトプラン …) or an option, priced before tax in yen."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        CheckConstraint("kind IN ('plan', 'option')", name="kind"),
        CheckConstraint("unit_price >= 0", name="unit_price"),
        CheckConstraint("tax_rate IN (10, 8, 0)", name="tax_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="plan")
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    included: Mapped[str] = mapped_column(Text, default="")  # one item per line
    unit_price: Mapped[int]
    tax_rate: Mapped[int] = mapped_column(default=10)
    position: Mapped[int] = mapped_column(default=0)

    @property
    def included_items(self) -> list[str]:
        return [line.strip() for line in self.included.splitlines() if line.strip()]

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


class Quote(OrgOwned, db.Model):
    """A ceremony's quote. Every change raises the revision; an acceptance is for one revision
    (and the hash of its exact document), so a changed quote needs a new acceptance."""

    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        CheckConstraint("revision >= 1", name="revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), unique=True
    )
    plan_id: Mapped[int | None]
    revision: Mapped[int] = mapped_column(default=1)
    cancellation_policy: Mapped[list] = mapped_column(JSON, default=lambda: DEFAULT_POLICY)
    notes: Mapped[str] = mapped_column(Text, default="")
    accepted_revision: Mapped[int | None]

    ceremony: Mapped["Ceremony"] = relationship(lazy="joined")
    lines: Mapped[list["QuoteLine"]] = relationship(
        order_by="QuoteLine.position", cascade="all, delete-orphan", lazy="selectin"
    )
    acceptances: Mapped[list["Acceptance"]] = relationship(
        order_by="Acceptance.id", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def accepted(self) -> bool:
        return self.accepted_revision == self.revision

    @property
    def current_acceptance(self) -> "Acceptance | None":
        found = [a for a in self.acceptances if a.revision == self.revision]
        return found[-1] if found else None


class QuoteLine(db.Model):
    __tablename__ = "quote_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "quote_id"], ["quotes.org_id", "quotes.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "plan_id"], ["plans.org_id", "plans.id"]),
        CheckConstraint("unit_price >= 0", name="unit_price"),
        CheckConstraint("quantity >= 1", name="quantity"),
        CheckConstraint("tax_rate IN (10, 8, 0)", name="tax_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    quote_id: Mapped[int] = mapped_column(index=True)
    plan_id: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(300))
    unit_price: Mapped[int]
    quantity: Mapped[int] = mapped_column(default=1)
    tax_rate: Mapped[int] = mapped_column(default=10)


class Acceptance(db.Model):
    """The client's acceptance of one revision: the typed name, when, from where, the SHA-256
    of the exact agreement document, that document itself, and the signed PDF of it.

    The PDF is rendered by a background job after the acceptance commits, from the document
    and the time stamp kept here (never from the quote, which may change later): until then
    ``file_id`` is empty and the pages say the PDF is being prepared."""

    __tablename__ = "quote_acceptances"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "quote_id"], ["quotes.org_id", "quotes.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("quote_id", "revision"),
        # Without its PDF yet, an acceptance must hold what the PDF is rendered from.
        CheckConstraint("file_id IS NOT NULL OR document IS NOT NULL", name="renderable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    quote_id: Mapped[int] = mapped_column(index=True)
    revision: Mapped[int]
    typed_name: Mapped[str] = mapped_column(String(200))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64), default="")
    document_sha256: Mapped[str] = mapped_column(String(64))
    # The agreement document exactly as the client read it (its SHA-256 is document_sha256)
    # and the acceptance time as the PDF prints it, in the venue's time zone. Acceptances
    # from before the PDF was a job have their PDF and no document.
    document: Mapped[str | None] = mapped_column(Text)
    stamp: Mapped[str] = mapped_column(String(64), default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))

    @property
    def pdf_name(self) -> str:
        return f"agreement-{self.quote_id}-r{self.revision}.pdf"


class Invoice(OrgOwned, db.Model):
    """A qualified invoice (適格請求書), or a credit note (適格返還請求書) for another invoice.

    What it prints is fixed when it is issued: issuer, registration number, recipient, lines
    and the totals per rate are copies, so a later change of the company or client does not
    rewrite an issued invoice."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        UniqueConstraint("org_id", "series", "number"),
        UniqueConstraint("org_id", "reference_code"),
        CheckConstraint("kind IN ('deposit', 'balance', 'other', 'credit')", name="kind"),
        CheckConstraint(
            "status IN ('draft', 'issued', 'paid', 'partially_paid', 'cancelled')", name="status"
        ),
        CheckConstraint("(status = 'draft') = (number IS NULL)", name="numbered_when_issued"),
        CheckConstraint("(kind = 'credit') = (credit_for_id IS NOT NULL)", name="credit_for"),
        CheckConstraint("total >= 0", name="total"),
        ForeignKeyConstraint(["org_id", "credit_for_id"], ["invoices.org_id", "invoices.id"]),
        Index("ix_invoices_org_id_status_due_date", "org_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    series: Mapped[str] = mapped_column(String(10), default="invoice")
    number: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="draft")
    issue_date: Mapped[date | None]
    due_date: Mapped[date]
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), default="ja")
    reference_code: Mapped[str] = mapped_column(String(12))
    issuer_name: Mapped[str] = mapped_column(String(200), default="")
    registration_number: Mapped[str] = mapped_column(String(14), default="")
    issuer_address: Mapped[str] = mapped_column(String(300), default="")
    bank_details: Mapped[str] = mapped_column(Text, default="")
    plan_name: Mapped[str] = mapped_column(String(200), default="")  # for revenue by plan
    totals: Mapped[dict] = mapped_column(JSON, default=dict)  # {"10": [subtotal, tax], ...}
    total: Mapped[int] = mapped_column(default=0)
    credit_for_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(300), default="")  # of a credit note
    checkout_session_id: Mapped[str | None] = mapped_column(String(255))
    checkout_url: Mapped[str | None] = mapped_column(Text)
    reminded_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["InvoiceLine"]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan", lazy="selectin"
    )
    payments: Mapped[list["Payment"]] = relationship(
        primaryjoin="Payment.invoice_id == Invoice.id",
        foreign_keys="Payment.invoice_id",
        order_by="Payment.id",
        lazy="selectin",
        viewonly=True,
    )

    @property
    def display_number(self) -> str:
        if self.number is None:
            return ""
        return f"{'CN' if self.series == 'credit' else 'INV'}-{self.number:06d}"

    @property
    def paid_amount(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def cancelled_on(self) -> date | None:
        """The day of the books on which it was voided."""
        return self.cancelled_at.astimezone(BOOKS_ZONE).date() if self.cancelled_at else None

    @property
    def open_amount(self) -> int:
        return max(self.total - self.paid_amount, 0)


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "invoice_id"], ["invoices.org_id", "invoices.id"], ondelete="CASCADE"
        ),
        CheckConstraint("unit_price >= 0", name="unit_price"),
        CheckConstraint("quantity >= 1", name="quantity"),
        CheckConstraint("tax_rate IN (10, 8, 0)", name="tax_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(300))
    unit_price: Mapped[int]
    quantity: Mapped[int] = mapped_column(default=1)
    tax_rate: Mapped[int] = mapped_column(default=10)


class Payment(OrgOwned, db.Model):
    """Money received for an invoice (bank transfer, card, cash); each gets a receipt number.
    ``external_ref`` (a bank line's fingerprint, a Stripe payment) can be recorded once only."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        UniqueConstraint("org_id", "receipt_number"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("method IN ('bank', 'card', 'cash', 'booking')", name="method"),
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.id"]),
        Index(
            "ix_payments_external_ref",
            "org_id",
            "method",
            "external_ref",
            unique=True,
            sqlite_where=text("external_ref IS NOT NULL"),
            postgresql_where=text("external_ref IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(index=True)
    method: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int]
    received_on: Mapped[date]
    payer: Mapped[str] = mapped_column(String(200), default="")
    external_ref: Mapped[str | None] = mapped_column(String(255))
    receipt_number: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(300), default="")

    @property
    def display_receipt_number(self) -> str:
        return f"RC-{self.receipt_number:06d}" if self.receipt_number else ""

    @property
    def settled_by_planner(self) -> bool:
        """A bank line the import could not match, recorded here by the planner."""
        return (self.external_ref or "").startswith(SETTLED_LINE_REF)

    @property
    def booking_problem(self) -> str:
        """The booking rule's code when this payment paid a deposit but could not confirm its
        hold (kept in the note as " [booking: <code>]" by record_payment), else ""."""
        found = BOOKING_PROBLEM.search(self.note or "")
        return found.group(1) if found else ""

    @property
    def plain_note(self) -> str:
        """The note as the planner wrote it, without the booking rule's code."""
        return BOOKING_PROBLEM.sub("", self.note or "").strip()


class BankImport(OrgOwned, db.Model):
    """One imported bank statement file."""

    __tablename__ = "bank_imports"
    __table_args__ = (UniqueConstraint("org_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    encoding: Mapped[str] = mapped_column(String(20))
    line_count: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list["BankLine"]] = relationship(
        order_by="BankLine.line_no", cascade="all, delete-orphan", lazy="selectin"
    )


class BankLine(db.Model):
    """A credit on the statement and what became of it: matched, partial or over-payment (to
    settle), unmatched, or already imported before."""

    __tablename__ = "bank_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "import_id"], ["bank_imports.org_id", "bank_imports.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.id"]),
        CheckConstraint(
            "outcome IN ('matched', 'partial', 'over', 'unmatched', 'duplicate', 'settled')",
            name="outcome",
        ),
        # A line of a statement is imported once, whatever became of it: the same file (or
        # overlapping ones) imported again finds it here, and so does a second import running
        # at the same moment.
        Index(
            "ix_bank_lines_fingerprint",
            "org_id",
            "fingerprint",
            unique=True,
            sqlite_where=text("fingerprint IS NOT NULL"),
            postgresql_where=text("fingerprint IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    import_id: Mapped[int] = mapped_column(index=True)
    line_no: Mapped[int]
    booked_on: Mapped[date]
    amount: Mapped[int]
    payer: Mapped[str] = mapped_column(String(200), default="")
    invoice_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(20))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The line's text and its occurrence in the file (statement_fingerprint); empty on a line
    # seen before, and on lines imported before it was kept (their matched payments have it).
    fingerprint: Mapped[str | None] = mapped_column(String(64))


class PaymentEvent(db.Model):
    """A payment provider's webhook call as it arrived and what we did with it, kept for the
    planner to see (``org_id`` is empty when the event named no invoice of ours)."""

    __tablename__ = "payment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(20), default="stripe")
    event_id: Mapped[str | None] = mapped_column(String(255), index=True)
    event_type: Mapped[str] = mapped_column(String(100), default="")
    invoice_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[str] = mapped_column(Text, default="")
