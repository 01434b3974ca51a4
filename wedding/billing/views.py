"""The planner's money pages: invoice details, plans, a ceremony's quote and invoices,
payments, bank statements, card events and reports; and Stripe's webhook."""

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user, login_required

from wedding.accounts.access import editor_required, get_owned_or_404, org_select, owner_required
from wedding.billing import reports
from wedding.billing import services as billing
from wedding.billing.documents import (
    agreement_preparing,
    render_invoice_pdf,
    render_receipt_pdf,
    yen,
)
from wedding.billing.forms import (
    CancelInvoiceForm,
    CreditForm,
    InvoiceForm,
    PaymentForm,
    PlanForm,
    ProfileForm,
    QuoteForm,
    SettleForm,
    StatementForm,
)
from wedding.billing.mails import queue_receipt_mails
from wedding.billing.messages import message
from wedding.billing.models import (
    Acceptance,
    BankImport,
    BankLine,
    Invoice,
    Payment,
    PaymentEvent,
    Plan,
    Quote,
)
from wedding.billing.money import tax_inclusive
from wedding.billing.stripe_pay import StripeSettings, handle_event
from wedding.ceremonies.models import Ceremony
from wedding.forms import ConfirmForm, error_summary
from wedding.i18n import current_lang
from wedding.i18n import lazy_gettext as _l
from wedding.models import db, utcnow
from wedding.privacy.audit import audit
from wedding.storage.services import file_response

bp = Blueprint("billing", __name__, url_prefix="/billing")
webhook_bp = Blueprint("payments", __name__, url_prefix="/payments")
MAX_STATEMENT = 10 * 1024 * 1024
T = TypeVar("T")


@bp.app_template_global()
def money(amount: int | None) -> str:
    return "" if amount is None else yen(amount)


@bp.app_template_global()
def with_tax(amount: int, rate: int) -> int:
    return tax_inclusive(amount, rate)


@bp.app_template_global()
def price_with_tax(amount: int, rate: int) -> str:
    """A price before tax as clients see it, saying so: ¥220,000 (tax incl.)."""
    return _("%(price)s (tax incl.)", price=yen(tax_inclusive(amount, rate)))


@bp.app_template_global()
def invoice_status_label(status: str) -> str:
    """The reader's word for an invoice's status. A void invoice is 取消済 in Japanese, as its
    PDF prints it, where a cancelled ceremony is キャンセル: one English word, two messages;
    an issued one 発行済 beside them, where the documents page's heading says 発行済み."""
    return str(
        {
            "draft": _l("Draft"),
            "issued": pgettext("invoice status", "Issued"),
            "paid": _l("Paid"),
            "partially_paid": _l("Partly paid"),
            "cancelled": pgettext("invoice status", "Cancelled"),
        }.get(status, status)
    )


@bp.app_template_global()
def invoice_kind_label(kind: str) -> str:
    return str(
        {
            "deposit": _l("Deposit"),
            "balance": _l("Balance"),
            "other": _l("Invoice"),
            "credit": _l("Credit note"),
        }.get(kind, kind)
    )


@bp.app_template_global()
def payment_event_label(outcome: str) -> str:
    return str(
        {
            "applied": _l("Applied"),
            "replayed": _l("Sent again: nothing changed"),
            "over_paid": _l("Paid above the total: refund the difference"),
            "refused": _l("Refused: nothing changed"),
            "ignored": _l("Not a payment: ignored"),
            "unknown_invoice": _l("Names no invoice of ours: nothing changed"),
            "bad_signature": _l(
                "Bad signature: not from Stripe, or the webhook secret is wrong; nothing changed"
            ),
        }.get(outcome, outcome)
    )


def carry_out(
    action: Callable[[], T],
    done: str | Callable[[T], str],
    *,
    ceremony_id: int | None = None,
    change: Callable[[T], str] | None = None,
) -> T | None:
    """Run one money rule for a view: if it says no, roll back and flash its sentence (None);
    otherwise audit the ``change`` to the ceremony, commit once and flash ``done``; returns the
    rule's result."""
    try:
        result = action()
    except billing.BillingError as error:
        db.session.rollback()
        flash(message(error.code, error.index), "error")
        return None
    if change is not None:
        audit("change", "ceremony", ceremony_id, change(result))
    db.session.commit()
    flash(done(result) if callable(done) else done, "success")
    return result


def flash_form_errors(form) -> None:
    flash(error_summary(form), "error")


