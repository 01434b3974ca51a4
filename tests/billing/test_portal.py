"""The client's side: the quote read and accepted in the portal, the signed agreement for both
sides, invoices, receipts, how to pay, and a card payment started through Stripe."""

import re
import subprocess

import pytest

from tests.billing.test_payments import FakeStripe, fake_stripe  # noqa: F401 - a fixture
from tests.conftest import Web
from tests.portal.test_portal import copy_link, path
from wedding.billing.models import Acceptance, Invoice, Quote
from wedding.clients.models import Client
from wedding.models import db


@pytest.fixture
def portal(app, web, billed, make_plan):
    """The planner made a quote; a second browser is in the client's portal."""
    user, ceremony = billed
    plan = make_plan(user.org, included="司会\n結婚証明書")
    option = make_plan(user.org, kind="option", name="引菓子", unit_price=1_000, tax_rate=8)
    web.login(user)
    web.post(f"/billing/ceremonies/{ceremony.id}", {"plan_id": plan.id, f"qty-{option.id}": "2"})
    with app.app_context():
        client_id = db.session.scalar(db.select(Quote)).ceremony.client_id
    with app.app_context():
        client = db.session.get(Client, client_id)
        db.session.expunge(client)
    link = copy_link(web, client)
    browser = Web(app)
    assert browser.get(path(link)).status_code == 303
    return browser, ceremony, web


def _hash(page: str) -> str:
    return re.search(r'name="document_sha256" value="([0-9a-f]{64})"', page).group(1)


def test_client_reads_and_accepts_the_quote(app, portal):
    browser, ceremony, planner = portal
    page = browser.get("/portal/").get_data(as_text=True)
    assert "人前式プラン" in page and "引菓子 ※" in page and "結婚証明書" in page
    assert "キャンセル規定" in page
    shown = _hash(page)
    wrong = browser.post(
        f"/portal/ceremonies/{ceremony.id}/accept",
        {"typed_name": "山田 太郎", "document_sha256": shown},
        follow_redirects=True,
    )
    assert wrong.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Acceptance.id))) == 0
    accepted = browser.post(
        f"/portal/ceremonies/{ceremony.id}/accept",
        {"typed_name": "佐藤美咲", "document_sha256": shown},
    )
    assert accepted.status_code == 303
    with app.app_context():
        acceptance = db.session.scalar(db.select(Acceptance))
        assert acceptance.document_sha256 == shown
        assert acceptance.address == "127.0.0.1"
        invoices = db.session.scalars(db.select(Invoice).order_by(Invoice.id)).all()
        assert [i.kind for i in invoices] == ["deposit", "balance"]
        reference = invoices[0].reference_code
    page = browser.get("/portal/").get_data(as_text=True)
    assert "INV-000001" in page and reference in page and "テスト銀行" in page
    pdf = browser.get(f"/portal/agreements/{acceptance.id}.pdf")
    assert pdf.status_code == 200
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    assert "佐藤美咲" in text and shown in text.replace("\n", "")
    # The planner gets the same signed PDF.
    assert planner.get(f"/billing/acceptances/{acceptance.id}.pdf").data == pdf.data
    assert browser.get(f"/portal/invoices/{invoices[0].id}.pdf").status_code == 200
    assert browser.get("/portal/invoices/99999.pdf").status_code == 404


def test_a_quote_changed_while_reading_is_not_accepted(app, portal):
    browser, ceremony, planner = portal
    shown = _hash(browser.get("/portal/").get_data(as_text=True))
    with app.app_context():
        quote = db.session.scalar(db.select(Quote))
        plan_id = quote.plan_id
    planner.post(f"/billing/ceremonies/{ceremony.id}", {"plan_id": plan_id})
    response = browser.post(
        f"/portal/ceremonies/{ceremony.id}/accept",
        {"typed_name": "佐藤 美咲", "document_sha256": shown},
        follow_redirects=True,
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Acceptance.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Invoice.id))) == 0


def test_pay_by_card_opens_stripe_checkout(app, portal, fake_stripe):  # noqa: F811
    app.config.update(
        STRIPE_API_KEY="sk_test_1", STRIPE_WEBHOOK_SECRET="whsec_1", STRIPE_API_BASE=fake_stripe
    )
    browser, ceremony, _ = portal
    page = browser.get("/portal/").get_data(as_text=True)
    browser.post(
        f"/portal/ceremonies/{ceremony.id}/accept",
        {"typed_name": "佐藤 美咲", "document_sha256": _hash(page)},
    )
    with app.app_context():
        deposit = db.session.scalar(db.select(Invoice).filter_by(kind="deposit"))
    response = browser.post(f"/portal/invoices/{deposit.id}/pay")
    assert response.status_code == 303
    waiting = response.headers["Location"]
    assert waiting.startswith(f"/portal/invoices/{deposit.id}/pay?job=")
    # The job ran when the request committed (tests run jobs at once): the page moves on.
    response = browser.get(waiting)
    assert response.status_code == 303
    assert response.headers["Location"] == "https://checkout.stripe.test/c/pay/cs_test_abc"
    status = browser.get(waiting.replace("/pay?", "/pay/status?")).get_json()
    assert status["status"] == "done"
    assert browser.get(f"/portal/invoices/{deposit.id}/pay?job=" + "0" * 32).status_code == 404
    _, _, form = FakeStripe.calls[-1]
    assert form["line_items[0][price_data][unit_amount]"] == [str(deposit.total)]
    with app.app_context():
        assert db.session.get(Invoice, deposit.id).checkout_session_id == "cs_test_abc"
