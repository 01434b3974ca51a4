"""The planner's presentation page, the public viewer behind its secret link, and the QR code
on the printed program."""

import io
import re
import subprocess

import pytest
import zxingcpp
from PIL import Image

from tests.presentation.test_glb import GOOD, glb_with, portrait
from wedding.models import db
from wedding.personas.models import Companion
from wedding.presentation.models import Presentation, Standee
from wedding.storage.models import StoredFile
from wedding.storage.services import store


@pytest.fixture
def ceremony(app, web, make_user, make_companion, make_ceremony):
    user = make_user(role="planner", name="Planner Secret-Name", email="planner@secret.example")
    web.login(user)
    companion = make_companion(user.org, name="レン", artwork_printable=True)
    with app.app_context():
        row = db.session.get(Companion, companion.id)
        row.portrait_id = store(user.org_id, portrait((600, 900)), "image/png", "ren.png").id
        db.session.commit()
    return make_ceremony(user.org, companion=companion, notes="NOTES-SECRET")


def viewer_link(web, ceremony) -> str:
    page = web.get(f"/ceremonies/{ceremony.id}/presentation").get_data(as_text=True)
    return re.search(r'id="viewer-link" type="text" readonly value="([^"]+)"', page).group(1)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_the_viewer_shows_the_standee_and_nothing_else_of_the_company(app, web, ceremony):
    link = viewer_link(web, ceremony)
    token = link.rsplit("/", 1)[1]
    assert len(token.split("-", 1)[1]) >= 22  # 128 bits
    web.logout()
    page = web.get(path_of(link))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<model-viewer" in html
    assert 'ar-modes="webxr scene-viewer quick-look"' in html
    assert "static/vendor/model-viewer/model-viewer.min.js" in html
    for secret in ("Planner Secret-Name", "planner@secret.example", "NOTES-SECRET", "Chapel"):
        assert secret not in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "blob:" in page.headers["Content-Security-Policy"]
    model = web.get(path_of(link) + "/model.glb")
    assert model.mimetype == "model/gltf-binary" and model.data[:4] == b"glTF"


def test_the_standee_is_cached_and_remade_when_height_or_portrait_change(app, web, ceremony):
    link = path_of(viewer_link(web, ceremony))
    first = web.get(link + "/model.glb").data
    assert web.get(link + "/model.glb").data == first
    with app.app_context():
        assert db.session.scalars(db.select(Standee)).one()
    web.post(f"/ceremonies/{ceremony.id}/presentation", {"external_url": "", "height_cm": "160"})
    taller = web.get(link + "/model.glb").data
    assert taller != first and b'"max":[' in taller and b"1.6," in taller
    with app.app_context():
        assert len(db.session.scalars(db.select(Standee)).all()) == 1
        # the old standee file is gone: one portrait and one standee remain
        kinds = sorted(f.content_type for f in db.session.scalars(db.select(StoredFile)))
        assert kinds == ["image/png", "model/gltf-binary"]


def test_a_revoked_or_renewed_link_answers_404(app, web, ceremony):
    old = path_of(viewer_link(web, ceremony))
    base = f"/ceremonies/{ceremony.id}/presentation"
    web.post(f"{base}/revoke")
    for suffix in ("", "/model.glb", "/screen", "/portrait"):
        assert web.get(old + suffix).status_code == 404
    web.post(f"{base}/regenerate")
    new = path_of(viewer_link(web, ceremony))
    assert new != old and web.get(new).status_code == 200
    assert web.get(old).status_code == 404
    for forged in ("/ar/1-AAAAAAAAAAAAAAAAAAAAAA", "/ar/x-y", "/ar/99999999999999-abc", "/ar/-"):
        assert web.get(forged).status_code == 404


def test_uploads_are_read_before_they_are_kept(app, web, ceremony):
    base = f"/ceremonies/{ceremony.id}/presentation"

    def upload(data, name):
        return web.post(
            f"{base}/model",
            {"model": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )

    web.post("/language", {"language": "en"})
    page = upload(b"not a model at all", "x.glb").get_data(as_text=True)
    assert "cannot be used" in page and "not a GLB" in page
    with app.app_context():
        assert db.session.scalars(db.select(Presentation)).one().model_file_id is None
        assert len(db.session.scalars(db.select(StoredFile)).all()) == 1  # the portrait only
    vrm = glb_with({**GOOD, "extensionsUsed": ["VRM"]})
    assert "Model saved" in upload(vrm, "ren.vrm").get_data(as_text=True)
    with app.app_context():
        presentation = db.session.scalars(db.select(Presentation)).one()
        assert (presentation.model_kind, presentation.model_name) == ("vrm", "ren.vrm")
    link = path_of(viewer_link(web, ceremony))
    assert web.get(link + "/model.glb").data == vrm
    web.post(f"{base}/model/remove")
    assert web.get(link + "/model.glb").data != vrm


def test_the_venue_screen_has_the_run_of_show(app, web, ceremony):
    web.post(f"/ceremonies/{ceremony.id}/run-of-show/template", {"template": "chapel"})
    link = path_of(viewer_link(web, ceremony))
    page = web.get(link + "/screen").get_data(as_text=True)
    assert 'id="items"' in page and "js/screen.js" in page
    items = re.search(r'<script type="application/json" id="items">(.*?)</script>', page, re.S)
    assert '"title"' in items.group(1) and "start" in items.group(1)
    assert web.get(link + "/portrait").mimetype == "image/png"


def test_the_qr_code_on_the_program_opens_the_viewer(app, web, ceremony, tmp_path):
    link = viewer_link(web, ceremony)
    pdf = web.get(f"/ceremonies/{ceremony.id}/documents/program.pdf").data
    (tmp_path / "program.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(tmp_path / "program.pdf"), str(tmp_path / "page")],
        check=True,
    )
    found = []
    for page in sorted(tmp_path.glob("page-*.png")):
        with Image.open(page) as image:
            found += [code.text for code in zxingcpp.read_barcodes(image)]
    assert found == [link]
    card = web.get(f"/ceremonies/{ceremony.id}/documents/table_card.pdf")
    assert card.mimetype == "application/pdf"


def test_the_cli_writes_the_standee(app, ceremony, tmp_path):
    target = tmp_path / "ren.glb"
    result = app.test_cli_runner().invoke(
        args=["presentation", "standee", str(ceremony.companion_id), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:4] == b"glTF" and "175 cm" in result.output
    missing = app.test_cli_runner().invoke(args=["presentation", "standee", "999", "-o", "x"])
    assert missing.exit_code != 0 and "No companion 999" in missing.output