def _pdf(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the company's money overview and settings -----------------------------------------------


@bp.get("/")
@login_required
def index():
    org_id = current_user.org_id
    today = utcnow().astimezone(billing.BOOKS_ZONE).date()
    open_lines = db.session.scalars(
        db.select(BankLine)
        .where(BankLine.org_id == org_id, BankLine.outcome.in_(("over", "unmatched")))
        .order_by(BankLine.id)
        .limit(200)
    ).all()
    return render_template(
        "billing/index.html",
        receivables=reports.receivables(org_id, today),
        by_month=reports.revenue_by_month(org_id),
        by_plan=reports.revenue_by_plan(org_id),
        imports=db.session.scalars(
            db.select(BankImport).filter_by(org_id=org_id).order_by(BankImport.id.desc()).limit(5)
        ).all(),
        open_lines=open_lines,
        matched={
            invoice.id: invoice
            for invoice in db.session.scalars(
                org_select(Invoice).where(
                    Invoice.id.in_({line.invoice_id for line in open_lines if line.invoice_id})
                )
            )
        },
        events=db.session.scalars(
            db.select(PaymentEvent)
            .filter_by(org_id=org_id)
            .order_by(PaymentEvent.id.desc())
            .limit(20)
        ).all(),
        statement_form=StatementForm(),
        settle_form=SettleForm(),
        profile=billing.profile_of(org_id),
    )


@bp.route("/settings", methods=["GET", "POST"])
@owner_required
def settings():
    profile = billing.profile_or_new(current_user.org_id)
    form = ProfileForm(obj=profile)
    if request.method == "GET":
        form.cancellation_policy.data = "\n".join(
            f"{days}: {percent}" for days, percent in profile.cancellation_policy
        )
    if form.validate_on_submit():
        fields = {
            name: getattr(form, name).data
            for name in (
                "issuer_name",
                "registration_number",
                "address",
                "phone",
                "bank_name",
                "bank_branch",
                "account_type",
                "account_number",
                "account_holder",
                "deposit_percent",
                "deposit_due_days",
                "balance_days_before",
            )
        }
        saved = carry_out(
            lambda: billing.save_profile(
                current_user.org_id, **fields, cancellation_policy=form.policy
            ),
            _("Saved."),
        )
        if saved is not None:
            return redirect(url_for("billing.settings"), 303)
    return render_template("billing/settings.html", form=form)


@bp.get("/plans")
@login_required
def plans():
    return render_template(
        "billing/plans.html", plans=billing.plans_of(current_user.org_id, include_archived=True)
    )


@bp.route("/plans/new", methods=["GET", "POST"])
@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
@login_required
def edit_plan(plan_id: int | None = None):
    plan = get_owned_or_404(Plan, plan_id) if plan_id else None
    form = PlanForm(obj=plan)
    if plan and request.method == "GET":
        form.tax_rate.data = str(plan.tax_rate)
    if request.method == "POST" and not current_user.can_edit:
        abort(403)
    if form.validate_on_submit():
        record = plan or Plan(org_id=current_user.org_id, name="", unit_price=0)
        saved = carry_out(
            lambda: billing.save_plan(
                record,
                kind=form.kind.data,
                name=form.name.data,
                name_en=form.name_en.data,
                unit_price=form.unit_price.data,
                tax_rate=int(form.tax_rate.data),
                included=form.included.data,
                description=form.description.data,
                position=form.position.data or 0,
            ),
            _("Saved."),
        )
        if saved is not None:
            return redirect(url_for("billing.plans"), 303)
    return render_template("billing/plan_form.html", form=form, plan=plan)


@bp.post("/plans/<int:plan_id>/archive")
@editor_required
def archive_plan(plan_id: int):
    plan = get_owned_or_404(Plan, plan_id)
    if ConfirmForm().validate():
        plan.archived_at = None if plan.archived_at else utcnow()
        db.session.commit()
    return redirect(url_for("billing.plans"), 303)


# --- a ceremony's money ----------------------------------------------------------------------


def _quote_form(ceremony: Ceremony, quote) -> QuoteForm:
    form = QuoteForm()
    plans = billing.plans_of(ceremony.org_id, "plan")
    form.plan_id.choices = [
        (p.id, f"{p.label(current_lang())} · {price_with_tax(p.unit_price, p.tax_rate)}")
        for p in plans
    ]
    if request.method == "GET" and quote:
        form.plan_id.data = quote.plan_id
        form.notes.data = quote.notes
    return form


@bp.route("/ceremonies/<int:ceremony_id>", methods=["GET", "POST"])
@login_required
def ceremony(ceremony_id: int):
    record = get_owned_or_404(Ceremony, ceremony_id)
    quote = billing.quote_of(record.id)
    form = _quote_form(record, quote)
    options = billing.plans_of(record.org_id, "option")
    chosen = {line.plan_id: line.quantity for line in quote.lines} if quote else {}
    if request.method == "POST" and not current_user.can_edit:
        abort(403)
    quantity_errors: dict[int, str] = {}
    if request.method == "POST":
        # What the planner typed stays on the page when something is wrong (it was all lost).
        chosen = {o.id: request.form.get(f"qty-{o.id}", "").strip() for o in options}
        quantity_errors = {
            option_id: _("Quantities are whole numbers, 0 to 1000.")
            for option_id, raw in chosen.items()
            if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 4 and int(raw) <= 1000)
        }
    if form.validate_on_submit() and not quantity_errors:
        wanted = [(o, int(chosen[o.id])) for o in options if chosen[o.id] and int(chosen[o.id])]
        plan = get_owned_or_404(Plan, form.plan_id.data)
        carry_out(
            lambda: billing.save_quote(record, plan, wanted, notes=form.notes.data),
            _("Quote saved: the client accepts it in the portal."),
            ceremony_id=record.id,
            change=lambda quote: f"quote:r{quote.revision}",
        )
        return redirect(url_for("billing.ceremony", ceremony_id=record.id), 303)
    today = billing.local_today(utcnow(), record)
    return render_template(
        "billing/ceremony.html",
        ceremony=record,
        quote=quote,
        sums=billing.quote_totals(quote) if quote else None,
        terms=billing.cancellation_terms(quote, today) if quote and quote.accepted else None,
        form=form,
        options=options,
        chosen=chosen,
        quantity_errors=quantity_errors,
        invoices=billing.invoices_of(record.id),
        payment_form=PaymentForm(received_on=today),
        credit_form=CreditForm(),
        button_form=ConfirmForm(),
        today=today,
    )


