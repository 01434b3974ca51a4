"""Qualified invoices through the API and the CLI: numbering without gaps, totals per rate,
bad input refused with nothing saved, PDFs that print what the law asks."""

import re
import subprocess
from datetime import UTC, date, datetime

import pytest
from jsonschema import Draft202012Validator

from tests.billing.conftest import REGISTRATION
from tests.conftest import future_day
from wedding.accounts.models import User
from wedding.accounts.services import create_api_token
from wedding.api.openapi import openapi_document
from wedding.billing import services as billing
from wedding.billing.documents import invoice_html, render_invoice_pdf, render_receipt_pdf
from wedding.billing.models import Counter, Invoice, InvoiceLine
from wedding.billing.money import Line
from wedding.ceremonies.models import Ceremony
from wedding.models import db

SPEC = openapi_document("http://localhost")
DUE = future_day(20).isoformat()
NOW = datetime(2026, 12, 9, 3, 0, tzinfo=UTC)


def check(response, schema: str, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    kind = "application/problem+json" if status >= 400 else "application/json"
    assert response.mimetype == kind
    Draft202012Validator({"$ref": f"#/components/schemas/{schema}", **SPEC}).validate(
        response.get_json()
    )
    return response.get_json()


@pytest.fixture
def api(app, billed):
    user, ceremony = billed
    with app.app_context():
        _, secret = create_api_token(db.session.get(User, user.id), "tests")
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}

    class Api:
        def get(self, url):
            return client.get(url, headers=headers)

        def post(self, url, json=None, **kw):
            return client.post(url, headers=headers, json=json, **kw)

    Api.user, Api.ceremony = user, ceremony
    return Api()


ITEMS = [
    {"description": "人前式プラン", "unit_price": 200_000, "quantity": 1, "tax_rate": 10},
    {"description": "引菓子", "unit_price": 1_234, "quantity": 3, "tax_rate": 8},
    {"description": "AR グラス", "unit_price": 333, "quantity": 3, "tax_rate": 10},
    {"description": "証明書発行手数料", "unit_price": 500, "quantity": 1, "tax_rate": 0},
]


def test_create_and_read_an_invoice(app, api):
    body = {"kind": "deposit", "due": DUE, "items": ITEMS}
    created = check(
        api.post(f"/api/v1/ceremonies/{api.ceremony.id}/invoices", body), "Invoice", 201
    )
    assert created["number"] == "INV-000001"
    assert created["status"] == "issued"
    assert created["subtotal_by_rate"] == {"10": 200_999, "8": 3_702, "0": 500}
    assert created["tax_by_rate"] == {"10": 20_099, "8": 296, "0": 0}  # 296.16 → 296 once
    assert created["total"] == 200_999 + 3_702 + 500 + 20_099 + 296
    assert created["registration_number"] == REGISTRATION
    again = check(api.get(f"/api/v1/invoices/{created['id']}"), "Invoice", 200)
    assert again == created
    second = check(api.post(f"/api/v1/ceremonies/{api.ceremony.id}/invoices", body), "Invoice", 201)
    assert second["number"] == "INV-000002"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "refund"}, "kind"),
        ({"due": "30/11/2026"}, "due"),
        ({"due": "0001-01-01"}, "due"),  # the web form's range: 1990 to 2100
        ({"due": "9999-12-31"}, "due"),
        ({"due": 20270101}, "due"),
        ({"items": []}, "items"),
        ({"items": [{**ITEMS[0], "quantity": -1}]}, "quantity"),
        ({"items": [{**ITEMS[0], "tax_rate": 5}]}, "tax_rate"),
        ({"items": [{**ITEMS[0], "unit_price": 99.5}]}, "unit_price"),
        ({"items": [ITEMS[0], {**ITEMS[1], "description": ""}]}, "description"),
    ],
)
def test_bad_invoices_are_problems_and_use_no_number(app, api, change, field):
    body = {"kind": "deposit", "due": DUE, "items": ITEMS, **change}
    problem = check(
        api.post(f"/api/v1/ceremonies/{api.ceremony.id}/invoices", body), "Problem", 422
    )
    assert problem["field"] == field
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invoice.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Counter.org_id))) == 0
    good = api.post(
        f"/api/v1/ceremonies/{api.ceremony.id}/invoices",
        {**body, **{"kind": "deposit", "due": DUE, "items": ITEMS}},
    )
    assert good.get_json()["number"] == "INV-000001"  # no gap after a refusal


