"""A real server process and Debian's Chromium, driven by Playwright."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """gunicorn serving the app on a fresh SQLite database with the demo company loaded."""
    db_path = tmp_path_factory.mktemp("live") / "live.sqlite"
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": "browser-test-secret",
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wedding"]
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([*flask, *command], env=env, check=True, capture_output=True, cwd=ROOT)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "wedding:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


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