@bp.post("/ceremonies/<int:ceremony_id>/cancel")
@editor_required
def cancel_ceremony(ceremony_id: int):
    record = get_owned_or_404(Ceremony, ceremony_id)
    quote = billing.quote_of(record.id)
    if not ConfirmForm().validate():
        abort(400)
    if quote is None:
        flash(message("no_quote"), "error")
    else:
        carry_out(
            lambda: billing.cancel_with_fee(quote, utcnow()),
            lambda terms: _(
                "Cancelled: fee %(percent)d%% (%(fee)s); refund %(refund)s, still due %(due)s.",
                percent=terms.percent,
                fee=yen(terms.fee),
                refund=yen(terms.refund),
                due=yen(terms.due),
            ),
            ceremony_id=record.id,
            change=lambda terms: f"cancel-with-fee:{terms.percent}",
        )
    return redirect(url_for("billing.ceremony", ceremony_id=record.id), 303)


@bp.route("/ceremonies/<int:ceremony_id>/invoices/new", methods=["GET", "POST"])
@editor_required
def new_invoice(ceremony_id: int):
    """A one-off invoice: items typed by the planner, kept as a draft to review before issue."""
    record = get_owned_or_404(Ceremony, ceremony_id)
    form = InvoiceForm()
    refused = False
    if request.method == "GET":
        form.due.data = billing.local_today(utcnow(), record) + timedelta(days=14)
    if form.validate_on_submit():
        filled = form.filled_items()
        try:
            invoice = billing.draft_one_off(record, form.due.data, [item for _, item in filled])
        except billing.BillingError as error:
            db.session.rollback()
            refused = True
            if error.index is not None and error.field:
                row = form.items[filled[error.index][0]].form
                getattr(row, error.field).errors.append(message(error.code))
            else:
                form.form_errors.append(message(error.code))
        else:
            audit("change", "ceremony", record.id, f"invoice-draft:{invoice.id}")
            db.session.commit()
            flash(_("Draft saved: check it, then issue it."), "success")
            return redirect(url_for("billing.invoice", invoice_id=invoice.id), 303)
    invalid = refused or (request.method == "POST" and bool(form.errors))
    return render_template("billing/invoice_form.html", ceremony=record, form=form), (
        422 if invalid else 200
    )


