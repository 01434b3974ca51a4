"""The planner's presentation page, the public viewer behind its secret link, and the QR code
on the printed program."""

import io
import re
import subprocess
from types import SimpleNamespace

import pytest
import zxingcpp
from PIL import Image

from tests.conftest import Web, app_config
from tests.presentation.test_glb import GOOD, glb_with, portrait
from wedding import create_app
from wedding.jobs import Job, run_queued
from wedding.models import db, dispose_engines
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
    """The link as the planner copies it (made first: factory ceremonies come without one)."""
    web.post(f"/ceremonies/{ceremony.id}/presentation/create")
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
    web.post(f"{base}/create")

    def upload(data, name):
        return web.post(
            f"{base}/model",
            {"model": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )

    web.post("/language", {"language": "en"})
    with app.app_context():
        kept = len(db.session.scalars(db.select(StoredFile)).all())  # portrait and standee
    page = upload(b"not a model at all", "x.glb").get_data(as_text=True)
    assert "cannot be used" in page and "not a GLB" in page
    with app.app_context():
        assert db.session.scalars(db.select(Presentation)).one().model_file_id is None
        assert len(db.session.scalars(db.select(StoredFile)).all()) == kept  # nothing new
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


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        counts = {
            table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
        return counts


def test_the_standee_is_a_job_and_the_viewer_only_reads(app, database_url, web, ceremony):
    """Making the link queues the standee; until a worker has made it, the viewer shows the
    portrait and a page that reloads itself, and its GETs write nothing at all."""
    # A queue nobody consumes: the job waits until run_queued plays the worker.
    queued = create_app(app_config(database_url, JOB_QUEUE_URL="memory://"))
    planner = Web(queued)
    planner.login(SimpleNamespace(email="planner@secret.example"))
    link = path_of(viewer_link(planner, ceremony))
    with queued.app_context():
        (job,) = db.session.scalars(db.select(Job)).all()
        assert (job.name, job.status) == ("wedding.presentation.services.make_standee", "queued")
        assert db.session.scalars(db.select(Standee)).all() == []
        db.session.remove()
    page = planner.get(f"/ceremonies/{ceremony.id}/presentation").get_data(as_text=True)
    assert f'data-job="/jobs/{job.id}"' in page  # the planner sees it being made

    guest = queued.test_client()
    before = table_counts(queued)
    for language in ("ja", "en"):
        viewer = guest.get(link, headers={"Accept-Language": language})
        html = viewer.get_data(as_text=True)
        assert viewer.status_code == 200 and 'id="preparing"' in html
        assert '<meta http-equiv="refresh"' in html and "<model-viewer" not in html
        assert f'src="{link}/portrait"' in html  # the portrait meanwhile
        assert ("準備" in html) if language == "ja" else ("being prepared" in html)
    assert guest.get(link + "/model.glb").status_code == 404
    assert table_counts(queued) == before  # nothing made, nothing written

    assert run_queued(queued) == 1
    with queued.app_context():
        done = db.session.get(Job, job.id)
        standee = db.session.scalars(db.select(Standee)).one()
        assert done.status == "done" and done.result == {"file_id": standee.file_id}
        db.session.remove()
    before = table_counts(queued)
    html = guest.get(link).get_data(as_text=True)
    assert "<model-viewer" in html and 'id="preparing"' not in html
    assert guest.get(link + "/model.glb").data[:4] == b"glTF"
    assert table_counts(queued) == before
    with queued.app_context():
        db.session.remove()
        dispose_engines()


def test_pages_that_show_the_link_never_make_it(app, web, ceremony):
    """A ceremony from before links came with ceremonies: its pages read, the button makes."""
    base = f"/ceremonies/{ceremony.id}/presentation"
    page = web.get(base).get_data(as_text=True)
    assert 'id="no-viewer-link"' in page and f"{base}/create" in page
    assert web.get(f"/ceremonies/{ceremony.id}/documents/program/preview").status_code == 200
    assert web.get(f"{base}/model.glb").status_code == 404
    with app.app_context():
        assert db.session.scalars(db.select(Presentation)).all() == []
        assert db.session.scalars(db.select(Job)).all() == []
    web.post(f"{base}/create")
    with app.app_context():
        assert db.session.scalars(db.select(Presentation)).one().ceremony_id == ceremony.id
        assert db.session.scalars(db.select(Standee)).one()  # its job ran (immediate mode)
    assert 'id="viewer-link"' in web.get(base).get_data(as_text=True)
