"""The planner's money pages, the bank import, the webhook over HTTP and the CSV export."""

import hashlib
import hmac
import io
import json
import re
import time
from datetime import date, timedelta

import pytest

from tests.billing.conftest import REGISTRATION
from wedding.billing import services as billing
from wedding.billing.models import (
    BOOKS_ZONE,
    BankLine,
    BillingProfile,
    Invoice,
    Payment,
    PaymentEvent,
    Plan,
    Quote,
)
from wedding.billing.money import Line
from wedding.ceremonies.models import Ceremony
from wedding.models import db, utcnow


def issue(app, ceremony, price: int, kind: str = "other", name: str = "x") -> tuple[int, str]:
    """An issued invoice of one line (10 % tax) due in 2030: its id and reference code."""
    with app.app_context():
        invoice = billing.create_invoice(
            db.session.get(Ceremony, ceremony.id),
            kind,
            date(2030, 1, 1),
            [Line(name, price, 1, 10)],
            date(2026, 11, 30),
        )
        db.session.commit()
        return invoice.id, invoice.reference_code


def test_invoice_details_refuse_a_wrong_registration_number(app, web, make_user):
    owner = make_user(role="owner")
    web.login(owner)
    form = {
        "issuer_name": "晴れの日",
        "registration_number": REGISTRATION[:-1] + str((int(REGISTRATION[-1]) + 1) % 10),
        "account_type": "ordinary",
        "deposit_percent": "30",
        "deposit_due_days": "7",
        "balance_days_before": "30",
        "cancellation_policy": "60: 0\n30: 50\n0: 100",
    }
    page = web.post("/billing/settings", form)
    assert page.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(BillingProfile)) is None
    form["registration_number"] = "ｔ" + REGISTRATION[1:]
    assert web.post("/billing/settings", form).status_code == 303
    with app.app_context():
        profile = db.session.scalar(db.select(BillingProfile))
        assert profile.registration_number == REGISTRATION
        assert profile.cancellation_policy == [[60, 0], [30, 50], [0, 100]]


def test_plans_show_tax_inclusive_prices(app, web, billed):
    user, _ = billed
    web.login(user)
    response = web.post(
        "/billing/plans/new",
        {"kind": "plan", "name": "証明書のみ", "unit_price": "7910", "tax_rate": "10"},
    )
    assert response.status_code == 303
    page = web.get("/billing/plans").get_data(as_text=True)
    assert "¥8,701" in page and "¥7,910" in page
    bad = web.post(
        "/billing/plans/new", {"kind": "plan", "name": "x", "unit_price": "-5", "tax_rate": "5"}
    )
    assert bad.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Plan.id))) == 1


@pytest.mark.parametrize(
    ("language", "incl"), [("ja", "（税込）"), ("en", " (tax incl.)")], ids=["ja", "en"]
)
def test_the_quote_form_says_its_prices_include_tax(web, billed, make_plan, language, incl):
    user, ceremony = billed
    plan = make_plan(user.org)
    option = make_plan(user.org, kind="option", name="引菓子", unit_price=1_000, tax_rate=8)
    web.login(user)
    web.post("/language", {"language": language})
    page = web.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert f'<option value="{plan.id}">人前式プラン · ¥220,000{incl}</option>' in page
    assert f'<label class="label" for="qty-{option.id}">引菓子 · ¥1,080{incl}</label>' in page


