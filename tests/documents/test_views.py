"""Document pages: preview, download, issue and reissue, branding, and the CLI."""

import io
import re

import pytest
from PIL import Image
from sqlalchemy.exc import IntegrityError

from tests.documents.conftest import pdf_text
from wedding.audit import AuditEvent
from wedding.documents import views
from wedding.documents.models import Branding, IssuedDocument
from wedding.documents.services import next_certificate_number
from wedding.models import db
from wedding.storage.models import StoredFile
from wedding.vows.models import VowVersion


@pytest.fixture
def planner_ceremony(web, couple):
    user, ceremony = couple()
    web.login(user)
    return user, ceremony


def test_preview_is_the_document_with_its_own_strict_policy(web, planner_ceremony):
    _, ceremony = planner_ceremony
    response = web.get(f"/ceremonies/{ceremony.id}/documents/certificate/preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<style nonce="{nonce}">' in page and "default-src 'none'" in policy
    assert "佐藤 美咲" in page and "結婚証明書" in page
    assert web.get(f"/ceremonies/{ceremony.id}/documents/passport/preview").status_code == 404


def test_download_issue_and_reissue_keep_the_certificate_number(app, web, planner_ceremony):
    _, ceremony = planner_ceremony
    base = f"/ceremonies/{ceremony.id}/documents"
    response = web.get(f"{base}/program.pdf")
    assert (
        response.mimetype == "application/pdf"
        and "attachment" in response.headers["Content-Disposition"]
    )
    assert "佐藤 美咲" in pdf_text(response.data)
    with app.app_context():
        assert (
            db.session.scalars(db.select(IssuedDocument)).all() == []
        )  # a download issues nothing

    web.post(f"{base}/certificate/issue", {"note": ""})
    web.post(f"{base}/certificate/issue", {"note": "Corrected the witness's name"})
    web.post(f"{base}/program/issue", {"note": ""})
    with app.app_context():
        issued = db.session.scalars(db.select(IssuedDocument).order_by(IssuedDocument.id)).all()
        assert [(d.kind, d.version, d.number) for d in issued] == [
            ("certificate", 1, "2031-0001"),
            ("certificate", 2, "2031-0001"),
            ("program", 1, None),
        ]
        first_id, second_id = issued[0].id, issued[1].id
    page = web.get(base).get_data(as_text=True)
    assert "Corrected the witness" in page or "Corrected the witness&#39;s name" in page
    second = web.get(f"{base}/issued/{second_id}.pdf")
    text = pdf_text(second.data)
    assert "2031-0001（第2版）" in text or "2031-0001 (version 2)" in text
    assert "第2版" not in pdf_text(web.get(f"{base}/issued/{first_id}.pdf").data)


def test_a_head_request_makes_and_records_nothing(app, web, planner_ceremony, monkeypatch):
    """A link checker or a chat preview asking for the headers does not render the PDF nor
    record a download; the download itself does both."""
    _, ceremony = planner_ceremony
    url = f"/ceremonies/{ceremony.id}/documents/certificate.pdf"
    made = []
    real = views.render_pdf
    monkeypatch.setattr(views, "render_pdf", lambda *a, **k: made.append(a[0]) or real(*a, **k))

    def downloads() -> int:
        with app.app_context():
            return db.session.scalar(
                db.select(db.func.count()).where(AuditEvent.detail == "download:certificate")
            )

    head = web.client.head(url)
    assert head.status_code == 200 and head.mimetype == "application/pdf"
    assert "attachment" in head.headers["Content-Disposition"]
    assert made == [] and downloads() == 0
    assert web.get(url).data.startswith(b"%PDF")
    assert made == ["certificate"] and downloads() == 1


def test_the_database_keeps_a_certificate_number_to_one_ceremony(
    app, web, planner_ceremony, couple
):
    _, ceremony = planner_ceremony
    web.post(f"/ceremonies/{ceremony.id}/documents/certificate/issue", {"note": ""})
    with app.app_context():
        first = db.session.scalars(db.select(IssuedDocument)).one()
        twin = IssuedDocument(
            org_id=first.org_id,
            ceremony_id=first.ceremony_id + 999,
            kind="certificate",
            version=1,
            number=first.number,
            language="ja",
            theme="classic",
            file_id=first.file_id,
            size=1,
            issued_at=first.issued_at,
        )
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_vow_card_without_approved_vows_is_refused_clearly(app, web, planner_ceremony):
    _, ceremony = planner_ceremony
    with app.app_context():
        for version in db.session.scalars(db.select(VowVersion)):
            version.approved_at = None
        db.session.commit()
    web.post("/language", {"language": "en"})
    base = f"/ceremonies/{ceremony.id}/documents"
    page = web.get(f"{base}/vow_card.pdf", follow_redirects=True).get_data(as_text=True)
    assert "Approve the companion" in page
    page = web.post(f"{base}/vow_card/issue", {"note": ""}, follow_redirects=True)
    assert "Approve the companion" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(IssuedDocument)).all() == []


