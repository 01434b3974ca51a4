"""The persona through the pages: import with a preview, edit, export, and back again."""

import io
import json
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from wedding.models import db
from wedding.personas.cards import read_any
from wedding.personas.models import Companion, PendingImport
from wedding.storage.models import StoredFile

SERAPHINA = (
    Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "cards" / "seraphina-v2.png"
)


@pytest.fixture
def planner(web, make_user, make_client):
    user = make_user(role="planner")
    client = make_client(user.org)
    web.login(user)
    return user, client


def upload(web, url, data: bytes, name="card.png", **fields):
    """A multipart POST encoded in memory (the test client would spool a big one to an
    unclosed temporary file)."""
    values = {"csrf_token": web.csrf_token(), **{k: str(v) for k, v in fields.items()}}
    values["card"] = FileStorage(io.BytesIO(data), name)
    boundary, body = encode_multipart(values)
    return web.client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def count(app, model):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_import_previews_then_saves(app, web, planner):
    _, client = planner
    response = upload(web, "/companions/import", SERAPHINA.read_bytes(), client_id=client.id)
    assert response.status_code == 302
    assert count(app, Companion) == 0  # nothing changes before the planner confirms
    preview = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Seraphina" in preview and "portrait" in preview
    done = web.post(response.headers["Location"], {"action": "confirm"})
    assert done.status_code == 302
    with app.app_context():
        companion = db.session.scalar(db.select(Companion))
        assert companion.name == "Seraphina" and companion.client_id == client.id
        assert "caring" in companion.traits.splitlines() and companion.pronouns == "she"
        assert "[" not in companion.description and "{{" not in companion.description
        assert json.loads(companion.card_json)["spec"] == "chara_card_v2"  # verbatim
        assert companion.portrait_id is not None
    assert count(app, PendingImport) == 0


def test_a_broken_file_is_refused_and_nothing_is_kept(app, web, planner):
    _, client = planner
    response = upload(web, "/companions/import", b"\x89PNG\r\n\x1a\nbroken", client_id=client.id)
    assert response.status_code == 200
    assert "このファイルは取り込めません" in response.get_data(as_text=True)
    assert count(app, PendingImport) == 0 and count(app, StoredFile) == 0


def test_cancel_keeps_the_companion_as_it_was(app, web, planner, make_companion):
    user, client = planner
    companion = make_companion(user.org, client=client, name="レン")
    response = upload(web, f"/companions/{companion.id}/import", SERAPHINA.read_bytes())
    web.post(response.headers["Location"], {"action": "cancel"})
    with app.app_context():
        assert db.session.get(Companion, companion.id).name == "レン"
    assert count(app, PendingImport) == 0


def test_export_png_imports_back_to_the_same_persona(app, web, planner, make_companion):
    user, client = planner
    companion = make_companion(user.org, client=client, name="レン")
    form = {
        "client_id": client.id,
        "name": "レン",
        "nickname": "レンくん",
        "description": "優しい",
        "first_person": "僕",
        "tone": "poetic",
        "calls_client": "美咲",
        "catchphrases": "大丈夫",
        "traits": "穏やか",
        "backstory": "",
        "voice_samples": "おはよう",
        "how_met": "春の図書館",
        "moment_knew": "雨の日",
        "proposal_words": "ずっと隣に",
        "promises": "毎朝おはようを",
        "origin": "ai_platform",
        "platform": "ChatGPT",
        "presence": "ar_glasses",
        "artwork_printable": "y",
        "spoken_readings": "レンくん = れんくん\nRen = Wren",
    }
    assert web.post(f"/companions/{companion.id}", form).status_code == 302
    exported = web.get(f"/companions/{companion.id}/card.png").data
    card = read_any(exported).card
    assert card["data"]["name"] == "レン"
    assert card["data"]["extensions"]["nijigen_wedding"]["proposal_words"] == "ずっと隣に"
    other = upload(web, "/companions/import", exported, client_id=client.id)
    web.post(other.headers["Location"], {"action": "confirm"})
    with app.app_context():
        first, second = db.session.scalars(db.select(Companion).order_by(Companion.id)).all()
        fields = (
            "name",
            "nickname",
            "description",
            "first_person",
            "tone",
            "calls_client",
            "catchphrases",
            "traits",
            "voice_samples",
            "how_met",
            "moment_knew",
            "proposal_words",
            "promises",
            "origin",
            "platform",
            "presence",
            "artwork_printable",
            "spoken_readings",
        )
        assert first.spoken_readings == "レンくん = れんくん\nRen = Wren"
        assert [getattr(second, f) for f in fields] == [getattr(first, f) for f in fields]


def test_a_bad_portrait_is_refused(app, web, planner, make_companion):
    user, client = planner
    companion = make_companion(user.org, client=client)
    response = web.post(
        f"/companions/{companion.id}",
        {
            "client_id": client.id,
            "name": "レン",
            "tone": "gentle",
            "origin": "original",
            "presence": "ar_glasses",
            "portrait": (io.BytesIO(b"not a picture"), "p.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert count(app, StoredFile) == 0


def test_other_companies_cannot_see_an_import(app, web, planner, make_user):
    _, client = planner
    response = upload(web, "/companions/import", SERAPHINA.read_bytes(), client_id=client.id)
    location = response.headers["Location"]
    web.logout()
    web.login(make_user())
    assert web.get(location).status_code == 404
    assert web.post(location, {"action": "confirm"}).status_code == 404


def test_cli_export(app, planner, make_companion, tmp_path):
    user, client = planner
    companion = make_companion(user.org, client=client, name="レン")
    out = tmp_path / "ren.png"
    result = app.test_cli_runner().invoke(
        args=["persona", "export", str(companion.id), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert read_any(out.read_bytes()).card["data"]["name"] == "レン"


@pytest.mark.parametrize(("lang", "unknown"), [("ja", "未確認"), ("en", "Not known yet")])
def test_the_pronoun_hint_names_the_choice_it_asks_for(web, planner, lang, unknown):
    web.post("/language", {"language": lang})
    page = web.get("/companions/new").get_data(as_text=True)
    assert re.search(rf'<option[^>]*value=""[^>]*>{unknown}</option>', page)
    hint = re.search(r'id="pronouns-hint">([^<]*)<', page).group(1)
    assert {"ja": f"「{unknown}」", "en": f"“{unknown}”"}[lang] in hint


@pytest.mark.parametrize(
    ("lang", "old_notes"),
    [("ja", "「おふたりの物語」導入前"), ("en", "Notes typed here before the questionnaire")],
)
def test_notes_from_before_the_questionnaire_show_only_when_there_are_some(
    web, planner, make_companion, lang, old_notes
):
    user, client = planner
    web.post("/language", {"language": lang})
    assert old_notes not in web.get("/companions/new").get_data(as_text=True)
    new = make_companion(user.org, client=client)
    assert old_notes not in web.get(f"/companions/{new.id}").get_data(as_text=True)
    old = make_companion(user.org, client=client, name="陽", how_met="駅のホームで")
    page = web.get(f"/companions/{old.id}").get_data(as_text=True)
    assert old_notes in page and "駅のホームで" in page
