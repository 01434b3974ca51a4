"""A real CalDAV server for the tests: Radicale on 127.0.0.1, which the app may reach only
because the radicale fixture sets the operator's CALDAV_ALLOWED_HOSTS."""

import subprocess
import sys
import time

import caldav
import pytest

from tests.live import free_port


class Radicale:
    def __init__(self, folder):
        self.folder, self.port, self.process = folder, free_port(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radicale",
                f"--storage-filesystem-folder={self.folder}",
                "--auth-type=none",
                f"--server-hosts=127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                caldav.DAVClient(url=self.url, username="u", password="p").principal()
                return
            except Exception:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("radicale did not start")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def radicale(app, tmp_path):
    # The operator's setting that lets the server reach this one internal host.
    app.config["CALDAV_ALLOWED_HOSTS"] = "127.0.0.1"
    server = Radicale(tmp_path / "collections")
    server.start()
    try:  # whatever fails (a slow start under load included), the server never outlives us
        principal = caldav.DAVClient(url=server.url, username="hanako", password="p").principal()
        server.calendar_url = str(principal.make_calendar(name="Weddings", cal_id="weddings").url)
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


def remote_event(server, uid):
    client = caldav.DAVClient(url=server.calendar_url, username="hanako", password="p")
    return client.calendar(url=server.calendar_url).event_by_uid(uid).icalendar_component