def test_no_registration_number_no_qualified_invoice(app, make_user, make_ceremony):
    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    with app.app_context():
        _, secret = create_api_token(db.session.get(User, user.id), "t")
        db.session.commit()
    response = app.test_client().post(
        f"/api/v1/ceremonies/{ceremony.id}/invoices",
        json={"kind": "other", "due": DUE, "items": ITEMS},
        headers={"Authorization": f"Bearer {secret}"},
    )
    problem = check(response, "Problem", 422)
    assert "registration number" in problem["detail"]


def test_other_company_ceremonies_and_invoices_are_404(
    app, api, make_user, make_profile, make_ceremony
):
    other = make_user()
    make_profile(other.org)
    foreign = make_ceremony(other.org)
    with app.app_context():
        ceremony = db.session.get(Ceremony, foreign.id)
        invoice = billing.create_invoice(
            ceremony, "other", date(2030, 1, 1), [Line("x", 100, 1, 10)], date(2026, 1, 1)
        )
        db.session.commit()
        invoice_id = invoice.id
    body = {"kind": "deposit", "due": DUE, "items": ITEMS}
    check(api.post(f"/api/v1/ceremonies/{foreign.id}/invoices", body), "Problem", 404)
    check(api.get(f"/api/v1/invoices/{invoice_id}"), "Problem", 404)
    check(api.get("/api/v1/invoices/999999"), "Problem", 404)


def test_numbers_are_per_company_and_a_rollback_gives_the_number_back(
    app_ctx, billed, make_user, make_profile, make_ceremony
):
    _, ceremony = billed
    other = make_user()
    make_profile(other.org)
    theirs = make_ceremony(other.org)
    ours = db.session.get(Ceremony, ceremony.id)
    line = [Line("人前式", 1000, 1, 10)]
    first = billing.create_invoice(ours, "other", date(2030, 1, 1), line, date(2026, 1, 1))
    db.session.commit()
    billing.create_invoice(ours, "other", date(2030, 1, 1), line, date(2026, 1, 1))
    db.session.rollback()
    again = billing.create_invoice(ours, "other", date(2030, 1, 1), line, date(2026, 1, 1))
    foreign = billing.create_invoice(
        db.session.get(Ceremony, theirs.id), "other", date(2030, 1, 1), line, date(2026, 1, 1)
    )
    db.session.commit()
    assert (first.number, again.number, foreign.number) == (1, 2, 1)


def test_the_database_refuses_a_repeated_number(app_ctx, billed):
    from sqlalchemy.exc import IntegrityError

    _, ceremony = billed
    ours = db.session.get(Ceremony, ceremony.id)
    invoice = billing.create_invoice(
        ours, "other", date(2030, 1, 1), [Line("x", 1, 1, 10)], date(2026, 1, 1)
    )
    db.session.commit()
    copy = billing.draft_invoice(ours, "other", date(2030, 1, 1), [Line("x", 1, 1, 10)])
    copy.status, copy.number, copy.issue_date = "issued", invoice.number, date(2026, 1, 1)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(InvoiceLine.id))) == 1


