"""Photos: uploads checked and stored, thumbnails in the background, compositing hand-offs,
and zips streamed a photo at a time (memory stays flat whatever the number of photos)."""

import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import IO

from flask import current_app
from PIL import Image, UnidentifiedImageError

from wedding.ceremonies.models import Ceremony
from wedding.erasure import ClientScope, eraser, ids, rowcount
from wedding.i18n import lazy_gettext as _l
from wedding.jobs import enqueue, task
from wedding.models import db, reading_only, utcnow
from wedding.photos.models import Photo, PhotoLink
from wedding.storage.models import StoredFile
from wedding.storage.services import sniff_image_type, store
from wedding.uploads import StreamedFile, size_label

# Defaults of FLASK_PHOTO_MAX_BYTES and FLASK_PHOTO_UPLOAD_MAX_BYTES (create_app).
MAX_PHOTO_BYTES = 40 * 1024 * 1024  # a full-size camera JPEG is 10-25 MB
MAX_UPLOAD_BYTES = 2 * 1024**3  # one upload of many photos, streamed to disk
# Refuse decompression bombs from the header, before decoding: 64 million pixels take a 61 MP
# camera's photo (9504 × 6336) and stay below Pillow's own warning (89 million), so the
# thumbnail job never decodes more than about 250 MB.
MAX_PIXELS = 64_000_000
TOO_MANY_PIXELS = _l("This photo has too many pixels (at most 64 million, e.g. 9504 × 6336).")
MAX_ZIP_PHOTOS = 300  # one zip; more are offered in parts
THUMB_SIZE = 480
# How long a link works, in days, chosen when it is made: (fewest, default, most).
LINK_DAYS = {"studio": (1, 14, 60), "family": (1, 30, 365)}
CHUNK = 256 * 1024


class PhotoError(ValueError):
    """An upload or a request the photos cannot take; the message says why."""


def photos_of(ceremony_id: int, only: Iterable[int] | None = None) -> list[Photo]:
    query = db.select(Photo).where(Photo.ceremony_id == ceremony_id).order_by(Photo.id)
    if only is not None:
        query = query.where(Photo.id.in_(list(only)))
    return list(db.session.scalars(query))


def too_large(limit: int) -> PhotoError:
    return PhotoError(_l("A photo may be at most %(size)s.", size=size_label(limit)))


def read_upload(stream: IO[bytes], limit: int | None = None) -> tuple[bytes, str | None]:
    """An uploaded photo's bytes (and SHA-256 when known), refused past the per-photo limit or
    when its first bytes are not a photo's. A StreamedFile was size-checked and hashed on its
    way to disk, so a refused file is never read into memory; any other stream is read up to
    the limit."""
    limit = limit or current_app.config["PHOTO_MAX_BYTES"]
    if isinstance(stream, StreamedFile):
        if stream.too_large or stream.size > limit:
            raise too_large(limit)
        if sniff_image_type(stream.head) is None:
            raise PhotoError(_l("Only JPEG, PNG or WebP photos can be uploaded."))
        stream.seek(0)
        return stream.read(), stream.sha256
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    return data, None


