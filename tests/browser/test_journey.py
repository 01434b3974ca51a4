"""The whole journey in Debian's Chromium against a served app (gunicorn) and a real SMTP
server: planner → client portal → documents. Screenshots of every step are kept."""

import os
import re
import subprocess
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_planner_pages import choose_language, sign_in
from tests.live import ROOT, flask_command, serve
from tests.mail import start_smtp
from wedding.almanac import describe

pytestmark = pytest.mark.browser
CARD = ROOT.parent / "shared" / "fixtures" / "cards" / "seraphina-v2.png"


@pytest.fixture
def mail_server_app(tmp_path):
    """The app served by gunicorn with its mail going to a local SMTP server."""
    controller, inbox = start_smtp()
    saved = {k: os.environ.get(k) for k in ("FLASK_MAIL_SERVER", "FLASK_MAIL_PORT")}
    os.environ.update(FLASK_MAIL_SERVER="127.0.0.1", FLASK_MAIL_PORT=str(controller.port))
    url = f"sqlite:///{tmp_path / 'journey.sqlite'}"
    try:
        flask_command(url, "db", "upgrade")
        flask_command(url, "demo")
        queue = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
        with serve(url, workers=2, job_queue=queue) as base:
            yield base, inbox
    finally:
        controller.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def next_taian(start: date) -> date:
    day = start
    while describe(day).rokuyo != "大安" or day.weekday() == 1:  # the demo chapel rests Tuesdays
        day += timedelta(days=1)
    return day


def pdf_text(path: str) -> str:
    return subprocess.run(["pdftotext", path, "-"], capture_output=True, check=True).stdout.decode()


def test_planner_to_client_to_documents(mail_server_app, browser, page, request):
    base, inbox = mail_server_app
    if not CARD.exists():
        pytest.fail(f"the shared fixture is missing: {CARD}")
    sign_in(page, base)
    page.wait_for_url(f"{base}/")
    choose_language(page, "English")
    page.shot("01-signed-in")

    # A new client
    page.get_by_role("link", name="Clients").first.click()
    page.get_by_role("link", name="Add client").click()
    page.get_by_label("Full name").fill("高橋 さくら")
    page.get_by_label("E-mail").fill("sakura@example.com")
    # A new client speaks the planner's language (English here) until told: she reads Japanese.
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    client_url = page.url
    client_id = client_url.rsplit("/", 1)[1]
    page.shot("02-client")

    # Her companion, imported from a real character card
    page.goto(f"{base}/companions/import?client_id={client_id}")
    page.get_by_label("Character card or ChatGPT export").set_input_files(str(CARD))
    page.get_by_role("button", name="Read the file").click()
    expect(page.get_by_text("Seraphina").first).to_be_visible()
    page.shot("03-import-preview")
    page.get_by_role("button", name="Save this persona").click()
    page.wait_for_url(re.compile(r"/companions/\d+$"))
    page.shot("04-companion")

    # The couple's story, in Japanese (the client could answer it in the portal too)
    page.goto(page.url + "/story/ja")
    page.get_by_label("How you met").fill(
        "森で倒れていたさくらを、Seraphinaが見つけて手当てしてくれた"
    )
    page.get_by_label("The moment you knew").fill("Seraphinaが朝までさくらの手を握ってくれた")
    page.get_by_label("Promises").fill("毎朝おはようを言う\n森の花を一緒に見に行く")
    page.locator("form.card").get_by_role("button", name="Save").click()
    expect(page.get_by_text("The couple's answers are saved.")).to_be_visible()
    page.shot("04b-story")

    # A 大安 day in the availability calendar, then a free slot at the chapel
    day = next_taian(date.today() + timedelta(days=40))
    page.get_by_role("link", name="Availability").first.click()
    page.wait_for_url(re.compile(r"/booking/"))
    page.goto(f"{page.url.split('?')[0]}?month={day:%Y-%m}&lucky=1")
    page.shot("05-calendar-taian")
    page.locator(f'a.day-link[href*="{day.isoformat()}"]').click()
    page.wait_for_url(re.compile(day.isoformat()))
    page.locator("a.chip").first.click()
    page.get_by_label("Client").select_option(label="高橋 さくら")
    page.get_by_label("Companion", exact=True).select_option(label="Seraphina")
    page.get_by_role("button", name="Hold this slot").click()
    page.wait_for_url(re.compile(r"/ceremonies/\d+$"))
    assert (
        page.locator(".rokuyo").first.text_content() == "Taian"
    )  # English pages give rokuyō in romaji
    ceremony_url = page.url
    page.shot("06-ceremony-held")

    # Vows in Seraphina's voice
    page.get_by_role("link", name=re.compile("Drafts and versions")).click()
    page.wait_for_url(re.compile(r"/vows"))
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Write three drafts").click()
    # (the click does not wait for the page it posts to: the assertions do)
    expect(page.locator("article.vow")).to_have_count(3)
    expect(page.locator("article.vow .vow-text").first).to_contain_text("わたし")  # not 僕
    page.get_by_role("button", name="Share with the client").first.click()
    expect(page.get_by_text(re.compile(r"Version \d+ is shared with the client"))).to_be_visible()
    page.shot("07-vows")

    # The portal link, by e-mail
    page.goto(client_url)
    page.get_by_role("button", name="E-mail a link").click()
    expect(page.get_by_text("sakura@example.com").first).to_be_visible()
    # a worker sends it; the page follows the job and says when it has gone
    page.get_by_text("The link was sent to sakura@example.com.").wait_for(timeout=30_000)
    (message,) = inbox.messages
    link = re.search(r"http://\S+/portal/enter/\S+", message.get_content()).group(0)
    page.shot("08-link-sent")

    # The client, on her phone, in Japanese
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    client = phone.new_page()
    errors = []
    client.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    folder = ROOT / "test-artifacts" / request.node.name
    client.goto(link)
    client.wait_for_url(re.compile(r"/portal/$"))
    client.screenshot(path=str(folder / "09-portal.png"), full_page=True)
    client.get_by_role("button", name="この版を承認").first.click()
    expect(client.get_by_role("status").get_by_text("ありがとうございます")).to_be_visible()
    client.get_by_role("button", name="挙式のカレンダーを登録する").click()
    feed = client.locator("#feed-url").input_value()
    assert "/feeds/" in feed
    client.screenshot(path=str(folder / "10-portal-approved-subscribed.png"), full_page=True)
    assert errors == []
    phone.close()

    # The planner sees the approval, issues and downloads the documents
    page.goto(ceremony_url)
    expect(page.get_by_text("Approved by the client").first).to_be_visible()
    page.shot("11-ceremony-approved")
    page.get_by_role("link", name="Themes, people and issuing").click()
    for kind in ("certificate", "program"):
        with page.expect_download() as download:
            page.locator(f'a[href$="/documents/{kind}.pdf"]').first.click()
        path = download.value.path()
        text = pdf_text(str(path))
        assert "高橋 さくら" in text and "Seraphina" in text, kind
    page.shot("12-documents")
    assert page.console_errors == []
