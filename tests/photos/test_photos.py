"""Photos: checked uploads, thumbnails by a job, the studio hand-off, galleries, streamed zips."""

import hashlib
import io
import re
import tracemalloc
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import event

from tests.images import png_claiming
from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.photos.models import Photo, PhotoLink
from wedding.photos.services import (
    MAX_ZIP_PHOTOS,
    PhotoError,
    add_photo,
    image_size,
    photo_entries,
    read_upload,
    zip_chunks,
)
from wedding.storage.models import StoredFile
from wedding.uploads import StreamedFile


def jpeg(color=(200, 120, 140), size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def shoot(app, web, make_user, make_ceremony):
    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    web.login(user)
    return user, ceremony


def upload(web, ceremony_id, *files):
    return web.post(
        f"/ceremonies/{ceremony_id}/photos/upload",
        {"photos": [(io.BytesIO(data), name) for name, data in files]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_uploads_are_checked_and_thumbnails_made(app, web, shoot):
    _, ceremony = shoot
    page = upload(
        web,
        ceremony.id,
        ("a.jpg", jpeg()),
        ("notes.txt", b"not a photo at all"),
        ("fake.jpg", b"\xff\xd8\xff" + b"\x00" * 100),
    ).get_data(as_text=True)
    assert "notes.txt" in page and "fake.jpg" in page  # each refusal named, in one line
    # The box chooses the photo; its state is said beside it, not as the box's label.
    assert re.search(
        r'<label class="choice"><input type="checkbox" name="photo_id" value="\d+"> '
        r'選ぶ<span class="visually-hidden"> a\.jpg</span></label>\s*'
        r'<small class="photo-state">合成なし</small>',
        page,
    )
    with app.app_context():
        (photo,) = db.session.scalars(db.select(Photo))
        assert (photo.width, photo.height) == (640, 480)
        assert photo.thumb_id is not None  # the job ran when the upload committed
        thumb_id = photo.id
    thumb = web.get(f"/ceremonies/{ceremony.id}/photos/{thumb_id}/thumb")
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert max(image.size) == 480


def announced(web, url, size):
    """A request that announces ``size`` bytes (as a browser sending a huge file would) and
    sends ten."""
    return web.client.post(
        url,
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(size)},
    )


def photo_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Photo.id)))


def test_a_2_gb_file_is_refused_before_it_is_read_with_the_limits_named(app, web, shoot):
    _, ceremony = shoot
    url = f"/ceremonies/{ceremony.id}/photos/upload"
    response = announced(web, url, 2 * 1024**3 + 200)  # a 2 GB file and its form
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "合計2 GBまで、写真は1枚40 MBまで" in text  # how much an upload and a photo may be
    assert photo_count(app) == 0


def test_the_photo_upload_may_be_larger_than_the_rest_of_the_app(app, web, shoot):
    _, ceremony = shoot
    sixty_mb = 60 * 1024 * 1024  # over the app-wide 51 MB
    assert announced(web, "/vendors/new", sixty_mb).status_code == 413
    assert announced(web, f"/ceremonies/{ceremony.id}/photos/upload", sixty_mb).status_code != 413


