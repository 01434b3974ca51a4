"""The client's portal read on a phone: every page fits the screen, the agreement included."""

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_planner_pages import choose_language, sign_in

pytestmark = pytest.mark.browser
SIDEWAYS = (
    "[document.documentElement.scrollWidth - window.innerWidth,"
    " ...[...document.querySelectorAll('.agreement-text')].map(e => e.scrollWidth - e.clientWidth)]"
)


def test_every_portal_page_fits_a_phone(live_server, page, browser):
    sign_in(page, live_server)
    page.goto(f"{live_server}/clients/1")
    page.get_by_role("button", name="コピー用のリンクを作る").click()
    portal = page.locator("#portal-link").input_value()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP").new_page()
    errors = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.goto(portal)
    assert phone.locator(".agreement-text table.items").first.is_visible()  # the demo's quote
    story = phone.locator("#story a").first.get_attribute("href")
    for language in ("日本語", "English"):
        choose_language(phone, language)
        for path in ("/portal/", "/portal/request", "/portal/photos/", story):
            phone.goto(live_server + path)
            assert phone.evaluate(SIDEWAYS) in ([0], [0, 0]), (language, path)
        phone.goto(f"{live_server}/portal/")
        phone.locator("#quote").screenshot(path=str(ARTIFACTS / f"portal-quote-390-{language}.png"))
    assert errors == []
    phone.context.close()