def test_quote_page_and_payment_flow(app, web, billed, make_plan):
    user, ceremony = billed
    plan = make_plan(user.org)
    option = make_plan(user.org, kind="option", name="等身大パネル", unit_price=30_000)
    web.login(user)
    url = f"/billing/ceremonies/{ceremony.id}"
    assert web.get(url).status_code == 200
    response = web.post(url, {"plan_id": plan.id, f"qty-{option.id}": "2", "notes": ""})
    assert response.status_code == 303
    bad = web.post(url, {"plan_id": plan.id, f"qty-{option.id}": "-1", "notes": "二人分の花"})
    # Shown again as typed, the quantity marked, the note kept (all was reverted before).
    assert bad.status_code == 200
    page = bad.get_data(as_text=True)
    assert re.search(r"<details open><summary>見積を変更", page)
    assert f'name="qty-{option.id}" value="-1" aria-invalid="true"' in page
    assert "数量は0〜1000の整数で" in page and "二人分の花" in page
    for typed in ("²", "1" * 5000):  # digits to str.isdigit, not to int(): they were a 500
        odd = web.post(url, {"plan_id": plan.id, f"qty-{option.id}": typed, "notes": ""})
        assert odd.status_code == 200 and "数量は0〜1000の整数で" in odd.get_data(as_text=True)
    with app.app_context():
        quote = db.session.scalar(db.select(Quote))
        assert quote.revision == 1
        assert [line.quantity for line in quote.lines] == [1, 2]
        invoice = billing.create_invoice(
            db.session.get(Ceremony, ceremony.id),
            "deposit",
            date(2030, 1, 1),
            [Line("申込金", 10_000, 1, 10)],
            date(2026, 11, 30),
        )
        db.session.commit()
        invoice_id = invoice.id
    page = web.get(url).get_data(as_text=True)
    assert "INV-000001" in page and "等身大パネル" in page
    pay = f"/billing/invoices/{invoice_id}/payments"
    form = {"amount": "11000", "method": "bank", "received_on": "2026-11-30", "note": ""}
    assert web.post(pay, form).status_code == 303
    again = web.post(pay, form, follow_redirects=True).get_data(as_text=True)
    assert "この請求書は入金済みです" in again
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).status == "paid"
        assert db.session.get(Ceremony, ceremony.id).status == "confirmed"
    pdf = web.get(f"/billing/invoices/{invoice_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    csv_text = web.get("/billing/export.csv").data.decode("utf-8-sig")
    assert "INV-000001" in csv_text and "11000" in csv_text


def upload_statement(web, data: bytes) -> str:
    """The money page after importing a bank statement file (200 whatever it holds)."""
    response = web.post(
        "/billing/statements",
        {"file": (io.BytesIO(data), "meisai.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_bank_import_page(app, web, billed):
    user, ceremony = billed
    _, code = issue(app, ceremony, 1_000)
    web.login(user)
    text = f"日付,入金額,振込依頼人名\n2026/12/01,1100,{code} ｻﾄｳ\n2026/12/02,500,ﾀﾅｶ\n"
    page = upload_statement(web, text.encode("shift_jis"))
    assert "一致 1件" in page and "不明 1件" in page  # the planner's language: Japanese
    assert "ﾀﾅｶ" in page  # waiting to be settled
    with app.app_context():
        outcomes = db.session.scalars(db.select(BankLine.outcome).order_by(BankLine.line_no))
        assert list(outcomes) == ["matched", "unmatched"]
    assert "日付・金額・振込依頼人" in upload_statement(web, b"foo,bar\n1,2\n")


def test_a_statement_with_a_day_still_to_come_is_refused_by_its_line(app, web, billed):
    """Days read the wrong way round (03/12 as 12 March) dated a payment and its receipt in the
    future; the file is refused, naming the line, and nothing is imported."""
    user, ceremony = billed
    _, code = issue(app, ceremony, 1_000)
    web.login(user)
    later = (utcnow() + timedelta(days=3)).astimezone(BOOKS_ZONE).date()
    text = f"日付,入金額,振込依頼人名\n2026/12/01,500,ﾀﾅｶ\n{later:%Y/%m/%d},1100,{code} ｻﾄｳ\n"
    page = upload_statement(web, text.encode("shift_jis"))
    assert "ファイルの3行目の日付がまだ来ていない日です" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(BankLine.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0


def test_a_deposit_that_could_not_confirm_its_hold_says_so_in_words(app, web, billed):
    """The money page showed the booking rule's code: 「振込手数料差引 [booking: not_held]」."""
    user, ceremony = billed
    invoice_id, _ = issue(app, ceremony, 1_000, kind="deposit")
    with app.app_context():
        held = db.session.get(Ceremony, ceremony.id)
        held.hold_expires_at = utcnow() - timedelta(minutes=1)
        invoice = db.session.get(Invoice, invoice_id)
        now = utcnow()
        billing.record_payment(invoice, 1_100, "bank", now.date(), now, note="振込手数料差引")
        db.session.commit()
    web.login(user)
    page = web.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert "[booking" not in page and "not_held" not in page
    assert "振込手数料差引" in page
    assert "挙式はすでに仮押さえではなかったため" in page


def _signed(payload: str, secret: str) -> str:
    at = int(time.time())
    mac = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def test_webhook_over_http(app, billed):
    app.config.update(STRIPE_API_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    _, ceremony = billed
    invoice_id, _ = issue(app, ceremony, 10_000, "deposit", "申込金")
    payload = json.dumps(
        {
            "id": "evt_http",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": "cs_1",
                    "amount_total": 11_000,
                    "currency": "jpy",
                    "payment_status": "paid",
                    "payment_intent": "pi_1",
                    "metadata": {"invoice_id": str(invoice_id)},
                }
            },
        }
    )
    client = app.test_client()
    bad = client.post(
        "/payments/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": "t=1,v1=00", "Content-Type": "application/json"},
    )
    assert bad.status_code == 400
    good = client.post(
        "/payments/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": _signed(payload, "whsec_x")},
    )
    assert good.status_code == 200 and good.get_json() == {"outcome": "applied"}
    replay = client.post(
        "/payments/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": _signed(payload, "whsec_x")},
    )
    assert replay.get_json() == {"outcome": "replayed"}
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).status == "paid"
        assert db.session.get(Ceremony, ceremony.id).status == "confirmed"
        assert db.session.scalar(db.select(db.func.count(PaymentEvent.id))) == 3


