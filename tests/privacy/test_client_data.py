"""The client's own data: one zip with everything, erasure that leaves nothing of them, and
the audit trail that records it all and cannot be edited."""

import io
import json
import re
import zipfile

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.presentation.test_glb import portrait
from wedding.audit import AuditEvent, AuditTampering
from wedding.calendars.models import Feed
from wedding.models import db, dispose_engines
from wedding.personas.cards import read_any
from wedding.personas.models import Companion
from wedding.storage.services import store

MARKERS = (
    "MARKER-NAME",
    "marker@example.com",
    "MARKER-NOTE",
    "MARKER-STORY",
    "MARKER-VOW",
    "MARKER-COMMENT",
    "MARKER-WITNESS",
)


@pytest.fixture
def rich_client(app, web, make_user, make_client, make_companion, make_ceremony):
    """A client with something in every place we keep data, each carrying a marker."""
    user = make_user(role="planner")
    web.login(user)
    client = make_client(
        user.org,
        full_name="MARKER-NAME 様",
        email="marker@example.com",
        notes="MARKER-NOTE",
        language="ja",
    )
    companion = make_companion(
        user.org,
        client=client,
        name="MARKER-NAME の伴侶",
        how_met="MARKER-STORY 眠れない夜に話しかけた",
        catchphrases="MARKER-STORY",
        card_json='{"data": {"name": "MARKER-NAME"}}',
    )
    with app.app_context():
        row = db.session.get(Companion, companion.id)
        row.portrait_id = store(user.org_id, portrait((300, 450)), "image/png", "MARKER.png").id
        row.artwork_printable = True
        db.session.commit()
    ceremony = make_ceremony(user.org, companion=companion, notes="MARKER-NOTE")
    base = f"/ceremonies/{ceremony.id}"
    web.post(f"{base}/run-of-show/template", {"template": "chapel"})
    web.post(f"{base}/vows/draft", {"role": "companion", "lang": "ja", "seed": "1"})
    with app.app_context():
        from wedding.vows.models import VowVersion

        first = db.session.scalars(db.select(VowVersion)).first().id
    web.post(f"{base}/vows/{first}/edit", {"text": "MARKER-VOW ずっと一緒に。"})
    web.post(
        f"{base}/documents",
        {
            "theme": "classic",
            "language": "ja",
            "size": "a4",
            "witness": "MARKER-WITNESS",
            "vow_reader": "",
            "photographer": "",
            "thank_you": "",
        },
    )
    web.post(f"{base}/documents/certificate/issue", {"note": ""})
    web.post(f"{base}/presentation/create")  # the viewer link (factory ceremonies have none)
    web.post("/calendars/feeds", {"kind": "client", "subject_id": client.id, "language": "ja"})
    web.post(f"/clients/{client.id}/portal/link")
    page = web.get(f"/clients/{client.id}").get_data(as_text=True)
    portal = re.search(r'id="portal-link" type="text" readonly value="([^"]+)"', page).group(1)
    app.config.update(VOWS_LLM_BASE_URL="http://127.0.0.1:9/v1", VOWS_LLM_MODEL="m")
    web.post(f"{base}/vows/consent", {"agreed_by": "MARKER-NAME", "confirm": "y"})
    from tests.conftest import Web

    guest = Web(app)
    guest.get("/" + portal.split("/", 3)[3])
    with app.app_context():
        version = db.session.scalars(db.select(VowVersion)).first()
    web.post(f"{base}/vows/{version.id}/share", {"action": "share"})
    guest.post(f"/portal/vows/{version.id}/comment", {"text": "MARKER-COMMENT"})
    web.post(f"/companions/{companion.id}/story/en", {"how_met": "MARKER-STORY in English"})
    return user, client, ceremony, guest, portal


def everything(app) -> dict[str, list[dict]]:
    with app.app_context(), db.engine.connect() as connection:
        return {
            table.name: [dict(r._mapping) for r in connection.execute(table.select())]
            for table in db.metadata.sorted_tables
        }


