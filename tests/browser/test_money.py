"""The money journey in a real browser: the planner sees the demo quote and price list, the
client reads the agreement in the portal, signs by typing their name, and sees how to pay;
the signed PDF, made by the job worker, is there moments later."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_planner_pages import sign_in
from tests.live import flask_command, serve

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(tmp_path):
    """The demo served by gunicorn with a job worker beside it, as `make run` does: the
    signed agreement's PDF is a job's."""
    url = f"sqlite:///{tmp_path / 'money.sqlite'}"
    flask_command(url, "db", "upgrade")
    flask_command(url, "demo")
    with serve(url, workers=2, job_queue=f"sqlite:///{tmp_path / 'jobs.sqlite'}") as base:
        yield base


def test_client_signs_the_agreement_and_sees_how_to_pay(live_server, page, browser):
    sign_in(page, live_server)
    page.wait_for_url(f"{live_server}/")
    page.locator(".nav-more > summary").click()  # お金 is in the 業務 menu
    page.get_by_role("link", name="お金").click()
    expect(page.get_by_role("heading", name="未収金")).to_be_visible()
    expect(page.get_by_text("INV-000001").first).to_be_visible()  # the demo's deposit invoice
    page.shot("01-money")
    page.goto(f"{live_server}/billing/plans")
    expect(page.get_by_text("¥198,000")).to_be_visible()  # 人前式プラン ¥180,000 + 10 %
    page.goto(f"{live_server}/billing/ceremonies/1")
    expect(page.get_by_text("同意待ち").first).to_be_visible()
    page.shot("02-ceremony-money")
    page.goto(f"{live_server}/clients/1")
    page.get_by_role("button", name="コピー用のリンクを作る").click()
    portal = page.locator("#portal-link").input_value()

    guest = browser.new_context(viewport={"width": 390, "height": 900}, locale="ja-JP").new_page()
    errors = []
    guest.on("pageerror", lambda error: errors.append(str(error)))
    guest.goto(portal)
    assert guest.get_by_text("キャンセル規定").first.is_visible()
    assert guest.get_by_text("引菓子 ※").first.is_visible()
    guest.get_by_label("この内容に同意するには").fill("佐藤 美咲")
    guest.screenshot(path="test-artifacts/money-portal-before.png", full_page=True)
    guest.get_by_role("button", name="同意して署名する").click()
    guest.wait_for_url(f"{live_server}/portal/#money")
    expect(guest.get_by_text("契約が成立しました")).to_be_visible()
    expect(guest.get_by_role("heading", name="お支払方法")).to_be_visible()
    expect(guest.get_by_text("みどり銀行").first).to_be_visible()
    signed = guest.get_by_role("link", name="署名済みの契約書（PDF）")
    for _ in range(60):  # the worker renders the PDF after the request: a reload shows it
        if signed.count():
            break
        assert guest.get_by_text("契約書（PDF）を作成中です").is_visible()
        guest.wait_for_timeout(500)
        guest.reload()
    with guest.expect_download() as download:
        signed.first.evaluate("a => { a.setAttribute('download', ''); a.click(); }")
    assert download.value.suggested_filename.startswith("agreement-")
    guest.screenshot(path="test-artifacts/money-portal-after.png", full_page=True)
    assert errors == []
    guest.context.close()
