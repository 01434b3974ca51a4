"""Card payments through Stripe Checkout: a session per invoice, confirmed by a signed webhook.

The Stripe call is remote: make_checkout runs outside any open transaction (the view commits
first), and nothing here commits."""

import json
from dataclasses import dataclass
from datetime import date, datetime

import stripe

from wedding.accounts.models import Organisation
from wedding.billing.mails import queue_receipt_mails
from wedding.billing.models import Invoice, PaymentEvent
from wedding.billing.services import BillingError, record_payment
from wedding.inputs import DB_INT_MAX, load_json, parse_id
from wedding.models import db

PAYLOAD_KEPT = 20_000  # characters of an event kept for the planner to see


@dataclass(frozen=True)
class StripeSettings:
    api_key: str
    webhook_secret: str
    api_base: str | None = None  # tests point this at a local server

    @classmethod
    def from_config(cls, config) -> "StripeSettings | None":
        if not config.get("STRIPE_API_KEY"):
            return None
        return cls(
            config["STRIPE_API_KEY"],
            config.get("STRIPE_WEBHOOK_SECRET", ""),
            config.get("STRIPE_API_BASE"),
        )


def client(settings: StripeSettings) -> stripe.StripeClient:
    base = {"api": settings.api_base} if settings.api_base else None
    return stripe.StripeClient(settings.api_key, base_addresses=base, max_network_retries=1)


@dataclass(frozen=True)
class CheckoutRequest:
    """What a checkout session needs, read from the invoice before the remote call."""

    invoice_id: int
    org_id: int
    description: str
    amount: int  # yen: JPY has no minor unit
    email: str


def checkout_request(invoice: Invoice, email: str) -> CheckoutRequest:
    if invoice.kind == "credit" or invoice.status not in ("issued", "partially_paid"):
        raise BillingError("not_payable")
    return CheckoutRequest(
        invoice.id, invoice.org_id, invoice.display_number, invoice.open_amount, email
    )


def make_checkout(
    settings: StripeSettings, request: CheckoutRequest, success_url: str, cancel_url: str
) -> tuple[str, str]:
    """Create a Checkout session for the open amount; returns (session id, URL).
    BillingError('card_unavailable') if Stripe cannot be reached or refuses."""
    params = {
        "mode": "payment",
        "success_url": success_url,
        "cancel_url": cancel_url,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "jpy",
                    "unit_amount": request.amount,
                    "product_data": {"name": request.description},
                },
            }
        ],
        "metadata": {"invoice_id": str(request.invoice_id), "org_id": str(request.org_id)},
        "payment_intent_data": {"metadata": {"invoice_id": str(request.invoice_id)}},
    }
    if request.email:
        params["customer_email"] = request.email
    try:
        session = client(settings).v1.checkout.sessions.create(params=params)
    except stripe.StripeError as error:
        raise BillingError("card_unavailable") from error
    return session.id, session.url