def download_export(web, start: str):
    """Ask for the zip, follow its page (the job has run at commit), download it."""
    page = web.post(start)
    assert page.status_code == 303
    status = web.get(page.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in status  # ready: the job ran when the request committed
    link = re.search(r'href="([^"]+/client\.zip)"', status).group(1)
    response = web.get(link)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    return response


def test_the_export_has_everything(app, web, rich_client):
    _, client, _, guest, _ = rich_client
    response = download_export(web, f"/clients/{client.id}/export")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    record = json.loads(archive.read("client.json"))
    assert record["client"]["notes"] == "MARKER-NOTE"
    assert record["companions"][0]["how_met"] == "MARKER-STORY 眠れない夜に話しかけた"
    assert record["companions"][0]["story"]["en"]["how_met"] == "MARKER-STORY in English"
    vows = record["ceremonies"][0]["vows"]
    assert len(vows) == 4 and vows[-1]["text"].startswith("MARKER-VOW")
    assert record["ceremonies"][0]["comments"][0]["text"] == "MARKER-COMMENT"
    assert record["consents"][0]["agreed_by"] == "MARKER-NAME"
    card = next(n for n in names if n.startswith("companions/"))
    assert read_any(archive.read(card)).data["name"] == "MARKER-NAME の伴侶"
    assert any(n.startswith("documents/certificate") for n in names)
    assert archive.read(next(n for n in names if n.startswith("documents/")))[:4] == b"%PDF"
    assert len([n for n in names if n.startswith("vows/")]) == 4
    assert b"BEGIN:VEVENT" in archive.read("calendar.ics")
    assert b"MARKER-NOTE" not in archive.read("calendar.ics")  # staff notes stay with staff
    from_portal = download_export(guest, "/portal/export")
    assert zipfile.ZipFile(io.BytesIO(from_portal.data)).namelist() == names


def test_erasure_leaves_nothing_of_the_client_and_stops_every_link(app, web, rich_client):
    _, client, ceremony, guest, portal = rich_client
    viewer = re.search(
        r'id="viewer-link" type="text" readonly value="([^"]+)"',
        web.get(f"/ceremonies/{ceremony.id}/presentation").get_data(as_text=True),
    ).group(1)
    with app.app_context():
        feed = db.session.scalars(db.select(Feed)).one()
        feed_path = f"/feeds/{feed.id}/{feed.token(app.config['SECRET_KEY'])}.ics"
    assert app.test_client().get(feed_path).status_code == 200
    before = everything(app)

    wrong = web.post(f"/clients/{client.id}/erase", {"confirm": "someone else"})
    assert wrong.status_code == 200 and everything(app)["clients"]
    done = web.post(f"/clients/{client.id}/erase", {"confirm": "MARKER-NAME 様"})
    assert done.status_code == 302

    after = everything(app)
    for table, rows in after.items():
        for row in rows:
            for column, value in row.items():
                blob = value if isinstance(value, bytes) else str(value).encode()
                for marker in MARKERS:
                    assert marker.encode() not in blob, (table, column)
                if column == "client_id":
                    assert value != client.id, table
    assert after["clients"] == [] and after["companions"] == []
    assert len(after["stored_files"]) == 0 < len(before["stored_files"])
    (booking,) = after["ceremonies"]  # the venue keeps its booking, anonymous
    assert booking["id"] == ceremony.id and booking["client_id"] is None
    assert booking["status"] == "hold" and booking["notes"] == ""
    # every token of the client stops at once
    assert guest.get("/portal/").status_code == 302
    assert app.test_client().get("/" + portal.split("/", 3)[3]).status_code == 404
    assert app.test_client().get(feed_path).status_code == 404
    assert app.test_client().get("/" + viewer.split("/", 3)[3]).status_code == 404
    assert [e["action"] for e in after["audit_events"]][-1] == "erase"


def test_the_audit_trail_records_and_cannot_be_edited(app, web, rich_client, make_user):
    user, client, _, _, _ = rich_client
    download_export(web, f"/clients/{client.id}/export")
    web.logout()
    web.post("/login", {"email": user.email, "password": "wrong password"})
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
        seen = {(e.action, e.subject_type) for e in events}
        assert {
            ("login", "account"),
            ("view", "client"),
            ("change", "vows"),
            ("export", "client"),
            ("portal", "client"),
            ("login_failed", "account"),
            ("change", "document"),
        } <= seen
        assert all("MARKER" not in (e.detail + e.actor) for e in events)
        event = events[0]
        event.detail = "rewritten"
        with pytest.raises(AuditTampering):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, events[0].id))
        with pytest.raises(AuditTampering):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(DBAPIError), db.engine.begin() as connection:
            connection.execute(text("UPDATE audit_events SET detail = 'x'"))
    owner = make_user(org=type("Org", (), {"id": user.org_id})(), role="owner")
    web.login(owner)
    page = web.get("/audit?action=export&subject=client").get_data(as_text=True)
    rows = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    assert f"#{client.id}" in rows and "zip" in rows
    assert "signed in" not in rows and "viewed" not in rows
    web.logout()
    web.login(user)  # a planner, not an owner
    assert web.get("/audit").status_code == 403


def test_the_export_page_waits_for_its_job_then_offers_the_zip(
    app, database_url, make_user, make_client
):
    from tests.conftest import Web, app_config
    from wedding import create_app
    from wedding.jobs import run_queued

    user = make_user(role="planner")
    client = make_client(user.org, full_name="Aoi")
    queued = create_app(app_config(database_url, JOB_QUEUE_URL="memory://"))
    web = Web(queued)
    web.login(user)
    page = web.post(f"/clients/{client.id}/export")
    status_url = page.headers["Location"]
    waiting = web.get(status_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting and "client.zip" not in waiting
    assert web.get(status_url + "/client.zip").status_code == 404  # not ready yet
    assert run_queued(queued) == 1
    ready = web.get(status_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in ready
    response = web.get(status_url + "/client.zip")
    assert (
        json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("client.json"))["client"][
            "full_name"
        ]
        == "Aoi"
    )
    other = make_user(role="owner")  # another company cannot see it
    stranger = Web(queued)
    stranger.login(other)
    assert stranger.get(status_url).status_code == 404
    with queued.app_context():
        dispose_engines()