def test_limits_come_from_config_and_each_file_is_judged_alone(app, web, shoot, tmp_path):
    _, ceremony = shoot
    small, big = jpeg(size=(64, 48)), jpeg(size=(1200, 900))
    app.config.update(PHOTO_MAX_BYTES=len(small) + 10, UPLOAD_DIR=str(tmp_path / "stream"))
    page = upload(web, ceremony.id, ("small.jpg", small), ("big.jpg", big)).get_data(as_text=True)
    assert "big.jpg: 写真は1枚" in page  # refused by name, with the limit
    assert (tmp_path / "stream").is_dir()  # the files went through the upload directory
    with app.app_context():
        (photo,) = db.session.scalars(db.select(Photo))
        assert photo.filename == "small.jpg"
        stored = db.session.get(StoredFile, photo.file_id)
        assert stored.sha256 == hashlib.sha256(small).hexdigest()  # hashed as it streamed
        assert stored.size == len(small)
    # a whole upload over its limit: a clear page and nothing kept
    app.config.update(PHOTO_UPLOAD_MAX_BYTES=len(small) * 2, PHOTO_MAX_BYTES=len(small) * 2)
    response = upload(web, ceremony.id, ("a.jpg", small), ("b.jpg", small), ("c.jpg", small))
    assert response.status_code == 413
    assert photo_count(app) == 1
    # no temporary file stays behind in the upload directory, whatever the outcome
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_streamed_file_counts_hashes_and_stops_keeping_past_its_limit(tmp_path):
    data = jpeg()
    kept = StreamedFile(tmp_path, limit=len(data))
    for start in range(0, len(data), 1000):
        kept.write(data[start : start + 1000])
    kept.seek(0)
    assert kept.read() == data and kept.size == len(data) and not kept.too_large
    assert kept.sha256 == hashlib.sha256(data).hexdigest() and kept.head == data[:64]
    cut = StreamedFile(tmp_path, limit=len(data) - 1)
    for start in range(0, len(data), 1000):
        cut.write(data[start : start + 1000])
    cut.seek(0)
    assert cut.too_large and cut.read() == b""  # nothing of it is kept
    with pytest.raises(PhotoError):
        read_upload(cut, limit=len(data) - 1)
    text = StreamedFile(tmp_path, limit=1000)
    text.write(b"just some text, not a photo")
    with pytest.raises(PhotoError):
        read_upload(text, limit=1000)  # refused from its first bytes
    for f in (kept, cut, text):
        f.close()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # never named on disk


def test_image_checks():
    assert image_size(jpeg())[1:] == (640, 480)
    assert image_size(png_claiming(9, 7))[1:] == (9, 7)
    with pytest.raises(PhotoError):
        image_size(b"GIF89a....")
    assert image_size(png_claiming(9504, 6336))[1:] == (9504, 6336)  # a 61 MP camera's
    for width, height in ((8_001, 8_000), (12_000, 9_000), (20_000, 20_000)):
        # ours; ours above Pillow's warning; Pillow's own refusal
        with pytest.raises(PhotoError, match="too many pixels"):
            image_size(png_claiming(width, height))


def test_a_photo_claiming_too_many_pixels_is_named_and_the_others_kept(app, web, shoot):
    _, ceremony = shoot
    page = upload(web, ceremony.id, ("bomb.png", png_claiming(20_000, 20_000)), ("a.jpg", jpeg()))
    text = page.get_data(as_text=True)
    assert page.status_code == 200  # it was a 500, the good photo lost
    assert "bomb.png" in text and "6400万画素まで" in text
    with app.app_context():
        assert db.session.scalars(db.select(Photo.filename)).all() == ["a.jpg"]


