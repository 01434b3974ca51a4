"""A real server process and Debian's Chromium, driven by Playwright."""

import shutil
from pathlib import Path

import pytest

from tests.live import ROOT, flask_command, serve

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",  # WebGL on the CPU for model-viewer (no GPU here)
    "--use-angle=swiftshader",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """gunicorn serving the app on a fresh SQLite database with the demo company loaded."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite'}"
    flask_command(url, "db", "upgrade")
    flask_command(url, "demo")
    with serve(url, workers=2) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh tab that records console errors; screenshots go to test-artifacts/<test>/."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ja-JP")
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda msg: msg.type == "error" and tab.console_errors.append(msg.text))
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    tab.shot = lambda name: tab.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    yield tab
    context.close()