def image_size(data: bytes) -> tuple[str, int, int]:
    """The type and pixel size of a JPEG, PNG or WebP photo; PhotoError for anything else."""
    kind = sniff_image_type(data)
    if kind is None:
        raise PhotoError(_l("Only JPEG, PNG or WebP photos can be uploaded."))
    try:
        with warnings.catch_warnings():  # Pillow's warning above 89 million: ours is lower
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own limit, above ours: its header says so
        raise PhotoError(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise PhotoError(_l("This file is damaged or not a photo.")) from None
    if width * height > MAX_PIXELS:
        raise PhotoError(TOO_MANY_PIXELS)
    return kind, width, height


def add_photo(ceremony: Ceremony, upload: bytes | IO[bytes], filename: str) -> Photo:
    """Keep one photo (its bytes, or the uploaded file); its thumbnail is made by a background
    job. PhotoError, and nothing kept, for anything but a JPEG, PNG or WebP within the limit."""
    data, digest = (upload, None) if isinstance(upload, bytes) else read_upload(upload)
    kind, width, height = image_size(data)
    stored = store(ceremony.org_id, data, kind, filename, sha256=digest)
    photo = Photo(
        org_id=ceremony.org_id,
        ceremony_id=ceremony.id,
        file_id=stored.id,
        filename=filename[:255],
        width=width,
        height=height,
    )
    db.session.add(photo)
    db.session.flush()
    enqueue(make_thumbnail, photo.id, org_id=ceremony.org_id)
    return photo


def delete_photo(photo: Photo) -> None:
    """A photo uploaded by mistake (another couple's, a duplicate) is gone from everywhere it
    was shown: the planner's page, the client's gallery, family and studio links, the zips;
    its original, thumbnail and composite with it (each photo's files are its own)."""
    files = [i for i in (photo.file_id, photo.thumb_id, photo.finished_id) if i is not None]
    db.session.delete(photo)
    db.session.flush()  # the row that refers to the files goes first
    db.session.execute(db.delete(StoredFile).where(StoredFile.id.in_(files)))


def thumbnail_bytes(data: bytes, size: int = THUMB_SIZE) -> bytes:
    """A JPEG thumbnail that fits in ``size`` × ``size``."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (size, size))  # JPEG: decode at a reduced scale, much faster
        image = image.convert("RGB")
        image.thumbnail((size, size))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=82)
    return out.getvalue()


@task(retries=2, backoff=10)
def make_thumbnail(photo_id: int) -> dict:
    """Background job: the photo's thumbnail."""
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        return {"made": 0}
    data = db.session.scalar(db.select(StoredFile.data).where(StoredFile.id == photo.file_id))
    thumb = store(photo.org_id, thumbnail_bytes(data), "image/jpeg", f"thumb-{photo.id}.jpg")
    photo.thumb_id = thumb.id
    db.session.commit()
    return {"made": 1}


def set_compositing(ceremony: Ceremony, photo_ids: Iterable[int], needed: bool) -> int:
    """Mark photos as needing the companion composited in (or not)."""
    changed = 0
    for photo in photos_of(ceremony.id, photo_ids):
        if photo.composite in ("none", "needed"):
            photo.composite = "needed" if needed else "none"
            changed += 1
    db.session.flush()
    return changed


def link_days(kind: str, days: int | None) -> int:
    """The days a new link of this kind works: the default when none is given, else within
    the kind's bounds (PhotoError outside them)."""
    fewest, default, most = LINK_DAYS[kind]
    if days is None:
        return default
    if not fewest <= days <= most:
        raise PhotoError(
            _l("A link can work for %(fewest)d to %(most)d days.", fewest=fewest, most=most)
        )
    return days


def new_link(
    ceremony: Ceremony, kind: str, now: datetime | None = None, days: int | None = None
) -> PhotoLink:
    """A studio or family link that works for ``days`` (the kind's default when None)."""
    now = now or utcnow()
    link = PhotoLink(
        org_id=ceremony.org_id,
        ceremony_id=ceremony.id,
        kind=kind,
        expires_at=now + timedelta(days=link_days(kind, days)),
    )
    db.session.add(link)
    db.session.flush()
    return link


def hand_to_studio(
    ceremony: Ceremony, now: datetime | None = None, days: int | None = None
) -> PhotoLink:
    """A batch of the photos that need compositing, behind a download link that expires."""
    waiting = [p for p in photos_of(ceremony.id) if p.composite == "needed"]
    if not waiting:
        raise PhotoError(_l("Mark the photos that need the companion composited first."))
    link = new_link(ceremony, "studio", now, days)
    for photo in waiting:
        photo.composite, photo.batch_id = "sent", link.id
    db.session.flush()
    return link


def batch_photos(link: PhotoLink) -> list[Photo]:
    return list(
        db.session.scalars(db.select(Photo).where(Photo.batch_id == link.id).order_by(Photo.id))
    )


def take_back(link: PhotoLink, photo: Photo, upload: bytes | IO[bytes], filename: str) -> Photo:
    """The studio's finished photo replaces what the client and family see."""
    if photo.batch_id != link.id:
        raise PhotoError(_l("This photo is not part of the batch."))
    data, digest = (upload, None) if isinstance(upload, bytes) else read_upload(upload)
    kind, _, _ = image_size(data)
    photo.finished_id = store(photo.org_id, data, kind, filename, sha256=digest).id
    photo.composite = "done"
    db.session.flush()
    return photo


def link_from_token(token: str, kind: str, now: datetime) -> PhotoLink | None:
    link = PhotoLink.from_public_token(token, current_app.config["SECRET_KEY"])
    return link if link is not None and link.kind == kind and link.usable(now) else None


def toggle_favourite(photo: Photo) -> None:
    photo.favourite = not photo.favourite
    db.session.flush()


# --- zips ----------------------------------------------------------------------------------


class _Sink(io.RawIOBase):
    """Where zipfile writes; the stream takes what has been written so far."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def zip_chunks(entries: Iterable[tuple[str, Callable[[], bytes]]]) -> Iterator[bytes]:
    """A zip written as it is read: each entry's bytes are loaded only when its turn comes and
    let go right after (photos are JPEGs already: stored, not compressed again)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
        for name, load in entries:
            data = load()
            with archive.open(name, "w", force_zip64=True) as member:
                for start in range(0, len(data), CHUNK):
                    member.write(data[start : start + CHUNK])
                    yield sink.take()
            del data
            yield sink.take()
    yield sink.take()


def zip_part(photos: list[Photo], part: int) -> list[Photo]:
    """One zip's share of the photos (``part`` from 1); PhotoError when there is no such part."""
    parts = max(1, -(-len(photos) // MAX_ZIP_PHOTOS))
    if not 1 <= part <= parts:
        raise PhotoError(_l("There is no such part."))
    return photos[(part - 1) * MAX_ZIP_PHOTOS : part * MAX_ZIP_PHOTOS]


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name).strip("._") or "photo"


def photo_entries(photos: list[Photo], finished: bool = True) -> list[tuple[str, Callable]]:
    """(name in the zip, loader) per photo, read from the rows now; each loader reads one file
    and ends its transaction, so that a long download holds no lock and no rows in memory. The
    loaders run in the streamed body, after the request's teardown: as readers, never taking
    SQLite's write lock (which would make writers wait on the download, and it on them)."""

    def loader(file_id: int) -> Callable[[], bytes]:
        def load() -> bytes:
            with reading_only():
                data = db.session.scalar(db.select(StoredFile.data).where(StoredFile.id == file_id))
                db.session.rollback()
            return data

        return load

    return [
        (
            f"{number:03d}-{_safe(photo.filename)}",
            loader(photo.shown_file_id if finished else photo.file_id),
        )
        for number, photo in enumerate(photos, start=1)
    ]


@eraser(order=10)
def erase_photos(scope: ClientScope) -> dict[str, int]:
    """Erasure: the photos of the client's ceremonies (originals, thumbnails, composites) and
    every studio or family link to them."""
    in_ceremonies = Photo.ceremony_id.in_(scope.ceremony_ids)
    for column in (Photo.file_id, Photo.thumb_id, Photo.finished_id):
        scope.files |= ids(db.select(column).where(in_ceremonies))
    return {
        "photos": rowcount(db.delete(Photo).where(in_ceremonies)),
        "photo_links": rowcount(
            db.delete(PhotoLink).where(PhotoLink.ceremony_id.in_(scope.ceremony_ids))
        ),
    }