def test_studio_hand_off_and_return(app, web, shoot):
    _, ceremony = shoot
    upload(web, ceremony.id, ("a.jpg", jpeg()), ("b.jpg", jpeg((10, 10, 10))))
    with app.app_context():
        first, second = db.session.scalars(db.select(Photo.id).order_by(Photo.id))
    refused = web.post(f"/ceremonies/{ceremony.id}/photos/links", {"kind": "studio"})
    assert refused.status_code == 302  # nothing marked: a clear message, no link
    with app.app_context():
        assert db.session.scalar(db.select(PhotoLink)) is None
    for typed in ("²", "99999999999999999999"):  # no photo's id: passed over (it was a 500)
        odd = {"photo_id": [typed, first], "needed": "yes"}
        assert web.post(f"/ceremonies/{ceremony.id}/photos/compositing", odd).status_code == 302
    with app.app_context():
        assert db.session.get(Photo, first).composite == "needed"
        db.session.get(Photo, first).composite = "none"
        db.session.commit()
    web.post(f"/ceremonies/{ceremony.id}/photos/compositing", {"photo_id": first, "needed": "yes"})
    marked = web.get(f"/ceremonies/{ceremony.id}/photos/").get_data(as_text=True)
    # A box chooses a photo for the buttons, never ticked beforehand: a marked photo's ticked
    # box was un-marked with the next photo chosen for "No compositing".
    assert " checked" not in marked and "合成が必要" in marked
    web.post(f"/ceremonies/{ceremony.id}/photos/links", {"kind": "studio"})
    page = web.get(f"/ceremonies/{ceremony.id}/photos/").get_data(as_text=True)
    (studio_url,) = re.findall(r'value="http://localhost(/studio/[^"]+)"', page)
    studio = app.test_client()
    batch = studio.get(studio_url).get_data(as_text=True)
    assert "a.jpg" in batch and "b.jpg" not in batch
    archive = zipfile.ZipFile(io.BytesIO(studio.get(studio_url + "/batch.zip").data))
    assert archive.namelist() == ["001-a.jpg"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', batch).group(1)
    studio.post(
        f"{studio_url}/{first}",
        data={"csrf_token": token, "finished": (io.BytesIO(jpeg((0, 0, 255))), "a-done.jpg")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        photo = db.session.get(Photo, first)
        assert photo.composite == "done" and photo.finished_id is not None
        finished_id = photo.finished_id
    bomb = studio.post(
        f"{studio_url}/{first}",
        data={"csrf_token": token, "finished": (io.BytesIO(png_claiming(20_000, 20_000)), "x.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert bomb.status_code == 200  # a studio's link only: it was a 500
    assert "写真の画素数が多すぎます（6400万画素まで。" in bomb.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Photo, first).finished_id == finished_id  # nothing replaced
        link = db.session.scalar(db.select(PhotoLink))
        link.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    assert studio.get(studio_url).status_code == 404  # expired: a clear page
    assert second


def test_family_link_and_client_gallery(app, web, shoot, make_client):
    _, ceremony = shoot
    upload(web, ceremony.id, ("a.jpg", jpeg()))
    web.post(f"/ceremonies/{ceremony.id}/photos/links", {"kind": "family"})
    page = web.get(f"/ceremonies/{ceremony.id}/photos/").get_data(as_text=True)
    (share_url,) = re.findall(r'value="http://localhost(/shared-photos/[^"]+)"', page)
    family = app.test_client()
    assert "a.jpg" in family.get(share_url).get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(family.get(share_url + "/photos.zip").data))
    assert archive.namelist() == ["001-a.jpg"]
    with app.app_context():
        link = db.session.scalar(db.select(PhotoLink))
        link.revoke()
        db.session.commit()
    assert family.get(share_url).status_code == 404


def test_a_zip_of_more_photos_than_one_part_gets_a_clear_answer(app, web, shoot):
    _, ceremony = shoot
    response = web.get(f"/ceremonies/{ceremony.id}/photos/photos.zip?part=2")
    assert response.status_code == 400
    assert "part" in response.get_data(as_text=True) or "分割" in response.get_data(as_text=True)


def test_a_zip_download_reads_each_photo_without_the_write_lock(app, web, shoot):
    """SQLite: the photos are read in the streamed body, after the request's teardown; each
    read begins a reader's transaction (BEGIN), never BEGIN IMMEDIATE, which would make every
    writer wait on the download and the download on every writer."""
    _, ceremony = shoot
    upload(web, ceremony.id, ("a.jpg", jpeg()), ("b.jpg", jpeg()))
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = web.get(f"/ceremonies/{ceremony.id}/photos/photos.zip")
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(archive.namelist()) == 2
    reads = [i for i, s in enumerate(seen) if "stored_files.data" in s]
    assert len(reads) == 2, seen
    # What began each photo's transaction: the last BEGIN before its read.
    began = [next(s for s in reversed(seen[:i]) if s.startswith("BEGIN")) for i in reads]
    assert began == ["BEGIN", "BEGIN"], seen


def test_zips_stream_with_flat_memory(app, shoot):
    """Forty 1 MB photos: the zip is read a chunk at a time and never held whole."""
    _, ceremony = shoot
    big = jpeg(size=(1200, 900)) + b"\x00" * (1024 * 1024)  # JPEG with trailing bytes: 1+ MB
    with app.app_context():
        from wedding.storage.services import store

        for n in range(40):
            stored = store(ceremony.org_id, big, "image/jpeg", f"{n}.jpg")
            db.session.add(
                Photo(
                    org_id=ceremony.org_id,
                    ceremony_id=ceremony.id,
                    file_id=stored.id,
                    filename=f"{n}.jpg",
                    width=1200,
                    height=900,
                )
            )
        db.session.commit()
        entries = photo_entries(list(db.session.scalars(db.select(Photo))))
        db.session.rollback()
        db.session.expunge_all()
        tracemalloc.start()
        total = 0
        for chunk in zip_chunks(entries):
            total += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert total > 40 * 1024 * 1024
    assert peak < 8 * 1024 * 1024  # a few photos' worth at most, not forty
    assert MAX_ZIP_PHOTOS == 300
    assert Ceremony


def test_many_photos_in_one_upload_do_not_add_up_in_memory(app, shoot, tmp_path):
    """Twenty 1 MB photos kept in one transaction: each one's bytes are let go once written
    (nothing holds the stored rows, whose bytes the session's weak identity map lets go)."""
    _, ceremony = shoot
    big = jpeg(size=(1200, 900)) + b"\x00" * (1024 * 1024)
    files = []
    for _ in range(20):
        streamed = StreamedFile(tmp_path, limit=len(big))
        streamed.write(big)
        files.append(streamed)
    with app.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        tracemalloc.start()
        for n, streamed in enumerate(files):
            add_photo(record, streamed, f"{n}.jpg")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(Photo.id))) == 20
    for streamed in files:
        streamed.close()
    print(f"peak while keeping 20 photos of 1 MB: {peak / 1024 / 1024:.1f} MB")
    assert peak < 8 * 1024 * 1024, peak  # a few photos' worth at most, not twenty


def lifetime(app) -> timedelta:
    with app.app_context():
        link = db.session.scalars(db.select(PhotoLink).order_by(PhotoLink.id.desc())).first()
        return link.expires_at - link.created_at


def link_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(PhotoLink.id)))


