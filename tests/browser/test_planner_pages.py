"""A planner signs in to the served app in Chromium and works in both languages."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from wedding.demo import DEMO_EMAIL, DEMO_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base):
    """Sign the demo planner in, in Japanese: the tests share one served app, and one that
    switched to English left the planner's saved language so for whichever test came next."""
    page.goto(f"{base}/login")
    page.get_by_label("メールアドレス").fill(DEMO_EMAIL)
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url(f"{base}/")
    if page.locator("html").get_attribute("lang") != "ja":
        choose_language(page, "日本語")


def choose_language(page, label):
    """Press the language switch and wait for the page it reloads: a click does not wait for
    the navigation it starts, so what is read next could come from the page before."""
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()
    expect(page.locator("html")).to_have_attribute("lang", {"日本語": "ja", "English": "en"}[label])


def test_planner_signs_in_adds_a_venue_and_switches_language(live_server, page):
    sign_in(page, live_server)
    page.wait_for_url(f"{live_server}/")
    expect(page.get_by_role("heading", name="今後の挙式")).to_be_visible()
    expect(page.get_by_text("佐藤 美咲").first).to_be_visible()
    page.shot("01-dashboard-ja")

    page.get_by_role("link", name="会場").click()
    page.get_by_role("link", name="会場を追加").click()
    page.get_by_role("button", name="保存").click()  # empty: refused with a message
    expect(page.locator(".error").first).to_be_visible()
    page.shot("02-venue-errors-ja")
    page.get_by_label("名前").fill("桃の木ホール <b>Momo</b>")
    page.get_by_label("収容人数（ゲスト）").fill("80")
    page.get_by_role("button", name="保存").click()
    heading = page.get_by_role("heading", name="桃の木ホール <b>Momo</b>")  # shown as text
    expect(heading).to_be_visible()
    page.shot("03-venue-ja")

    choose_language(page, "English")
    expect(page.get_by_role("heading", name="Booking rules")).to_be_visible()
    page.shot("04-venue-en")

    page.get_by_role("link", name="Availability").first.click()
    expect(page.locator("table.month")).to_be_visible()
    assert page.locator("table.month .rokuyo").count() >= 28
    page.shot("05-availability-en")
    assert page.console_errors == []


def test_pages_read_well_on_a_phone(live_server, page):
    sign_in(page, live_server)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (
        "/",
        "/ceremonies/1",
        "/ceremonies/new",
        "/clients/1",
        "/venues/1",
        "/booking/",
        "/booking/venues/1",
        "/booking/agenda",
    ):
        page.goto(live_server + path)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth,"
            " [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap'))"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 5)]"
        )
        assert widths[0] <= widths[1], (path, widths)
        assert "<" not in page.title(), path
    page.shot("phone-client")
    assert page.console_errors == []


def test_the_header_is_one_row_at_1280_px_in_both_languages(live_server, page):
    sign_in(page, live_server)
    page.set_viewport_size({"width": 1280, "height": 800})
    for language in ("English", "日本語"):
        choose_language(page, language)
        page.goto(f"{live_server}/ceremonies/")
        rows = page.evaluate(
            "['.brand', '.main-nav', '.header-tools'].map(s =>"
            " Math.round(document.querySelector(s).getBoundingClientRect().top))"
        )
        assert max(rows) - min(rows) <= 4, (language, rows)  # side by side, not stacked
        assert page.locator(".site-header").bounding_box()["height"] < 80, language
        # The list's search button keeps its word on one line (検索 broke into 検/索).
        button = page.locator("form.search button").bounding_box()
        field = page.locator("form.search input").bounding_box()
        assert button["height"] <= field["height"] + 2, (language, button, field)
        page.shot(f"header-1280-{language}")
    assert page.console_errors == []


def test_the_business_menu_opens_by_keyboard_and_in_the_phone_menu(live_server, page):
    """Money, Checklists, Vendors (and for owners Staff, Audit trail) sit in one menu."""
    sign_in(page, live_server)
    choose_language(page, "English")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/ceremonies/")
    menu = page.locator(".nav-more")
    money = page.get_by_role("link", name="Money")
    assert not money.is_visible()
    page.locator(".nav-more > summary").focus()
    page.keyboard.press("Enter")
    assert money.is_visible() and page.get_by_role("link", name="Audit trail").is_visible()
    page.shot("business-open-1280-en")
    page.keyboard.press("Tab")  # into the menu: its first entry
    assert page.evaluate("document.activeElement.textContent") == "Money"
    page.keyboard.press("Escape")
    assert menu.get_attribute("open") is None and not money.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # follows Money
    page.wait_for_url(f"{live_server}/billing/")
    summary = page.locator(".nav-more > summary")
    assert "current" in summary.get_attribute("class")  # where we are, even while closed

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/")
    assert not summary.is_visible()  # folded with the rest of the navigation
    page.get_by_role("button", name="Menu").click()
    summary.click()
    expect(page.get_by_role("link", name="Vendors")).to_be_visible()
    page.shot("business-open-390-en")
    assert page.console_errors == []


