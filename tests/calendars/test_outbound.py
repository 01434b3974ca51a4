"""No server-side requests to private addresses through CalDAV (issue 14, class 3): refused when
saved, after DNS resolution at connect time (rebinding), and on redirects; an operator may
allow a named internal host."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.calendars.conftest import remote_event
from tests.live import free_port
from wedding.calendars import caldav_sync
from wedding.calendars.models import CalDAVAccount
from wedding.models import db
from wedding.outbound import BlockedAddress, allowed_hosts, check_url, is_public


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address judged, never bound
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "ff02::1",
        "not an address",
    ],
)
def test_local_private_reserved_and_multicast_addresses_are_not_public(address):
    assert not is_public(address)


def test_public_addresses_are_public():
    assert is_public("93.184.216.34") and is_public("2606:2800:220:1:248:1893:25c8:1946")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5232/",
        "http://[::1]/dav/",
        "http://169.254.169.254/latest/",
        "http://localhost:8080/",
        "https://nas.local/dav/",
        "ftp://cal.example.com/",
        "file:///etc/passwd",
    ],
)
def test_saving_refuses_literal_private_addresses_and_local_names(url):
    with pytest.raises(BlockedAddress):
        check_url(url, frozenset())


def test_an_allowed_internal_host_passes():
    check_url("http://127.0.0.1:5232/", allowed_hosts(" 127.0.0.1 , cal.intranet"))
    check_url("https://CAL.intranet/dav/", allowed_hosts("cal.intranet"))


@pytest.fixture
def planner(web, make_user):
    user = make_user(role="planner")
    web.login(user)
    return user


def test_the_form_refuses_a_private_address_and_saves_nothing(app, web, planner):
    response = web.post(
        "/calendars/caldav",
        {"url": "http://127.0.0.1:9/", "username": "u", "password": "p"},
        follow_redirects=True,
    )
    assert "127.0.0.1" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(CalDAVAccount)) is None


def _account_with_url(app, web, radicale, url):
    web.post(
        "/calendars/caldav",
        {"url": radicale.calendar_url, "username": "hanako", "password": "pw"},
    )
    with app.app_context():
        account = db.session.scalar(db.select(CalDAVAccount))
        account.url = url
        db.session.commit()
        return account.id


def _push(app, account_id):
    with app.app_context():
        report = caldav_sync.push(db.session.get(CalDAVAccount, account_id))
        db.session.commit()
        return report


def test_a_name_that_resolves_to_loopback_is_refused_at_connect_time(
    app, web, radicale, planner_and_ceremony, monkeypatch
):
    """DNS rebinding: the name passes when saved, then answers 127.0.0.1 when connected to."""
    _, ceremony = planner_and_ceremony
    url = radicale.calendar_url.replace("127.0.0.1", "calendar.example.com")
    account_id = _account_with_url(app, web, radicale, url)
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host in ("calendar.example.com", b"calendar.example.com"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    report = _push(app, account_id)
    assert list(report.failed) == [ceremony.id]
    assert "127.0.0.1" in report.failed[ceremony.id]
    domain = app.config["CALENDAR_UID_DOMAIN"]
    with pytest.raises(Exception, match=r"NotFound|not found|404"):
        remote_event(radicale, f"ceremony-{ceremony.id}@{domain}")  # nothing was sent there


class _Redirect(BaseHTTPRequestHandler):
    target = ""

    def _send(self):
        self.send_response(307)
        self.send_header("Location", self.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_PROPFIND = do_OPTIONS = do_REPORT = _send

    def log_message(self, *args):
        pass


def test_a_redirect_to_a_private_address_is_refused(
    app, web, radicale, planner_and_ceremony, monkeypatch
):
    """The allowed internal host redirects to a name it does not cover: not followed."""
    _, ceremony = planner_and_ceremony
    port = free_port()
    _Redirect.target = f"http://localhost:{radicale.port}"
    server = HTTPServer(("127.0.0.1", port), _Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        path = radicale.calendar_url.split(f":{radicale.port}", 1)[1]
        account_id = _account_with_url(app, web, radicale, f"http://127.0.0.1:{port}{path}")
        report = _push(app, account_id)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert list(report.failed) == [ceremony.id]
    assert "localhost" in report.failed[ceremony.id]


@pytest.fixture
def planner_and_ceremony(web, make_user, make_venue, make_ceremony):
    from tests.calendars.test_caldav import START

    user = make_user(role="planner")
    venue = make_venue(user.org)
    ceremony = make_ceremony(user.org, venue=venue, starts_at=START, planner_id=user.id)
    web.login(user)
    return user, ceremony


def test_without_the_setting_the_in_process_radicale_is_refused(
    app, web, radicale, planner_and_ceremony
):
    _, ceremony = planner_and_ceremony
    account_id = _account_with_url(app, web, radicale, radicale.calendar_url)
    app.config["CALDAV_ALLOWED_HOSTS"] = ""
    report = _push(app, account_id)
    assert list(report.failed) == [ceremony.id] and "private" in report.failed[ceremony.id]