def test_a_link_works_for_the_days_chosen_within_bounds(app, web, shoot):
    _, ceremony = shoot
    url = f"/ceremonies/{ceremony.id}/photos/links"
    page = web.get(f"/ceremonies/{ceremony.id}/photos/").get_data(as_text=True)
    assert 'name="family_days" value="30" min="1" max="365"' in page  # the default, bounded
    web.post(url, {"kind": "family"})  # no number: the default
    assert abs(lifetime(app) - timedelta(days=30)) < timedelta(minutes=1)
    web.post(url, {"kind": "family", "family_days": "3"})
    assert abs(lifetime(app) - timedelta(days=3)) < timedelta(minutes=1)
    for bad, message in (
        ("0", "リンクの有効期間は1〜365日の間で指定してください。"),
        ("366", "リンクの有効期間は1〜365日の間で指定してください。"),
        ("99999999999", "リンクの有効日数を数字で入力してください。"),
        ("-1", "リンクの有効日数を数字で入力してください。"),
        ("x", "リンクの有効日数を数字で入力してください。"),
        ("９", "リンクの有効日数を数字で入力してください。"),
    ):
        answer = web.post(url, {"kind": "family", "family_days": bad}, follow_redirects=True)
        assert answer.status_code == 200
        assert message in answer.get_data(as_text=True), bad
    assert link_count(app) == 2  # nothing made from a refused number
    # the studio's bounds are its own
    upload(web, ceremony.id, ("a.jpg", jpeg()))
    with app.app_context():
        photo_id = db.session.scalar(db.select(Photo.id))
    web.post(
        f"/ceremonies/{ceremony.id}/photos/compositing", {"photo_id": photo_id, "needed": "yes"}
    )
    web.post(url, {"kind": "studio", "studio_days": "61"})
    assert link_count(app) == 2
    with app.app_context():
        assert db.session.get(Photo, photo_id).composite == "needed"  # not handed over
    web.post(url, {"kind": "studio", "studio_days": "60"})
    assert abs(lifetime(app) - timedelta(days=60)) < timedelta(minutes=1)


