"""Money in the client's own data: the export zip holds their invoices, credit notes, receipts
and signed agreements (PDF, listed in client.json); erasure keeps issued invoices with the
name printed on them (tax law: seven years), and the pages say so."""

import io
import json
import zipfile

from tests.billing.test_payments import (
    NOW,
    TODAY,
    accept,
    quoted,  # noqa: F401 - a fixture
)
from tests.billing.test_portal import portal  # noqa: F401 - a fixture
from wedding.billing import services as billing
from wedding.billing.models import Invoice
from wedding.billing.money import Line
from wedding.billing.tasks import render_agreement
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.privacy.services import export_client


def test_the_export_holds_invoices_receipts_credit_notes_and_agreements(quoted):  # noqa: F811
    ceremony, quote = quoted
    accept(quote)
    deposit, balance = billing.invoices_of(ceremony.id)
    payment = billing.record_payment(deposit, deposit.total, "bank", TODAY, NOW)
    note = billing.credit_note(deposit, 1_000, "値引き", TODAY)
    billing.draft_one_off(
        ceremony, TODAY, [{"description": "下書き", "unit_price": 1, "tax_rate": 10}]
    )
    db.session.commit()
    client_id, acceptance_id = ceremony.client_id, quote.acceptances[0].id
    # Just signed, its PDF still being rendered: listed as pending, no file in the zip.
    archive = zipfile.ZipFile(io.BytesIO(export_client(db.session.get(Client, client_id))))
    assert not any(name.startswith("agreements/") for name in archive.namelist())
    (record,) = json.loads(archive.read("client.json"))["ceremonies"]
    (agreement,) = record["agreements"]
    assert agreement["file"] is None and agreement["pdf_pending"] is True
    render_agreement(acceptance_id)
    archive = zipfile.ZipFile(io.BytesIO(export_client(db.session.get(Client, client_id))))
    names = set(archive.namelist())
    expected = {
        f"invoices/{deposit.display_number}.pdf",
        f"invoices/{balance.display_number}.pdf",
        f"invoices/{note.display_number}.pdf",
        f"receipts/{payment.display_receipt_number}.pdf",
        f"agreements/agreement-{quote.id}-r1.pdf",
    }
    assert expected <= names
    assert all(archive.read(name).startswith(b"%PDF") for name in expected)
    assert not any("下書き" in name for name in names)
    (record,) = json.loads(archive.read("client.json"))["ceremonies"]
    assert [i["number"] for i in record["invoices"]] == [
        deposit.display_number,
        balance.display_number,
        note.display_number,
    ]  # the draft was never sent: not part of it
    assert record["invoices"][2]["credit_for_id"] == deposit.id
    assert record["receipts"][0]["amount"] == deposit.total
    (agreement,) = record["agreements"]
    assert agreement["typed_name"] == "佐藤 美咲" and len(agreement["document_sha256"]) == 64
    assert agreement["pdf_pending"] is False
    money = ("invoices", "receipts", "agreements")
    assert {entry["file"] for key in money for entry in record[key]} == expected


def test_erasure_keeps_issued_invoices_with_the_name_and_says_so(app, web, billed):
    user, ceremony = billed
    with app.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        invoice = billing.create_invoice(record, "other", TODAY, [Line("x", 100, 1, 10)], TODAY)
        db.session.commit()
        invoice_id, client_id = invoice.id, record.client_id
    web.login(user)
    page = web.get(f"/clients/{client_id}/erase").get_data(as_text=True)
    assert "7年間" in page
    web.post("/language", {"language": "en", "next": "/"})
    page = web.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "kept for seven years, as tax law requires" in page
    assert web.post(f"/clients/{client_id}/erase", {"confirm": "佐藤 美咲"}).status_code == 302
    with app.app_context():
        assert db.session.get(Client, client_id) is None
        kept = db.session.get(Invoice, invoice_id)
        assert kept.recipient_name == "佐藤 美咲" and kept.status == "issued"


def test_the_portal_tells_the_client_what_is_kept(app, portal):  # noqa: F811
    browser, _, _ = portal
    page = browser.get("/portal/").get_data(as_text=True)
    assert "発行から7年間保存します" in page
