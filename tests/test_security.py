"""Doors: security headers everywhere, sessions that expire."""

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD
from tests.live import ROOT, flask_command, free_port, server_env
from wedding.accounts.models import LoginThrottle
from wedding.logs import redact
from wedding.models import db, utcnow
from wedding.security import CONTENT_SECURITY_POLICY, CookieSessions


def test_security_headers_on_pages_errors_static_and_api(app, web, make_user):
    for response in (
        web.get("/login"),
        web.get("/no-such-page"),
        web.get("/static/css/app.css"),
        web.get("/api/v1/venues"),
    ):
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        response.close()  # the static file's handle


def test_a_request_without_a_session_cookie_builds_no_signing_serializer(
    app, web, make_user, monkeypatch
):
    """Flask builds the cookie's serializer (HMAC keys and all) for every request before it
    looks for the cookie; ours looks first (an API call or a feed sends none)."""
    built = []
    original = CookieSessions.get_signing_serializer

    def counted(self, app):
        built.append(1)
        return original(self, app)

    monkeypatch.setattr(CookieSessions, "get_signing_serializer", counted)
    app.test_client().get("/api/v1/venues").close()  # no cookie
    assert built == []
    web.login(make_user())
    built.clear()
    assert web.get("/").status_code == 200  # signed in: the cookie is read and written
    assert built


def test_session_cookie_is_httponly_samesite_and_expires(web, make_user):
    response = web.login(make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session with a lifetime, not forever


def test_no_inline_script_or_style_in_pages(web, make_user, make_ceremony):
    user = make_user()
    ceremony = make_ceremony(user.org)
    web.login(user)
    for path in (
        "/",
        f"/ceremonies/{ceremony.id}",
        f"/clients/{ceremony.client_id}",
        "/calendars/",
        "/booking/",
    ):
        page = web.get(path).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page, path


def test_sign_in_locks_after_repeated_failures_same_answer_for_unknown_accounts(web, make_user):
    user = make_user()
    for email in (user.email, "nobody@example.com"):
        for _ in range(5):
            response = web.post("/login", {"email": email, "password": "wrong password"})
            assert response.status_code == 200
        locked = web.post("/login", {"email": email, "password": "wrong password"})
        assert locked.status_code == 429
        assert "しばらく待って" in locked.get_data(as_text=True)
    # even the right password waits until the lock ends
    assert web.post("/login", {"email": user.email, "password": PASSWORD}).status_code == 429


def test_the_lock_lifts_and_success_clears_the_count(app, web, make_user):
    user = make_user()
    for _ in range(4):
        web.post("/login", {"email": user.email, "password": "wrong password"})
    assert web.post("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    web.logout()
    for _ in range(4):
        assert web.post("/login", {"email": user.email, "password": "nope"}).status_code == 200
    with app.app_context():
        for row in db.session.scalars(db.select(LoginThrottle)):
            row.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert web.post("/login", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_one_address_is_throttled_across_accounts(web, make_user):
    for n in range(20):
        web.post("/login", {"email": f"guess{n}@example.com", "password": "x" * 10})
    user = make_user()
    assert web.post("/login", {"email": user.email, "password": PASSWORD}).status_code == 429


def test_tokens_are_cut_out_of_access_logs():
    line = (
        "GET /feeds/12/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdef.ics"
        "?key=wpt_SECRETSECRETSECRETSECRET HTTP/1.1"
    )
    logged = redact(line)
    assert "AbCd…" in logged and "QrStUv" not in logged and "SECRETSECRET" not in logged
    assert "/feeds/12/" in logged and logged.endswith("HTTP/1.1")
    assert redact("/ceremonies/123/calendar.ics") == "/ceremonies/123/calendar.ics"


def test_a_served_feed_url_is_logged_redacted(tmp_path):
    """The real thing: gunicorn's access log for a feed request holds no token."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    flask_command(url, "db", "upgrade")
    port, log = free_port(), tmp_path / "access.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "wedding:create_app()",
        ],
        env=server_env(url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    token = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
    try:
        for _ in range(600):  # gunicorn imports the app first: seconds on a busy machine
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/feeds/1/{token}.ics")
            except urllib.error.HTTPError as error:
                assert error.code == 404
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer within a minute")
    finally:
        process.terminate()
        process.wait(timeout=10)
    text = log.read_text()
    assert re.search(r"/feeds/1/Zm9v…\.ics", text), text
    assert token not in text