def test_a_photo_uploaded_by_mistake_is_deleted_from_everywhere(app, web, shoot, make_user):
    """Another couple's photo, uploaded by mistake, stayed in the client's gallery and zips:
    there was no way to delete a photo."""
    user, ceremony = shoot
    upload(web, ceremony.id, ("ours.jpg", jpeg()), ("theirs.jpg", jpeg((10, 10, 10))))
    web.post(f"/ceremonies/{ceremony.id}/photos/links", {"kind": "family"})
    page = web.get(f"/ceremonies/{ceremony.id}/photos/").get_data(as_text=True)
    (share_url,) = re.findall(r'value="http://localhost(/shared-photos/[^"]+)"', page)
    with app.app_context():
        ours, theirs = db.session.scalars(db.select(Photo).order_by(Photo.id))
        ours_id, theirs_id = ours.id, theirs.id
        theirs_files = [theirs.file_id, theirs.thumb_id]
        assert all(theirs_files)
    delete = f"/ceremonies/{ceremony.id}/photos/{theirs_id}/delete"
    assert f'formaction="{delete}"' in page and "はい、この写真を削除します" in page
    # Not by another company's planner, nor by someone who may only read.
    for outsider in (make_user(), make_user(org=user.org, role="viewer")):
        other = type(web)(app)
        other.login(outsider)
        assert other.post(delete).status_code in (403, 404)
    assert web.post(delete, csrf=False).status_code == 400
    done = web.post(delete, follow_redirects=True).get_data(as_text=True)
    assert "写真「theirs.jpg」を削除しました" in done
    with app.app_context():
        assert [p.id for p in db.session.scalars(db.select(Photo))] == [ours_id]
        assert not db.session.scalars(
            db.select(StoredFile.id).where(StoredFile.id.in_(theirs_files))
        ).all()
    family = app.test_client()
    assert "theirs.jpg" not in family.get(share_url).get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(family.get(share_url + "/photos.zip").data))
    assert archive.namelist() == ["001-ours.jpg"]
    assert web.post(delete).status_code == 404  # gone: a second click finds nothing


def test_a_link_says_until_when_in_the_venues_time(app, web, shoot):
    """A Seattle venue's family link said 「until Fri 18 Dec 3:09 AM」, Tokyo's time."""
    from wedding.i18n import format_local_datetime as local_datetime
    from wedding.venues.models import Venue

    _, ceremony = shoot
    with app.app_context():
        venue = db.session.get(Venue, db.session.get(Ceremony, ceremony.id).venue_id)
        venue.timezone = "America/Los_Angeles"
        db.session.commit()
    web.post(f"/ceremonies/{ceremony.id}/photos/links", {"kind": "family"})
    page = web.get(f"/ceremonies/{ceremony.id}/photos/").get_data(as_text=True)
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "ja"}):
        expires = db.session.scalar(db.select(PhotoLink.expires_at))
        seattle = str(local_datetime(expires, "America/Los_Angeles"))
        tokyo = str(local_datetime(expires, "Asia/Tokyo"))
    assert seattle != tokyo and seattle in page and tokyo not in page