def test_each_invoices_forms_have_ids_of_their_own(app, web, billed):
    """Every label on the money page points at its own field (they all pointed at the first
    invoice's amount, method, date and note)."""
    user, ceremony = billed
    with app.app_context():
        for kind in ("deposit", "balance"):
            billing.create_invoice(
                db.session.get(Ceremony, ceremony.id),
                kind,
                date(2030, 1, 1),
                [Line("申込金", 10_000, 1, 10)],
                date(2026, 11, 30),
            )
        db.session.commit()
    web.login(user)
    page = web.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    labelled = re.findall(r'<label[^>]*\sfor="([^"]+)"', page)
    assert page.count("/payments") == 2 and page.count("/credit") >= 2  # two invoices' forms
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert len(labelled) == len(set(labelled)) and set(labelled) <= set(ids)


def test_a_payment_cannot_be_received_on_a_day_still_to_come(app, web, billed):
    """The walk-through recorded ¥74,364 received on 2030-01-01, and its receipt said so."""
    user, ceremony = billed
    invoice_id, _ = issue(app, ceremony, 10_000)
    web.login(user)
    pay = f"/billing/invoices/{invoice_id}/payments"
    later = (utcnow() + timedelta(days=2)).date()  # a day to come in any zone
    for day, said in [
        (later.isoformat(), "入金日に未来の日付は入れられません"),
        ("1900-01-01", "入金日："),  # the field is named with its error
        ("x", "入金日："),
    ]:
        form = {"amount": "11000", "method": "bank", "received_on": day, "note": ""}
        page = web.post(pay, form, follow_redirects=True).get_data(as_text=True)
        assert said in page, day
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0
        today = utcnow().astimezone(billing.BOOKS_ZONE).date()
        invoice = db.session.get(Invoice, invoice_id)
        billing.record_payment(invoice, 11_000, "bank", today, utcnow())  # today is fine