@bp.get("/invoices/<int:invoice_id>")
@login_required
def invoice(invoice_id: int):
    """An invoice as it will print: a draft is reviewed here, then issued or deleted."""
    record = get_owned_or_404(Invoice, invoice_id)
    return render_template(
        "billing/invoice.html",
        invoice=record,
        ceremony=db.session.get(Ceremony, record.ceremony_id),
        sums=billing.invoice_totals(record),
        button_form=ConfirmForm(),
    )


@bp.post("/invoices/<int:invoice_id>/issue")
@editor_required
def issue_invoice(invoice_id: int):
    record = get_owned_or_404(Invoice, invoice_id)
    if not ConfirmForm().validate():
        abort(400)
    ceremony = db.session.get(Ceremony, record.ceremony_id)
    issued = carry_out(
        lambda: billing.issue_invoice(record, billing.local_today(utcnow(), ceremony)),
        lambda invoice: _("Invoice %(number)s issued.", number=invoice.display_number),
        ceremony_id=ceremony.id,
        change=lambda invoice: f"invoice-issue:{invoice.id}",
    )
    if issued is None:
        return redirect(url_for("billing.invoice", invoice_id=invoice_id), 303)
    return redirect(url_for("billing.ceremony", ceremony_id=ceremony.id) + "#invoices", 303)


@bp.get("/acceptances/<int:acceptance_id>.pdf")
@login_required
def agreement(acceptance_id: int):
    acceptance = db.session.scalar(
        db.select(Acceptance).filter_by(id=acceptance_id, org_id=current_user.org_id)
    )
    if acceptance is None:
        abort(404)
    if acceptance.file_id is None:  # its job is still rendering it
        ceremony_id = db.session.get(Quote, acceptance.quote_id).ceremony_id
        back_url = url_for("billing.ceremony", ceremony_id=ceremony_id) + "#quote"
        return agreement_preparing(acceptance, "base.html", back_url)
    return file_response(acceptance.file_id, acceptance.pdf_name, "private, no-store")


@bp.get("/invoices/<int:invoice_id>.pdf")
@login_required
def invoice_pdf(invoice_id: int):
    invoice = get_owned_or_404(Invoice, invoice_id)
    if invoice.number is None:
        abort(404)
    return _pdf(render_invoice_pdf(invoice), f"{invoice.display_number}.pdf")


@bp.get("/receipts/<int:payment_id>.pdf")
@login_required
def receipt_pdf(payment_id: int):
    payment = get_owned_or_404(Payment, payment_id)
    return _pdf(render_receipt_pdf(payment), f"{payment.display_receipt_number}.pdf")


@bp.post("/invoices/<int:invoice_id>/payments")
@editor_required
def record_payment(invoice_id: int):
    invoice = get_owned_or_404(Invoice, invoice_id)
    form = PaymentForm()
    if form.validate_on_submit():

        def recorded():
            payment = billing.record_payment(
                invoice,
                form.amount.data,
                form.method.data,
                form.received_on.data,
                utcnow(),
                note=form.note.data,
            )
            queue_receipt_mails(payment.org_id, [payment.id])
            return payment

        carry_out(
            recorded,
            _("Payment recorded."),
            ceremony_id=invoice.ceremony_id,
            change=lambda payment: f"payment:{payment.id}",
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("billing.ceremony", ceremony_id=invoice.ceremony_id), 303)


@bp.route("/invoices/<int:invoice_id>/cancel", methods=["GET", "POST"])
@editor_required
def cancel_invoice(invoice_id: int):
    """Void an issued invoice once the planner confirms on this page (it cannot be undone); a
    draft, which has no number and was never sent, is deleted at once."""
    invoice = get_owned_or_404(Invoice, invoice_id)
    ceremony_id = invoice.ceremony_id
    back = url_for("billing.ceremony", ceremony_id=ceremony_id)
    draft = invoice.status == "draft"
    form = CancelInvoiceForm()
    if request.method == "POST" and (draft or form.confirmed.data == "yes"):
        if form.validate():
            carry_out(
                lambda: billing.cancel_invoice(invoice, utcnow()),
                _("Draft deleted.") if draft else _("Invoice cancelled; its number stays used."),
                ceremony_id=ceremony_id,
                change=lambda _invoice: f"invoice-cancel:{invoice_id}",
            )
        return redirect(back, 303)
    try:
        billing.check_cancellable(invoice)
    except billing.BillingError as error:
        flash(message(error.code), "error")
        return redirect(back, 303)
    if request.method == "POST":  # a button without the question: ask it, cancel nothing
        return redirect(url_for("billing.cancel_invoice", invoice_id=invoice.id), 303)
    return render_template(
        "billing/cancel_invoice.html",
        invoice=invoice,
        ceremony=db.session.get(Ceremony, ceremony_id),
        form=form,
        back=back + "#invoices",
    )


