"""A trail reads "← 挙式 › 佐藤 美咲 › 進行表": one arrow, before the first step, as Chromium
draws the pages' trails with the app's stylesheet (no server needed: the markup comes from the
test client)."""

import re

import pytest

from tests.live import ROOT

pytestmark = pytest.mark.browser

STYLESHEET = ROOT / "static" / "css" / "app.css"


def trails(page: str) -> list[str]:
    return re.findall(r'<p class="crumbs">.*?</p>', page, re.S)


def test_only_the_first_step_of_a_trail_has_an_arrow(browser, web, make_user, make_ceremony):
    user = make_user(role="planner")
    web.login(user)
    ceremony = make_ceremony(user.org)
    markup = [
        *trails(web.get(f"/ceremonies/{ceremony.id}/run-of-show/new").get_data(as_text=True)),
        *trails(web.get(f"/companions/{ceremony.companion_id}/story/ja").get_data(as_text=True)),
        *trails(web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)),
    ]
    assert len(markup) == 3
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.set_content("".join(markup))
        tab.add_style_tag(content=STYLESHEET.read_text())
        drawn = tab.eval_on_selector_all(
            ".crumbs",
            """trails => trails.map(trail => [...trail.querySelectorAll('a')].map(
                a => getComputedStyle(a, '::before').content))""",
        )
    finally:
        context.close()
    assert drawn == [['"← "', "none", "none"], ['"← "', "none"], ['"← "']]
