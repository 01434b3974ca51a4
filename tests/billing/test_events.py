"""Webhook calls nobody could see: a bad signature naming one of our invoices shows on that
company's payments page; the rest are listed for the site's operator by
`flask payments events [--unmatched]`. An unsigned call still changes nothing."""

import json
from datetime import date

import pytest

from tests.billing.test_payments import completed_event, signed
from wedding.billing import services as billing
from wedding.billing.models import Payment, PaymentEvent
from wedding.billing.money import Line
from wedding.ceremonies.models import Ceremony
from wedding.models import db

SECRET = "whsec_test_secret"


@pytest.fixture
def invoice_id(app, billed):
    app.config.update(STRIPE_API_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET=SECRET)
    _, ceremony = billed
    with app.app_context():
        invoice = billing.create_invoice(
            db.session.get(Ceremony, ceremony.id),
            "deposit",
            date(2030, 1, 1),
            [Line("申込金", 10_000, 1, 10)],
            date(2026, 11, 30),
        )
        db.session.commit()
        return invoice.id


def post(app, payload: str, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return app.test_client().post("/payments/stripe/webhook", data=payload, headers=headers)


def test_a_bad_signature_for_our_invoice_shows_on_that_company_page(
    app, web, billed, invoice_id, make_user
):
    user, _ = billed
    payload = completed_event(invoice_id, 11_000, "evt_forged")
    assert post(app, payload, signed(payload, "whsec_wrong")).status_code == 400
    assert post(app, payload, None).status_code == 400
    with app.app_context():
        events = db.session.scalars(db.select(PaymentEvent)).all()
        assert [(e.org_id, e.invoice_id, e.outcome) for e in events] == [
            (user.org_id, invoice_id, "bad_signature")
        ] * 2
        assert events[0].event_id == "evt_forged"
        assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0  # nothing applied
    web.login(user)
    page = web.get("/billing/").get_data(as_text=True)
    assert page.count("checkout.session.completed") == 2
    assert f'href="/billing/invoices/{invoice_id}"' in page
    web.logout()
    web.login(make_user(role="owner"))  # another company sees none of it
    assert "checkout.session.completed" not in web.get("/billing/").get_data(as_text=True)
    # the real event afterwards is applied once: the forged ones did not count as applied
    assert post(app, payload, signed(payload, SECRET)).get_json() == {"outcome": "applied"}


def test_operator_lists_the_calls_no_company_sees(app, invoice_id):
    unknown = completed_event(999_999, 100, "evt_unknown")
    ours = completed_event(invoice_id, 11_000, "evt_ours")
    post(app, unknown, signed(unknown, SECRET))
    post(app, unknown, "t=1,v1=00")
    post(app, ours, "t=1,v1=00")
    runner = app.test_cli_runner()
    everything = runner.invoke(args=["payments", "events"])
    assert everything.exit_code == 0, everything.output
    lines = everything.output.splitlines()
    assert len(lines) == 3 and "evt_ours" in lines[0]  # newest first
    assert f"invoice={invoice_id}" in lines[0] and "org=-" not in lines[0]
    unmatched = runner.invoke(args=["payments", "events", "--unmatched"]).output.splitlines()
    assert len(unmatched) == 2 and not any("evt_ours" in line for line in unmatched)
    assert "unknown_invoice" in unmatched[1] and "bad_signature" in unmatched[0]
    assert all("org=-" in line for line in unmatched)


@pytest.mark.parametrize(
    "invoice_ref",
    [str(2**31), 2**40, "-1", "0", "１２", "x", None, [1], {"a": 1}, True, 1.5],
)
def test_hostile_unsigned_payloads_are_kept_without_a_company(app, invoice_id, invoice_ref):
    event = json.loads(completed_event(invoice_id, 11_000, "evt_x"))
    event["data"]["object"]["metadata"]["invoice_id"] = invoice_ref
    payload = json.dumps(event)
    assert post(app, payload, "t=1,v1=00").status_code == 400
    deep = "[" * 5000 + "]" * 5000
    assert post(app, deep, "t=1,v1=00").status_code == 400
    with app.app_context():
        kept = db.session.scalars(db.select(PaymentEvent)).all()
        assert [(e.org_id, e.outcome) for e in kept] == [(None, "bad_signature")] * 2