def _pdftotext(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_pdf_is_a_qualified_invoice(app_ctx, billed):
    _, ceremony = billed
    ours = db.session.get(Ceremony, ceremony.id)
    lines = [Line("人前式プラン", 200_000, 1, 10), Line("引菓子 <b>", 1_234, 3, 8)]
    invoice = billing.create_invoice(ours, "deposit", date(2030, 1, 1), lines, date(2026, 11, 30))
    db.session.commit()
    text = _pdftotext(render_invoice_pdf(invoice))
    for expected in (
        "請求書",
        "INV-000001",
        REGISTRATION,
        "晴れの日ブライダル株式会社",
        "佐藤 美咲 様",
        "2026年11月30日(月)",  # issued, as every Japanese page writes a day
        "引菓子 <b> ※",
        "軽減税率",
        "¥200,000",
        "¥20,000",
        "¥3,702",
        "¥296",
        "¥223,998",
        invoice.reference_code,
        "テスト銀行",
    ):
        assert expected in text, expected
    fonts = subprocess.run(
        ["pdffonts", "-"], input=render_invoice_pdf(invoice), capture_output=True, check=True
    ).stdout.decode()
    assert "IPAex" in fonts


def test_the_pdf_says_what_is_left_to_pay_once_something_was_paid(app_ctx, billed):
    """A deposit invoice with the ¥30,000 booking deposit on it headlined only its total."""
    _, ceremony = billed
    ours = db.session.get(Ceremony, ceremony.id)
    lines = [Line("人前式プラン", 70_000, 1, 10)]  # ¥77,000
    invoice = billing.create_invoice(ours, "deposit", date(2030, 1, 1), lines, date(2026, 11, 30))
    billing.record_payment(invoice, 30_000, "bank", date(2026, 12, 1), NOW)
    db.session.commit()
    text = " ".join(_pdftotext(render_invoice_pdf(invoice)).split())
    assert "ご請求額 Amount due ¥77,000" in text
    assert "うち入金済 ¥30,000 · お支払い残額 ¥47,000" in text and "Left to pay ¥47,000" in text
    assert invoice.reference_code in text  # still to pay: how to pay stays
    billing.record_payment(invoice, 47_000, "bank", date(2026, 12, 2), NOW)
    db.session.commit()
    text = " ".join(_pdftotext(render_invoice_pdf(invoice)).split())
    assert "お支払いは不要です Paid in full" in text and "お振込先" not in text


def test_cli_renders_an_invoice(app, billed, tmp_path):
    _, ceremony = billed
    with app.app_context():
        invoice = billing.create_invoice(
            db.session.get(Ceremony, ceremony.id),
            "other",
            date(2030, 1, 1),
            [Line("証明書のみ", 8_700, 1, 10)],
            date(2026, 11, 30),
        )
        db.session.commit()
        invoice_id = invoice.id
    out = tmp_path / "invoice.pdf"
    result = app.test_cli_runner().invoke(
        args=["invoice", "render", str(invoice_id), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "¥9,570" in _pdftotext(out.read_bytes())
    result = app.test_cli_runner().invoke(args=["invoice", "render", "99999", "-o", str(out)])
    assert result.exit_code != 0
    assert "No invoice 99999" in result.output


@pytest.mark.parametrize(
    ("language", "issued", "due", "received"),
    [
        ("ja", "2026年11月30日(月)", "2030年1月1日(火)", "2026年12月9日(水)"),
        ("en", "Mon 30 Nov 2026", "Tue 1 Jan 2030", "Wed 9 Dec 2026"),
    ],
)
def test_invoice_and_receipt_pdfs_write_days_in_the_clients_language(
    app_ctx, billed, language, issued, due, received
):
    _, ceremony = billed
    ours = db.session.get(Ceremony, ceremony.id)
    ours.client.language = language
    lines = [Line("人前式プラン", 200_000, 1, 10)]
    invoice = billing.create_invoice(ours, "deposit", date(2030, 1, 1), lines, date(2026, 11, 30))
    payment = billing.record_payment(invoice, 1_000, "bank", date(2026, 12, 9), NOW)
    db.session.commit()
    text = " ".join(_pdftotext(render_invoice_pdf(invoice)).split())
    assert issued in text and due in text
    receipt = " ".join(_pdftotext(render_receipt_pdf(payment)).split())
    assert received in receipt
    assert not re.search(r"\d{4}-\d\d-\d\d", text + receipt)  # no ISO day left for a person


@pytest.mark.parametrize(
    ("language", "for_invoice"),
    [
        ("ja", "INV-000001（2026年11月30日(月)）"),
        ("en", "INV-000001 (Mon 30 Nov 2026)"),
    ],
    ids=["ja", "en"],
)
def test_printed_japanese_takes_full_width_brackets_and_english_half_width(
    app_ctx, billed, language, for_invoice
):
    _, ceremony = billed
    ours = db.session.get(Ceremony, ceremony.id)
    ours.client.language = language
    lines = [Line("人前式プラン", 200_000, 1, 10)]
    invoice = billing.create_invoice(ours, "deposit", date(2030, 1, 1), lines, date(2026, 11, 30))
    note = billing.credit_note(invoice, 1_000, "値引き", date(2026, 12, 1))
    voided = billing.create_invoice(ours, "other", date(2030, 1, 1), lines, date(2026, 12, 1))
    billing.cancel_invoice(voided, NOW)
    db.session.commit()
    page = invoice_html(voided)
    assert "無効（取消済） · VOID (cancelled)" in page
    assert "消費税（10%） Tax" in page and "合計（税込） Total (tax incl.)" in page
    assert "無効（取消済）" not in invoice_html(invoice)
    # the credit note names the invoice and its day, in the client's language
    assert f"<td>{for_invoice}</td>" in invoice_html(note)
