"""The guest list at a desktop's and a phone's width, and the invitation page a guest opens."""

import pytest

from tests.browser.test_planner_pages import sign_in

pytestmark = pytest.mark.browser
LINKS = "input[readonly][value*='/rsvp/']"


def invitation_links(page, base) -> list[str]:
    page.goto(f"{base}/ceremonies/1/guests/")
    return [link.input_value() for link in page.locator(LINKS).all()]


def test_each_reply_keeps_its_radio_beside_its_words(live_server, page):
    sign_in(page, live_server)
    page.goto(invitation_links(page, live_server)[0])
    for language in ("日本語", "English"):
        page.get_by_role("button", name=language).click()
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            apart = page.evaluate(
                "[...document.querySelectorAll('fieldset label')].filter(label => {"
                " const radio = label.querySelector('input[type=radio]').getBoundingClientRect();"
                " const text = document.createRange(); text.selectNodeContents(label);"
                " const lines = [...text.getClientRects()].filter(r => r.width > 1);"
                " return label.getClientRects().length !== 1"
                "   || lines.some(r => r.top > radio.bottom || r.bottom < radio.top);"
                "}).map(label => label.textContent.trim())"
            )
            assert page.locator("fieldset input[type=radio]").count() == 3
            assert apart == [], (language, width, apart)
            page.shot(f"rsvp-{width}-{language}")
    assert page.console_errors == []