def test_the_branding_page_warns_of_nothing(live_server, page):
    warnings = []
    page.on("console", lambda msg: msg.type == "warning" and warnings.append(msg.text))
    sign_in(page, live_server)  # the demo planner is the company's owner
    page.goto(f"{live_server}/company/branding")
    assert page.locator("input[type=color]").input_value().startswith("#")
    assert not [w for w in warnings if "color" in w.lower() or "value" in w.lower()], warnings
    assert page.console_errors == []


def test_month_cells_hold_their_romaji_on_a_phone(live_server, page):
    sign_in(page, live_server)
    choose_language(page, "English")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/booking/")
    spill = page.evaluate(
        "[...document.querySelectorAll('table.month td .rokuyo')].filter(e =>"
        " e.getBoundingClientRect().right > e.closest('td').getBoundingClientRect().right + 1)"
        ".map(e => e.textContent)"
    )
    assert page.locator("table.month .rokuyo").first.text_content().isascii()
    assert spill == []
    page.shot("month-390-en")


def test_the_run_of_show_names_who_under_the_item_on_a_phone(live_server, page):
    sign_in(page, live_server)
    page.goto(f"{live_server}/ceremonies/1")
    run = page.locator("table.run").first
    assert run.locator("th.who").is_visible() and not run.locator(".who-inline").first.is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    assert not run.locator("th.who").is_visible() and not run.locator("td.who").first.is_visible()
    assert run.locator(".who-inline").first.is_visible()
    # Column headers and cells line up: as many headers shown as cells in a row.
    shown = run.evaluate(
        "t => [[...t.querySelectorAll('thead th')], [...t.querySelectorAll('tbody tr')[0].cells]]"
        ".map(list => list.filter(e => getComputedStyle(e).display !== 'none').length)"
    )
    assert shown[0] == shown[1], shown
    page.shot("run-of-show-390-ja")


def test_sundays_and_holidays_keep_the_day_numbers_size(live_server, page):
    """The cell of a Sunday or holiday is td.day.holiday: only the holiday's name is small."""
    sign_in(page, live_server)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/booking/?month=2027-01")  # 元日, 成人の日 and five Sundays
        sizes = page.evaluate(
            "['td.day.holiday:not(.other-month) .num', 'td.day:not(.holiday) .num']"
            ".map(s => [...new Set([...document.querySelectorAll(s)]"
            ".map(e => getComputedStyle(e).fontSize))])"
        )
        assert sizes[0] == sizes[1] and len(sizes[0]) == 1, (width, sizes)
        name = page.locator(".holiday-name").first
        number = page.locator("td.day .num").first
        assert name.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") < number.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        page.shot(f"month-holidays-{width}")


def test_a_tasks_state_and_buttons_keep_one_line_at_1280_px(live_server, page):
    sign_in(page, live_server)
    page.set_viewport_size({"width": 1280, "height": 900})
    for language in ("日本語", "English"):
        choose_language(page, language)
        page.goto(f"{live_server}/ceremonies/1")
        broken = page.evaluate(
            "[...document.querySelectorAll('table.tasks tbody tr')].flatMap(row => {"
            " const state = document.createRange(); state.selectNodeContents(row.cells[3]);"
            " const lines = [...state.getClientRects()].filter(r => r.width > 1)"
            "   .map(r => Math.round(r.top));"
            " const buttons = [...row.querySelectorAll('.row-actions .btn')]"
            "   .filter(b => b.checkVisibility())"  # not the question's folded button
            "   .map(b => Math.round(b.getBoundingClientRect().top));"
            " return new Set(lines).size > 1 || new Set(buttons).size > 1"
            "   || [...row.querySelectorAll('button')].some(b => b.getClientRects().length > 1"
            "     || b.getBoundingClientRect().height > 40)"
            "   ? [row.cells[1].textContent.trim()] : [];"
            "})"
        )
        assert page.locator("table.tasks tbody tr").count() >= 3
        assert broken == [], (language, broken)
        page.locator("#tasks").screenshot(path=str(ARTIFACTS / f"tasks-1280-{language}.png"))
    assert page.console_errors == []


def test_the_length_menu_follows_the_venue(live_server, page):
    """ひだまり takes 60 or 120 minutes, 白鷺 also 90: the menu changes with the venue."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/ceremonies/new")
    venue, length = page.get_by_label("会場"), page.get_by_label("長さ")
    offered = (
        "[...document.querySelectorAll('#duration_minutes option:not([disabled])')]"
        ".map(o => o.value)"
    )
    venue.select_option(label="チャペルホール 白鷺 (Shirasagi Chapel Hall)")
    assert page.evaluate(offered) == ["60", "90", "120"]
    length.select_option("90")
    venue.select_option(label="フォトスタジオ ひだまり (Hidamari Photo Studio)")
    assert page.evaluate(offered) == ["60", "120"]
    assert length.input_value() == "60"  # 90 is not on offer here: its shortest instead
    length.select_option("120")
    venue.select_option(label="チャペルホール 白鷺 (Shirasagi Chapel Hall)")
    assert length.input_value() == "120"  # still on offer: kept
    page.shot("length-follows-venue")
    assert page.console_errors == []  # the script loads under the Content-Security-Policy