def test_a_bank_line_is_settled_on_an_invoice_chosen_by_its_number(app, web, billed):
    """The planner typed a database id: 99999 gave a 404 page, and a paid invoice's id took
    someone else's money as a second payment with a receipt in the client's name."""
    user, ceremony = billed
    paid_id, code = issue(app, ceremony, 1_000)  # paid in full by the statement's first line
    open_id, _ = issue(app, ceremony, 2_000, name="y")
    web.login(user)
    text = "日付,入金額,振込依頼人名\n" + "".join(
        f"2026/12/0{day},{amount},{name}\n"
        for day, amount, name in [(1, 1100, f"{code} ｻﾄｳ"), (2, 500, "ﾀﾅｶ"), (2, 700, "ｽｽﾞｷ")]
    )
    web.post(
        "/billing/statements",
        {"file": (io.BytesIO(text.encode("shift_jis")), "meisai.csv")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        tanaka, suzuki = db.session.scalars(
            db.select(BankLine.id).where(BankLine.outcome == "unmatched").order_by(BankLine.id)
        )
    page = web.get("/billing/").get_data(as_text=True)
    choices = re.findall(
        rf'<select id="inv-{tanaka}" name="invoice_id" required>(.*?)</select>', page, re.S
    )
    assert choices and "INV-000002" in choices[0] and "残額 ¥2,200" in choices[0]
    assert "INV-000001" not in choices[0]  # paid: not offered
    settle = f"/billing/statement-lines/{tanaka}/settle"
    for chosen, said in [
        ("99999", "一覧の請求書を選ぶか"),  # not the company's, or no such invoice
        ("99999999999999999999", "一覧の請求書を選ぶか"),  # no id at all (it was a 500)
        ("²", "一覧の請求書を選ぶか"),
        (str(paid_id), "この請求書は入金済みです"),
        ("", "一覧の請求書を選ぶか"),
    ]:
        response = web.post(settle, {"invoice_id": chosen}, follow_redirects=True)
        assert response.status_code == 200
        assert said in response.get_data(as_text=True), chosen
    with app.app_context():
        assert db.session.get(BankLine, tanaka).outcome == "unmatched"
        assert db.session.get(Invoice, paid_id).status == "paid"
    done = web.post(settle, {"invoice_id": str(open_id)}, follow_redirects=True)
    assert "INV-000002 に記録しました" in done.get_data(as_text=True)
    aside = web.post(f"/billing/statement-lines/{suzuki}/settle", {"aside": "保留にする"})
    assert aside.status_code == 303
    with app.app_context():
        assert db.session.get(BankLine, tanaka).outcome == "settled"
        assert db.session.get(Invoice, open_id).status == "partially_paid"
        assert db.session.get(BankLine, suzuki).outcome == "settled"
        assert db.session.get(BankLine, suzuki).invoice_id is None
    ceremony_page = web.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert (
        "銀行明細から手動で消込" in ceremony_page and "settled by the planner" not in ceremony_page
    )


@pytest.mark.parametrize(
    ("language", "plan", "option", "honorific"),
    [("en", "Civil-style plan", "Wedding sweets", False), ("ja", "人前式プラン", "引菓子", True)],
)
def test_plans_are_named_in_the_readers_language(
    app, web, billed, make_plan, language, plan, option, honorific
):
    """An English client signed an agreement for 「人前式プラン」 and 引菓子 × 2, addressed to
    「Jordan Ellis Carter 様」, though each plan had its English name; the planner's English
    pages named the plans in Japanese too."""
    from wedding.billing import documents
    from wedding.clients.models import Client

    user, ceremony = billed
    chosen = make_plan(user.org, name_en="Civil-style plan")
    sweets = make_plan(user.org, kind="option", name="引菓子", name_en="Wedding sweets")
    with app.app_context():
        client = db.session.get(Client, ceremony.client_id)
        client.language, client.full_name = language, "Jordan Carter"
        db.session.commit()
    web.login(user)
    web.post("/language", {"language": language})
    url = f"/billing/ceremonies/{ceremony.id}"
    form = web.get(url).get_data(as_text=True)
    assert f'<option value="{chosen.id}">{plan} · ' in form and f">{option} · " in form
    assert f">{plan}</a>" in web.get("/billing/plans").get_data(as_text=True)
    web.post(url, {"plan_id": chosen.id, f"qty-{sweets.id}": "2", "notes": ""})
    with app.app_context():
        quote = db.session.scalar(db.select(Quote))
        assert [line.description for line in quote.lines] == [plan, option]
        agreement = re.sub(r"<[^>]+>", " ", documents.agreement_document(quote))
        assert plan in agreement and ("Jordan Carter 様" in agreement) == honorific
        invoice = billing.create_invoice(
            db.session.get(Ceremony, ceremony.id),
            "other",
            date(2030, 1, 1),
            [Line(option, 1_000, 1, 8)],
            date(2026, 11, 30),
        )
        html = re.sub(r"<[^>]+>", " ", documents.invoice_html(invoice))
        assert ("Jordan Carter 様" in html) == honorific and "Jordan Carter" in html
