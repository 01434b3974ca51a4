"""The guest list at a desktop's and a phone's width, and the invitation page a guest opens."""

import pytest

from tests.browser.test_planner_pages import choose_language, sign_in

pytestmark = pytest.mark.browser
LINKS = "input[readonly][value*='/rsvp/']"


def invitation_links(page, base) -> list[str]:
    page.goto(f"{base}/ceremonies/1/guests/")
    return [link.input_value() for link in page.locator(LINKS).all()]


def test_each_reply_keeps_its_radio_beside_its_words(live_server, page):
    sign_in(page, live_server)
    page.goto(invitation_links(page, live_server)[0])
    for language in ("日本語", "English"):
        choose_language(page, language)
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


BROKEN_WORDS = """() => {
  const lines = node => { const r = document.createRange();
    node.nodeType === Node.TEXT_NODE ? r.selectNode(node) : r.selectNodeContents(node);
    const tops = [...r.getClientRects()].filter(x => x.width > 1).map(x => Math.round(x.top));
    return new Set(tops).size; };
  const rows = [...document.querySelectorAll('table.guests tbody tr')];
  const words = rows.flatMap(row => [row.cells[1].firstChild, ...row.querySelectorAll('button')]);
  return words.filter(node => lines(node) > 1).map(node => node.textContent.trim());
}"""


def test_the_guest_list_reads_well_at_1280_px_and_on_a_phone(live_server, page):
    sign_in(page, live_server)
    for language in ("日本語", "English"):
        choose_language(page, language)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server}/ceremonies/1/guests/")
            spill = page.evaluate(
                "[document.documentElement.scrollWidth - window.innerWidth,"
                " ...[...document.querySelectorAll('.table-wrap')]"
                ".map(w => w.scrollWidth - w.clientWidth)]"
            )
            assert max(spill) <= 1, (language, width, spill)  # nothing scrolls sideways
            assert page.evaluate(BROKEN_WORDS) == [], (language, width)
            link = page.locator(LINKS).first.bounding_box()
            assert link["width"] >= 180, (language, width, link)  # more of it than "h"
            page.shot(f"guests-{width}-{language}")
    assert page.console_errors == []


def test_the_copy_button_copies_the_invitation_link(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/ceremonies/1/guests/")
    row = page.locator("table.guests tbody tr").nth(1)
    link = row.locator(LINKS).input_value()
    copy = row.get_by_role("button", name="コピー")
    copy.click()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert copy.text_content() == "コピーしました"  # a visible confirmation, then back again
    page.wait_for_function("b => b.textContent === 'コピー'", arg=copy.element_handle())
    assert page.evaluate("getSelection().toString() || document.activeElement.value") == link
    context.close()
