"""axe-core (from npm) on the main pages: no serious or critical accessibility violations."""

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.live import ROOT

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): "
      + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS)


@pytest.fixture
def audit(browser, request):
    """A tab that may inject axe (the app's CSP rightly forbids it; other tests enforce CSP)."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make test` (npm ci)")
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    found = {}

    def check(page, name):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        found[name] = violations(page)

    yield check, found


WIDTHS = (1200, 390)  # a desktop, and a phone (the portal is read on phones)


def test_main_pages_have_no_serious_violations(live_server, browser, audit):
    check, found = audit
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="ja-JP", bypass_csp=True
    )
    page = context.new_page()

    def both_widths(tab, name):
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 900})
            check(tab, f"{name}-{width}")

    page.goto(f"{live_server}/login")
    both_widths(page, "login")
    from tests.browser.test_planner_pages import sign_in

    sign_in(page, live_server)
    page.wait_for_url(f"{live_server}/")
    pages = {
        "dashboard": "/",
        "availability": "/booking/",
        "ceremonies": "/ceremonies/",
        "ceremony": "/ceremonies/1",
        "vows": "/ceremonies/1/vows",
        "documents": "/ceremonies/1/documents",
        "presentation": "/ceremonies/1/presentation",
        "guests": "/ceremonies/1/guests/",
        "photos": "/ceremonies/1/photos/",
        "vendors": "/vendors/",
        "clients": "/clients/",
        "client": "/clients/1",
        "companion": "/companions/1",
        "venues": "/venues/",
        "calendars": "/calendars/",
        "audit": "/audit",
    }
    for name, path in pages.items():
        page.goto(live_server + path)
        both_widths(page, name)
    page.goto(f"{live_server}/ceremonies/1/presentation")
    viewer = page.locator("#viewer-link").input_value()
    page.goto(f"{live_server}/clients/1")
    page.get_by_role("button", name="コピー用のリンクを作る").click()
    portal = page.locator("#portal-link").input_value()
    guest = browser.new_context(locale="ja-JP", bypass_csp=True).new_page()
    guest.goto(portal)
    both_widths(guest, "portal")
    guest.goto(f"{live_server}/portal/request")
    both_widths(guest, "portal-request")
    guest.goto(viewer)
    both_widths(guest, "viewer")
    guest.context.close()
    context.close()
    assert {name: v for name, v in found.items() if v} == {}
