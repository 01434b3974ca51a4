"""The client's side: the quote read and accepted in the portal, the signed agreement for both
sides, invoices, receipts, how to pay, and a card payment started through Stripe."""

import re
import subprocess
from types import SimpleNamespace

import pytest

from tests.billing.test_payments import FakeStripe, fake_stripe  # noqa: F401 - a fixture
from tests.conftest import Web, app_config
from tests.mail import start_smtp
from tests.portal.test_portal import copy_link, path
from wedding import create_app
from wedding.billing import services as billing
from wedding.billing import tasks
from wedding.billing.mails import mail_agreement
from wedding.billing.models import Acceptance, Invoice, Quote
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.jobs import Job, run_queued, task_name
from wedding.models import db, dispose_engines, utcnow
from wedding.storage.models import StoredFile


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
    assert "30%（7日以内） (within 7 days of acceptance)" in page  # each language's brackets
    shown = _hash(page)
    refused = browser.post(
        f"/portal/ceremonies/{ceremony.id}/accept",
        {"typed_name": "山田 太郎", "document_sha256": shown},
    )
    # back to the field itself (on a phone the page's top is far from it)
    assert refused.headers["Location"].endswith(f"/portal/#accept-{ceremony.id}")
    wrong = browser.get("/portal/")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Acceptance.id))) == 0
    # the refused name is offered again to correct, once, its error beside it
    again = f'id="typed-name-{ceremony.id}" name="typed_name"'
    beside = (
        r'[^>]*value="山田 太郎" aria-invalid="true" aria-describedby="typed-name-error-(\d+)">'
        r'\s*<p class="error" id="typed-name-error-\1" role="alert">[^<]*お名前[^<]*</p>'
    )
    assert re.search(again + beside, wrong.get_data(as_text=True))
    later = browser.get("/portal/").get_data(as_text=True)
    assert not re.search(again + r'[^>]*value="山田', later) and "typed-name-error" not in later
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


def test_signing_again_from_a_second_tab_says_it_is_already_signed(app, portal):
    """The refused signature went back to its field, which a signed quote no longer shows: the
    message was lost."""
    browser, ceremony, _ = portal
    shown = _hash(browser.get("/portal/").get_data(as_text=True))
    sign = {"typed_name": "佐藤美咲", "document_sha256": shown}
    assert browser.post(f"/portal/ceremonies/{ceremony.id}/accept", sign).status_code == 303
    again = browser.post(f"/portal/ceremonies/{ceremony.id}/accept", sign)
    assert again.headers["Location"].endswith("/portal/#quote")
    page = browser.get("/portal/").get_data(as_text=True)
    assert 'class="flash flash-error"' in page and "この版は同意済みです。" in page


def test_receipts_of_several_invoices_are_one_list_under_one_heading(app, portal):
    """The heading was written once per invoice with payments: 領収書 twice, two lists."""
    browser, ceremony, _ = portal
    shown = _hash(browser.get("/portal/").get_data(as_text=True))
    browser.post(
        f"/portal/ceremonies/{ceremony.id}/accept",
        {"typed_name": "佐藤美咲", "document_sha256": shown},
    )
    with app.app_context():
        now = utcnow()
        deposit, balance = db.session.scalars(db.select(Invoice).order_by(Invoice.id)).all()
        paid = [
            billing.record_payment(invoice, 1_000, "bank", now.date(), now)
            for invoice in (balance, deposit)
        ]
        db.session.commit()
        numbers = [p.display_receipt_number for p in paid]
    page = browser.get("/portal/").get_data(as_text=True)
    assert len(re.findall(r"<h3>領収書</h3>", page)) == 1
    receipts = page.split("<h3>領収書</h3>", 1)[1].split("</ul>", 1)[0]
    assert re.findall(r"RC-\d{6}", receipts) == numbers  # one list, in their numbers' order


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