@bp.post("/invoices/<int:invoice_id>/credit")
@editor_required
def credit(invoice_id: int):
    invoice = get_owned_or_404(Invoice, invoice_id)
    form = CreditForm()
    if form.validate_on_submit():
        ceremony = db.session.get(Ceremony, invoice.ceremony_id)
        carry_out(
            lambda: billing.credit_note(
                invoice, form.amount.data, form.reason.data, billing.local_today(utcnow(), ceremony)
            ),
            _("Credit note issued."),
            ceremony_id=invoice.ceremony_id,
            change=lambda note: f"credit-note:{note.id}",
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("billing.ceremony", ceremony_id=invoice.ceremony_id), 303)


# --- bank statements, card events, the accountant's export ----------------------------------


@bp.post("/statements")
@editor_required
def import_statement():
    form = StatementForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_STATEMENT + 1)
        if len(data) > MAX_STATEMENT:
            flash(_("The file is larger than 10 MB."), "error")
            return redirect(url_for("billing.index"), 303)

        def imported_and_counted():
            imported = billing.import_statement(
                current_user.org_id,
                form.file.data.filename or "",
                data,
                utcnow(),
                on_paid=lambda ids: queue_receipt_mails(current_user.org_id, ids),
            )
            return imported, reports.outcome_counts(imported)  # counted before the commit

        carry_out(
            imported_and_counted,
            lambda result: _(
                "Imported %(lines)d credits (%(encoding)s): %(matched)d matched, %(partial)d "
                "partial, %(over)d over-paid, %(unmatched)d unmatched, %(duplicate)d seen "
                "before.",
                lines=result[0].line_count,
                encoding=result[0].encoding,
                **result[1],
            ),
        )
    else:
        flash(_("Choose a CSV file."), "error")
    return redirect(url_for("billing.index"), 303)


@bp.post("/statement-lines/<int:line_id>/settle")
@editor_required
def settle(line_id: int):
    line = db.session.scalar(db.select(BankLine).filter_by(id=line_id, org_id=current_user.org_id))
    if line is None:
        abort(404)
    form = SettleForm()
    if not form.validate_on_submit():
        # The menu's value is no id ("²", 2**31 and up): the same answer as an id not listed.
        if form.invoice_id.errors:
            flash(message("invoice_choice"), "error")
        else:
            flash_form_errors(form)
        return redirect(url_for("billing.index", _anchor="bank"), 303)
    invoice = None
    if not form.aside.data:
        invoice = form.invoice_id.data and db.session.scalar(
            org_select(Invoice).where(Invoice.id == form.invoice_id.data)
        )
        if not invoice:
            flash(message("invoice_choice"), "error")
            return redirect(url_for("billing.index", _anchor="bank"), 303)

    def settled():
        billing.settle_line(line, invoice, utcnow())
        queue_receipt_mails(line.org_id, billing.payments_of_line(line))

    carry_out(
        settled,
        _("Recorded on %(number)s.", number=invoice.display_number) if invoice else _("Set aside."),
    )
    return redirect(url_for("billing.index", _anchor="bank"), 303)


@bp.get("/export.csv")
@login_required
def export():
    data = reports.accountant_csv(current_user.org_id)
    response = Response(data, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="invoices.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@webhook_bp.post("/stripe/webhook")
def stripe_webhook():
    """Stripe's call: verified by its signature, applied once, kept for the planner."""
    settings = StripeSettings.from_config(current_app.config)
    if settings is None or not settings.webhook_secret:
        return {"error": "card payments are not configured"}, 404
    now = utcnow()
    event = handle_event(
        request.get_data(cache=False)[: 512 * 1024],
        request.headers.get("Stripe-Signature"),
        settings,
        now,
        now.astimezone(billing.BOOKS_ZONE).date(),
    )
    db.session.commit()
    if event.outcome == "bad_signature":
        return {"error": "bad signature"}, 400
    return {"outcome": event.outcome}, 200