def handle_event(
    payload: bytes, signature: str | None, settings: StripeSettings, now: datetime, today: date
) -> PaymentEvent:
    """Verify and apply a webhook call. Every call is kept with its outcome: bad_signature,
    ignored (a type we do not act on), unknown_invoice, replayed (already applied: nothing
    changes), refused (e.g. wrong currency or already paid) or applied."""
    text = payload.decode("utf-8", "replace")
    try:
        event = stripe.Webhook.construct_event(text, signature or "", settings.webhook_secret)
    except (stripe.SignatureVerificationError, ValueError):
        # Nothing of it is applied; but when it names one of our invoices, the company of
        # that invoice sees it (a misconfigured secret, or someone knocking), not only us.
        claimed = _unverified(text)
        invoice = _invoice(claimed.get("invoice_id"))
        return _keep(
            invoice.org_id if invoice else None,
            claimed.get("id"),
            claimed.get("type", ""),
            invoice.id if invoice else None,
            "bad_signature",
            text[:2000],
        )
    kept = text[:PAYLOAD_KEPT]
    data = event.to_dict() if hasattr(event, "to_dict") else json.loads(text)
    obj = (data.get("data") or {}).get("object") or {}
    metadata = obj.get("metadata") or {}
    invoice = _invoice(metadata.get("invoice_id"))
    # A signed event names our company in its metadata even when the invoice is gone.
    org_id = invoice.org_id if invoice else _org(metadata.get("org_id"))
    invoice_id = invoice.id if invoice else None
    if data.get("type") not in ("checkout.session.completed",):
        return _keep(org_id, data.get("id"), data.get("type", ""), invoice_id, "ignored", kept)
    if invoice is None:
        return _keep(org_id, data.get("id"), data["type"], None, "unknown_invoice", kept)
    already = db.session.scalar(
        db.select(PaymentEvent.id).filter_by(event_id=data["id"], outcome="applied")
    )
    if already:
        return _keep(org_id, data["id"], data["type"], invoice_id, "replayed", kept)
    amount = obj.get("amount_total")
    if (
        obj.get("payment_status") != "paid"
        or str(obj.get("currency", "")).lower() != "jpy"
        or not isinstance(amount, int)
        or amount <= 0
    ):
        return _keep(org_id, data["id"], data["type"], invoice_id, "refused", kept)
    payment = {
        "payer": (obj.get("customer_details") or {}).get("name") or "",
        "external_ref": obj.get("payment_intent") or obj.get("id"),
        "note": f"Stripe {obj.get('id', '')}",
    }
    outcome = "applied"
    try:
        with db.session.begin_nested():
            recorded = record_payment(invoice, amount, "card", today, now, **payment)
    except BillingError as error:
        if error.code not in ("already_paid", "over"):
            outcome = "replayed" if error.code == "duplicate" else "refused"
            return _keep(org_id, data["id"], data["type"], invoice_id, outcome, kept)
        # The card was charged although the invoice was paid meanwhile (e.g. by transfer):
        # the money is recorded, and shows as paid above the total for the planner to refund.
        outcome = "over_paid"
        with db.session.begin_nested():
            recorded = record_payment(
                invoice, amount, "card", today, now, allow_over=True, **payment
            )
    queue_receipt_mails(recorded.org_id, [recorded.id])
    return _keep(org_id, data["id"], data["type"], invoice_id, outcome, kept)


def _unverified(text: str) -> dict:
    """What an unsigned payload claims (event id, type, invoice id), for display only."""
    try:
        data = load_json(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    obj = data.get("data") if isinstance(data.get("data"), dict) else {}
    obj = obj.get("object") if isinstance(obj.get("object"), dict) else {}
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    claimed = {"invoice_id": metadata.get("invoice_id")}
    for name in ("id", "type"):
        if isinstance(data.get(name), str):
            claimed[name] = data[name][:100]
    return claimed


def recent_events(*, unmatched: bool = False, limit: int = 100) -> list[PaymentEvent]:
    """The latest webhook calls for the site's operator; ``unmatched``: those no company sees."""
    stmt = db.select(PaymentEvent).order_by(PaymentEvent.id.desc()).limit(limit)
    if unmatched:
        stmt = stmt.where(PaymentEvent.org_id.is_(None))
    return list(db.session.scalars(stmt))


def _invoice(value) -> Invoice | None:
    invoice_id = value if isinstance(value, int) and not isinstance(value, bool) else None
    invoice_id = parse_id(value) if isinstance(value, str) else invoice_id
    if invoice_id is None or not 0 < invoice_id <= DB_INT_MAX:
        return None
    return db.session.get(Invoice, invoice_id)


def _org(value) -> int | None:
    org_id = parse_id(value) if isinstance(value, str) else None
    if org_id is None or db.session.get(Organisation, org_id) is None:
        return None
    return org_id


def _keep(org_id, event_id, event_type, invoice_id, outcome, payload) -> PaymentEvent:
    event = PaymentEvent(
        org_id=org_id,
        provider="stripe",
        event_id=event_id,
        event_type=(event_type or "")[:100],
        invoice_id=invoice_id,
        outcome=outcome,
        payload=payload,
    )
    db.session.add(event)
    db.session.flush()
    return event