def test_the_signed_pdf_is_made_by_a_job_after_the_request(
    database_url, portal, billed, monkeypatch
):
    """The acceptance request renders nothing: until a worker has run the job, both sides see
    that the signed PDF is being prepared (never an error); then the PDF is there and goes
    out by mail to both, and running the job again changes nothing."""
    _, ceremony, planner = portal
    controller, inbox = start_smtp()
    # A queue nobody consumes: the jobs wait until run_queued plays the worker.
    queued = create_app(
        app_config(
            database_url,
            JOB_QUEUE_URL="memory://",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=controller.port,
            MAIL_FROM="a@b.example",
        )
    )
    with queued.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        record.planner_id = billed[0].id
        client = db.session.get(Client, record.client_id)
        client.email = "misaki@example.com"
        db.session.commit()
        client_id = client.id
        db.session.remove()
    guest = Web(queued)
    assert guest.get(path(copy_link(planner, SimpleNamespace(id=client_id)))).status_code == 303
    staff = Web(queued)
    staff.login(billed[0])
    renders = []
    render = tasks.render_agreement_pdf
    monkeypatch.setattr(
        tasks, "render_agreement_pdf", lambda acceptance: renders.append(1) or render(acceptance)
    )
    try:
        shown = _hash(guest.get("/portal/").get_data(as_text=True))
        accepted = guest.post(
            f"/portal/ceremonies/{ceremony.id}/accept",
            {"typed_name": "佐藤 美咲", "document_sha256": shown},
        )
        assert accepted.status_code == 303 and renders == []
        with queued.app_context():
            acceptance = db.session.scalar(db.select(Acceptance))
            assert acceptance.file_id is None and acceptance.document_sha256 == shown
            jobs = db.session.scalars(db.select(Job)).all()
            assert [(j.name, j.args, j.status) for j in jobs] == [
                (task_name(tasks.render_agreement), [acceptance.id], "queued")
            ]
            assert db.session.scalars(db.select(Invoice)).all()  # the schedule, as before
            db.session.remove()
        portal_pdf = f"/portal/agreements/{acceptance.id}.pdf"
        planner_pdf = f"/billing/acceptances/{acceptance.id}.pdf"
        home = guest.get("/portal/").get_data(as_text=True)
        assert "契約書（PDF）を作成中です" in home and portal_pdf not in home
        waiting = guest.get(portal_pdf)
        assert waiting.status_code == 202 and waiting.mimetype == "text/html"
        assert 'id="agreement-preparing"' in waiting.get_data(as_text=True)
        assert "PDFを作成しています" in waiting.get_data(as_text=True)
        assert waiting.headers["Cache-Control"] == "private, no-store"
        page = staff.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
        assert "契約書（PDF）を作成中です" in page and planner_pdf not in page
        staff.post("/language", {"language": "en", "next": "/"})
        page = staff.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
        assert "The signed agreement (PDF) is being prepared" in page
        waiting = staff.get(planner_pdf)
        assert waiting.status_code == 202 and "Its PDF is being prepared" in waiting.get_data(
            as_text=True
        )
        assert inbox.messages == []

        assert run_queued(queued) == 3  # the PDF, then its two mails
        assert renders == [1]
        pdf = guest.get(portal_pdf)
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        assert staff.get(planner_pdf).data == pdf.data
        assert planner_pdf in staff.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
        assert portal_pdf in guest.get("/portal/").get_data(as_text=True)
        assert sorted(m["To"] for m in inbox.messages) == sorted(
            ["misaki@example.com", billed[0].email]
        )
        for message in inbox.messages:
            (part,) = list(message.iter_attachments())
            assert part.get_filename() == f"agreement-{acceptance.quote_id}-r1.pdf"
            assert part.get_content() == pdf.data

        with queued.app_context():
            files = db.session.scalar(db.select(db.func.count(StoredFile.id)))
            mails = db.session.scalars(db.select(Job).filter_by(name=task_name(mail_agreement)))
            assert [j.status for j in mails] == ["done", "done"]
            db.session.remove()
            tasks.render_agreement(acceptance.id)  # run again by hand: nothing more
            db.session.commit()
            assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == files
            assert db.session.scalar(db.select(db.func.count(Job.id))) == 3
            db.session.remove()
        assert run_queued(queued) == 0 and renders == [1] and len(inbox.messages) == 2
    finally:
        controller.stop()
        with queued.app_context():
            db.session.remove()
            dispose_engines()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_client_and_the_planner_read_days_not_iso_dates(app, portal, language):
    browser, ceremony, planner = portal
    with app.app_context():
        ours = db.session.get(Ceremony, ceremony.id)
        ours.client.language = language
        db.session.commit()
        day = billing.ceremony_day(ours)
    browser.post("/language", {"language": language})
    planner.post("/language", {"language": language})
    shown = _hash(browser.get("/portal/").get_data(as_text=True))
    browser.post(
        f"/portal/ceremonies/{ceremony.id}/accept",
        {"typed_name": "佐藤美咲", "document_sha256": shown},
    )
    with app.app_context():
        invoice = db.session.scalar(db.select(Invoice).order_by(Invoice.id))
        due = invoice.due_date
    written = {"ja": "{d.year}年{d.month}月{d.day}日", "en": "{d.day} {m} {d.year}"}[language]
    for page in (
        browser.get("/portal/").get_data(as_text=True),
        planner.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True),
    ):
        assert written.format(d=due, m=due.strftime("%b")) in page
        assert due.isoformat() not in page
    agreement = browser.get("/portal/").get_data(as_text=True)
    assert written.format(d=day, m=day.strftime("%b")) in agreement
    assert day.isoformat() not in agreement
