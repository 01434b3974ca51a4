"""The AR viewer in Debian's Chromium: model-viewer loads the companion's standee."""

import pytest

from tests.browser.test_planner_pages import sign_in

pytestmark = pytest.mark.browser


def test_the_viewer_loads_the_standee_without_console_errors(live_server, page):
    sign_in(page, live_server)
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/ceremonies/1/presentation")
    link = page.locator("#viewer-link").input_value()
    assert "/ar/1-" in link
    page.shot("01-presentation-page")
    page.context.clear_cookies()  # a guest: not signed in
    page.goto(link)
    viewer = page.locator("model-viewer#companion")
    viewer.wait_for(state="attached")
    # (a selector, not wait_for_function: the viewer's CSP rightly forbids eval)
    page.wait_for_selector(
        "model-viewer[data-state=loaded], model-viewer[data-state=error]", timeout=30_000
    )
    assert viewer.get_attribute("data-state") == "loaded"
    assert page.evaluate("document.querySelector('model-viewer').loaded") is True
    assert page.evaluate("document.querySelector('model-viewer').canActivateAR") is not None
    page.shot("02-viewer-loaded")
    assert page.console_errors == []

    page.goto(link + "/screen")
    first = page.locator("#now").text_content()
    page.locator("#forward").click()
    assert page.locator("body").get_attribute("data-mode") == "manual"
    assert page.locator("#now").text_content() != first
    page.shot("03-venue-screen")
    assert page.console_errors == []
