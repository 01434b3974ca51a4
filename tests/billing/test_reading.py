"""What a planner or a client reads on the money pages: whom an invoice is addressed to, a
question before an invoice is voided, one Japanese word for a void invoice, sums worded as the
PDF words them, a void invoice that asks for no payment, and each invoice's own page."""

import re
from datetime import UTC, date, datetime

import lxml.html
import pytest

from tests.billing.test_payments import accept
from tests.billing.test_portal import portal  # noqa: F401 - a fixture
from wedding.billing import services as billing
from wedding.billing.documents import invoice_html
from wedding.billing.models import INVOICE_STATUSES, Invoice, Plan
from wedding.billing.money import Line
from wedding.billing.views import invoice_status_label
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.views import status_label
from wedding.models import db, utcnow


def _issue(app, ceremony, lines=None) -> int:
    with app.app_context():
        invoice = billing.create_invoice(
            db.session.get(Ceremony, ceremony.id),
            "deposit",
            date(2030, 1, 1),
            lines or [Line("申込金", 10_000, 1, 10)],
            date(2026, 11, 30),
        )
        db.session.commit()
        return invoice.id


def _status(app, invoice_id: int) -> str:
    with app.app_context():
        return db.session.get(Invoice, invoice_id).status


@pytest.mark.parametrize(
    ("language", "addressee"),
    [("ja", "宛先：佐藤 美咲"), ("en", "Addressed to: 佐藤 美咲")],
    ids=["ja", "en"],
)
def test_the_invoice_page_says_whom_it_is_addressed_to(app, web, billed, language, addressee):
    """「To」 was one message for the addressee and for the audit filter's last day (まで)."""
    user, ceremony = billed
    invoice_id = _issue(app, ceremony)
    web.login(user)
    web.post("/language", {"language": language})
    page = web.get(f"/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert addressee in page
    assert "まで" not in page


def test_the_audit_trail_still_filters_up_to_a_day(web, make_user):
    web.login(make_user(role="owner"))
    page = web.get("/audit").get_data(as_text=True)
    assert '<label for="to">まで</label>' in page
    # 「From」 is the filter's first day (開始); the column of addresses is where one came from.
    assert '<label for="from">開始</label>' in page
    assert '<th scope="col">接続元</th>' in page and '<th scope="col">開始</th>' not in page


def test_cancelling_an_invoice_asks_first(app, web, billed):
    user, ceremony = billed
    invoice_id = _issue(app, ceremony)
    cancel = f"/billing/invoices/{invoice_id}/cancel"
    web.login(user)
    money = web.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert f'<a class="btn btn-danger" href="{cancel}">この請求書を取り消す</a>' in money
    assert f'action="{cancel}"' not in money  # no one-click button on the money page

    # a post without the question answered (an old page's button) cancels nothing: it asks
    asked = web.post(cancel)
    assert asked.status_code == 303 and asked.headers["Location"].endswith(cancel)
    assert _status(app, invoice_id) == "issued"
    question = web.get(cancel)
    assert question.status_code == 200
    page = question.get_data(as_text=True)
    assert "元に戻せません" in page and "¥11,000" in page
    assert (
        '<button type="submit" class="btn btn-danger">はい、この請求書を取り消します</button>'
        in page
    )
    assert 'name="confirmed" type="hidden" value="yes"' in page

    # the answer needs its CSRF token like every form
    assert web.post(cancel, {"confirmed": "yes"}, csrf=False).status_code == 400
    assert _status(app, invoice_id) == "issued"

    done = web.post(cancel, {"confirmed": "yes"}, follow_redirects=True)
    assert "請求書を取り消しました" in done.get_data(as_text=True)
    assert _status(app, invoice_id) == "cancelled"
    # asked again, it says the invoice is void already
    again = web.get(cancel, follow_redirects=True).get_data(as_text=True)
    assert "この請求書は取消済です。" in again


def test_a_viewer_cannot_cancel_an_invoice(app, web, billed, make_user):
    user, ceremony = billed
    invoice_id = _issue(app, ceremony)
    web.login(make_user(user.org, role="viewer"))
    cancel = f"/billing/invoices/{invoice_id}/cancel"
    assert web.get(cancel).status_code == 403
    assert web.post(cancel, {"confirmed": "yes"}).status_code == 403
    assert _status(app, invoice_id) == "issued"


def test_a_void_invoice_reads_as_the_pdf_says_and_a_cancelled_ceremony_keeps_its_word(
    app,
    portal,  # noqa: F811
):
    browser, ceremony, planner = portal
    invoice_id = _issue(app, ceremony)
    with app.app_context():
        billing.cancel_invoice(db.session.get(Invoice, invoice_id), utcnow())
        db.session.commit()
    badge = '<span class="badge badge-cancelled">取消済</span>'
    assert badge in planner.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert badge in planner.get(f"/billing/invoices/{invoice_id}").get_data(as_text=True)
    client_page = browser.get("/portal/").get_data(as_text=True)
    assert "<td>取消済</td>" in client_page and ">キャンセル</td>" not in client_page
    with app.test_request_context("/", headers={"Accept-Language": "ja"}):
        assert status_label("cancelled") == "キャンセル"  # the ceremony's own word is kept


def test_a_void_invoice_names_the_day_it_was_cancelled_not_a_day_to_pay_by(
    app,
    portal,  # noqa: F811
):
    """Cancelled at 20:00 UTC: already the next day in Tokyo, where the books are kept."""
    browser, ceremony, planner = portal
    invoice_id = _issue(app, ceremony)  # due 2030-01-01
    due = "2030年1月1日"
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        billing.cancel_invoice(invoice, datetime(2026, 12, 9, 20, 0, tzinfo=UTC))
        db.session.commit()
        printed = invoice_html(invoice)
    assert "<th>取消日 Cancelled</th><td>2026年12月10日(木)</td>" in printed
    assert "お支払期限" not in printed and due not in printed

    page = planner.get(f"/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "取消日：2026年12月10日(木)" in page and due not in page
    money = planner.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert due not in money
    assert due not in browser.get("/portal/").get_data(as_text=True)


def test_an_invoices_status_words_take_one_form(app):
    """Badges side by side: 発行済 beside 入金済 and 取消済, not 発行済み."""
    with app.test_request_context("/", headers={"Accept-Language": "ja"}):
        words = [invoice_status_label(s) for s in INVOICE_STATUSES]
    assert words == ["下書き", "発行済", "入金済", "一部入金", "取消済"]


def _asked(page: str, action: str):
    """The form posting to ``action``, which must sit inside a question (details.confirm-step)
    rather than be one click away; with that question."""
    forms = lxml.html.fromstring(page).xpath(f"//form[@action='{action}']")
    assert len(forms) == 1
    asking = forms[0].getparent()
    assert asking.tag == "details" and "confirm-step" in asking.get("class")
    return asking


def test_cancelling_under_the_policy_and_deleting_a_draft_ask_first(app, web, billed, make_plan):
    """Both act at once when posted (a fee and a refund issued; a draft's lines gone): the
    button is behind a question that says so."""
    user, ceremony = billed
    plan = make_plan(user.org)
    with app.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        quote = billing.save_quote(record, db.session.get(Plan, plan.id), [])
        accept(quote, now=utcnow())
        draft = billing.draft_invoice(
            record, "other", date(2030, 1, 1), [Line("撮影追加", 3_000, 1, 10)]
        )
        db.session.commit()
        draft_id = draft.id
    web.login(user)
    action = f"/billing/ceremonies/{ceremony.id}/cancel"
    asking = _asked(web.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True), action)
    assert asking.xpath("string(summary)") == "キャンセル規定に沿って挙式をキャンセル"
    assert "元に戻せません" in asking.xpath("string(p)")
    assert asking.xpath("string(.//button)") == "はい、キャンセル規定に沿ってキャンセルします"

    delete = f"/billing/invoices/{draft_id}/cancel"
    asking = _asked(web.get(f"/billing/invoices/{draft_id}").get_data(as_text=True), delete)
    assert asking.xpath("string(summary)") == "下書きを削除"
    assert asking.xpath("string(.//button)") == "はい、下書きを削除します"

    # answered, each does what it said
    assert web.post(delete).status_code == 303
    with app.app_context():
        assert db.session.get(Invoice, draft_id) is None
    assert web.post(action).status_code == 303
    with app.app_context():
        assert db.session.get(Ceremony, ceremony.id).status == "cancelled"


@pytest.mark.parametrize(
    ("language", "expected", "legend"),
    [
        (
            "ja",
            [
                "10%対象：¥200,000（消費税 ¥20,000）",
                "8%対象：¥2,000（消費税 ¥160）",
                "合計（税込）：¥222,160",
            ],
            "※は軽減税率（8%）対象",
        ),
        (
            "en",
            [
                "Subject to 10%: ¥200,000 + tax ¥20,000",
                "Subject to 8%: ¥2,000 + tax ¥160",
                "Total (tax incl.): ¥222,160",
            ],
            "※ marks the reduced rate (8%)",
        ),
    ],
    ids=["ja", "en"],
)
def test_sums_read_as_the_pdf_words_them_and_the_mark_is_explained(
    app, web, billed, make_plan, language, expected, legend
):
    user, ceremony = billed
    plan = make_plan(user.org)
    option = make_plan(user.org, kind="option", name="引菓子", unit_price=1_000, tax_rate=8)
    web.login(user)
    web.post("/language", {"language": language})
    url = f"/billing/ceremonies/{ceremony.id}"
    web.post(url, {"plan_id": plan.id, f"qty-{option.id}": "2", "notes": ""})
    with_food = _issue(app, ceremony, [Line("人前式", 200_000, 1, 10), Line("引菓子", 1_000, 2, 8)])
    for page in (web.get(url), web.get(f"/billing/invoices/{with_food}")):
        text = page.get_data(as_text=True)
        for sums in expected:
            assert sums in text
        assert not re.search(r"(>|· )\d+%: ", text)  # not a bare "10%: " any more
        assert text.count(legend) == 1
    assert legend in web.get("/billing/plans").get_data(as_text=True)

    exempt = _issue(app, ceremony, [Line("人前式", 200_000, 1, 10), Line("証明書", 500, 1, 0)])
    text = web.get(f"/billing/invoices/{exempt}").get_data(as_text=True)
    assert {"ja": "非課税・対象外：¥500", "en": "Exempt or outside tax: ¥500"}[language] in text
    assert "※" not in text  # no reduced-rate line, no legend


def test_a_void_invoice_asks_for_no_payment(app_ctx, billed):
    _, ceremony = billed
    ours = db.session.get(Ceremony, ceremony.id)
    lines = [Line("人前式プラン", 200_000, 1, 10)]
    live = billing.create_invoice(ours, "deposit", date(2030, 1, 1), lines, date(2026, 11, 30))
    void = billing.create_invoice(ours, "other", date(2030, 1, 1), lines, date(2026, 11, 30))
    billing.cancel_invoice(void, utcnow())
    db.session.commit()
    page = invoice_html(live)
    assert "ご請求額 Amount due ¥220,000" in page
    assert "お振込先" in page and live.reference_code in page
    page = invoice_html(void)
    assert "無効（取消済）" in page and "請求額（無効） Amount (void) <s>¥220,000</s>" in page
    assert "お支払いは不要です" in page
    for asking in ("ご請求額", "Amount due", "お振込先", "テスト銀行", void.reference_code):
        assert asking not in page, asking


def test_the_invoice_number_opens_its_page_and_the_pdf_has_its_own_link(app, web, billed):
    user, ceremony = billed
    invoice_id = _issue(app, ceremony)
    web.login(user)
    page = web.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert f'<a href="/billing/invoices/{invoice_id}">INV-000001</a>' in page
    pdf = re.search(rf'<a href="/billing/invoices/{invoice_id}\.pdf"([^>]*)>([^<]*)</a>', page)
    assert pdf and pdf.group(1) == ' aria-label="INV-000001のPDF"' and pdf.group(2) == "PDF"
    assert web.get(f"/billing/invoices/{invoice_id}").status_code == 200