def test_settings_are_saved_and_bad_ones_refused(app, web, planner_ceremony):
    _, ceremony = planner_ceremony
    base = f"/ceremonies/{ceremony.id}/documents"
    fields = {
        "theme": "sakura",
        "language": "en",
        "size": "a5",
        "vow_reader": "Ken",
        "photographer": "",
        "witness": "Yumi",
        "thank_you": "Thank you all!",
    }
    assert web.post(base, fields).status_code == 302
    assert "Thank you all!" in pdf_text(web.get(f"{base}/program.pdf").data)
    response = web.post(base, {**fields, "theme": "gothic-horror"})
    assert response.status_code == 200
    with app.app_context():
        from wedding.documents.models import DocumentSettings

        saved = db.session.scalars(db.select(DocumentSettings)).one()
        assert (saved.theme, saved.size, saved.witness) == ("sakura", "a5", "Yumi")


def png(color=(200, 40, 90), size=(120, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_owner_brands_the_documents_and_a_bad_logo_is_refused(app, web, make_user, couple):
    owner, ceremony = couple()
    with app.app_context():
        from wedding.accounts.models import User

        db.session.get(User, owner.id).role = "owner"
        db.session.commit()
    web.login(owner)
    bad = web.post(
        "/company/branding",
        {"color": "#c9637f", "logo": (io.BytesIO(b"<svg/>"), "logo.svg")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200
    assert "cannot be read" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(Branding)).all() == []
        assert db.session.scalars(db.select(StoredFile)).all() == []
    assert (
        web.post(
            "/company/branding",
            {"color": "red; } body { x", "logo": (io.BytesIO(b""), "")},
            content_type="multipart/form-data",
        ).status_code
        == 200
    )
    ok = web.post(
        "/company/branding",
        {"color": "#c9637f", "logo": (io.BytesIO(png()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    pdf = web.get(f"/ceremonies/{ceremony.id}/documents/certificate.pdf").data
    assert b"/Subtype /Image" in pdf
    assert web.get("/company/logo").mimetype == "image/png"
    web.logout()
    planner = make_user(role="planner")
    web.login(planner)
    assert web.get("/company/branding").status_code == 403


def test_the_cli_renders_a_pdf(app, couple, tmp_path):
    _, ceremony = couple()
    target = tmp_path / "certificate.pdf"
    result = app.test_cli_runner().invoke(
        args=["render", "certificate", str(ceremony.id), "-o", str(target), "--theme", "modern"]
    )
    assert result.exit_code == 0, result.output
    assert "佐藤 美咲" in pdf_text(target.read_bytes())
    missing = app.test_cli_runner().invoke(args=["render", "program", "999", "-o", str(target)])
    assert missing.exit_code != 0 and "No ceremony 999" in missing.output


def test_certificate_numbers_never_go_back_after_an_erasure(app, web, planner_ceremony):
    """Issue 14, class 7: a count of issued certificates went back after an erasure and the
    next issue took a number already given (a 500 on the unique index)."""
    _, ceremony = planner_ceremony
    base = f"/ceremonies/{ceremony.id}/documents"
    assert web.post(f"{base}/certificate/issue", {"note": ""}).status_code == 302
    with app.app_context():
        first = db.session.scalars(db.select(IssuedDocument)).one()
        assert first.number.endswith("-0001")
        db.session.delete(first)  # what an erasure does to the client's documents
        db.session.commit()
    assert "-0002" in web.get(f"{base}/certificate/preview").get_data(as_text=True)  # the preview
    assert web.post(f"{base}/certificate/issue", {"note": ""}).status_code == 302
    with app.app_context():
        assert db.session.scalars(db.select(IssuedDocument.number)).one().endswith("-0002")
        org_id, year = ceremony.org_id, int(first.number[:4])
        assert [next_certificate_number(org_id, year) for _ in range(2)] == [3, 4]
        assert next_certificate_number(org_id, year + 1) == 1
        db.session.rollback()
