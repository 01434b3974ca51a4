"""The AR presentation's rules: links, models, the standee cache, QR codes."""

import io
import uuid
from collections.abc import Callable

import segno
from flask import current_app

from wedding.ceremonies.models import Ceremony
from wedding.erasure import ClientScope, eraser, ids, rowcount
from wedding.jobs import Job, enqueue, report_progress, task
from wedding.models import db, utcnow
from wedding.personas.models import Companion
from wedding.personas.services import forget_cutout
from wedding.presentation.cutout import CutoutError, cut_out, has_own_transparency
from wedding.presentation.glb import ModelError, is_vrm, read_glb, standee_glb
from wedding.presentation.models import Presentation, Standee
from wedding.storage.models import StoredFile
from wedding.storage.services import store
from wedding.tokens import derive
from wedding.urls import public_url

MAX_MODEL_BYTES = 50 * 1024 * 1024


def presentation_for(ceremony: Ceremony) -> Presentation:
    """The ceremony's presentation, created on first use."""
    found = db.session.scalar(db.select(Presentation).filter_by(ceremony_id=ceremony.id))
    if found is None:
        found = Presentation(org_id=ceremony.org_id, ceremony_id=ceremony.id)
        db.session.add(found)
        _touch(ceremony)
        db.session.flush()
    return found


def _touch(ceremony: Ceremony) -> None:
    """The ceremony's calendar entries carry the viewer link: let feeds see the change."""
    ceremony.updated_at = utcnow()


def revoke_viewer(ceremony: Ceremony, presentation: Presentation) -> None:
    presentation.revoke()
    _touch(ceremony)


def renew_viewer(ceremony: Ceremony, presentation: Presentation) -> None:
    presentation.renew()
    _touch(ceremony)


def attach_model(presentation: Presentation, data: bytes, filename: str) -> None:
    """Keep an uploaded GLB or VRM after reading it through; ModelError if it is not one."""
    if len(data) > MAX_MODEL_BYTES:
        raise ModelError("the model is larger than 50 MB")
    document = read_glb(data)
    stored = store(presentation.org_id, data, "model/gltf-binary", filename)
    presentation.model_file_id = stored.id
    presentation.model_kind = "vrm" if is_vrm(document) else "glb"
    presentation.model_name = filename[:255]


def remove_model(presentation: Presentation) -> None:
    presentation.model_file_id, presentation.model_kind, presentation.model_name = None, "", ""


def standee_picture_id(companion: Companion) -> int | None:
    """The picture the standee is made from: the accepted or uploaded cut-out, else the portrait
    (a portrait with its own transparency is a cut-out already)."""
    if companion.cutout_id and companion.cutout_state in ("accepted", "uploaded"):
        return companion.cutout_id
    return companion.portrait_id


def _standee_key(companion: Companion) -> str | None:
    picture_id = standee_picture_id(companion)
    if picture_id is None:
        return None
    sha = db.session.scalar(db.select(StoredFile.sha256).filter_by(id=picture_id))
    return f"{sha}:{companion.height_cm}"


def portrait_needs_cutout(companion: Companion) -> bool:
    """An opaque portrait: the standee would be a rectangle, background included."""
    if companion.portrait_id is None:
        return False
    data = db.session.scalar(db.select(StoredFile.data).filter_by(id=companion.portrait_id))
    try:
        return not has_own_transparency(data)
    except CutoutError:
        return False


CUTOUT_KEY = "cutout:{companion_id}:"


@task(retries=1, backoff=10)
def propose_cutout(companion_id: int) -> dict:
    """Background job: cut the figure out of the companion's portrait and keep it for the
    planner to accept. GrabCut takes seconds, so it runs with no transaction open; a portrait
    changed meanwhile makes the result moot (nothing is kept). A picture in which no figure can
    be told from the background is an answer, not a failure: ``{"error": reason}``."""
    companion = db.session.get(Companion, companion_id)
    if companion is None or companion.portrait_id is None:
        return {"error": "no portrait"}
    portrait_id = companion.portrait_id
    portrait = db.session.scalar(db.select(StoredFile.data).filter_by(id=portrait_id))
    db.session.rollback()  # no transaction stays open while GrabCut works
    report_progress(10)
    try:
        png = cut_out(portrait)
    except CutoutError as error:
        return {"error": str(error)}
    report_progress(90)
    companion = db.session.get(Companion, companion_id)
    if companion is None or companion.portrait_id != portrait_id:
        return {"error": "portrait changed"}
    _replace_cutout(companion, png, f"cutout-{companion.id}.png", "proposed")
    return {"cutout_id": companion.cutout_id}


def request_cutout(companion: Companion) -> Job:
    """Queue the cut-out of the companion's portrait (once: a job already waiting or running is
    returned as it is). The job starts when the caller's transaction commits."""
    if companion.portrait_id is None:
        raise CutoutError("no portrait")
    pending = cutout_job(companion)
    if pending is not None and not pending.finished:
        return pending
    key = CUTOUT_KEY.format(companion_id=companion.id) + uuid.uuid4().hex[:12]
    return enqueue(propose_cutout, companion.id, org_id=companion.org_id, key=key)


def cutout_job(companion: Companion) -> Job | None:
    """The newest cut-out job of this companion, to show how it is going or how it ended."""
    prefix = CUTOUT_KEY.format(companion_id=companion.id)
    return db.session.scalar(
        db.select(Job)
        .where(Job.org_id == companion.org_id, Job.key.startswith(prefix, autoescape=True))
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(1)
    )


def accept_cutout(companion: Companion) -> None:
    if companion.cutout_id is None:
        raise CutoutError("no cut-out")
    companion.cutout_state = "accepted"


def discard_cutout(companion: Companion) -> None:
    """Back to the whole portrait."""
    forget_cutout(companion)


def upload_cutout(companion: Companion, data: bytes, filename: str) -> None:
    """The planner's own cut-out: a picture with transparency (PNG or WebP)."""
    if not has_own_transparency(data):
        raise CutoutError("no transparency")
    _replace_cutout(companion, cut_out(data), filename or "cutout.png", "uploaded")


def _replace_cutout(companion: Companion, png: bytes, filename: str, state: str) -> None:
    forget_cutout(companion)
    stored = store(companion.org_id, png, "image/png", filename)
    companion.cutout_id, companion.cutout_state = stored.id, state


def standee_file_id(companion: Companion) -> int | None:
    """The companion's standee GLB, made now if the portrait or height changed since."""
    key = _standee_key(companion)
    if key is None:
        return None
    cached = db.session.scalar(db.select(Standee).filter_by(companion_id=companion.id))
    if cached is not None and cached.key == key:
        return cached.file_id
    picture = db.session.scalar(
        db.select(StoredFile.data).filter_by(id=standee_picture_id(companion))
    )
    glb = standee_glb(picture, companion.height_cm / 100, name=companion.name)
    stored = store(companion.org_id, glb, "model/gltf-binary", f"standee-{companion.id}.glb")
    if cached is None:
        cached = Standee(companion_id=companion.id, key=key, file_id=stored.id)
        db.session.add(cached)
    else:
        old = cached.file_id
        cached.key, cached.file_id = key, stored.id
        db.session.flush()
        db.session.execute(db.delete(StoredFile).where(StoredFile.id == old))
    db.session.flush()
    return stored.id


def model_file_id(presentation: Presentation, ceremony: Ceremony) -> int | None:
    """What the viewer shows: the uploaded model, else the companion's standee, else nothing."""
    if presentation.model_file_id:
        return presentation.model_file_id
    if ceremony.companion is None:
        return None
    return standee_file_id(ceremony.companion)


def viewer_url(presentation: Presentation) -> str:
    token = presentation.public_token(current_app.config["SECRET_KEY"])
    return public_url("viewer.show", token=token)


def viewer_url_maker() -> Callable[[int, str], str]:
    """Viewer URLs from a presentation's id and nonce as plain rows give them, for calendars
    that build thousands: the URL pattern is built once."""
    head, _, tail = public_url("viewer.show", token="TOKEN").partition("TOKEN")  # noqa: S106
    secret = current_app.config["SECRET_KEY"]
    purpose, size = Presentation.link_purpose, Presentation.token_bytes

    def url(presentation_id: int, nonce: str) -> str:
        token = derive(secret, purpose, presentation_id, nonce, size)
        return f"{head}{presentation_id}-{token}{tail}"

    return url


def viewer_urls(org_id: int, ceremony_ids: list[int]) -> dict[int, str]:
    """The active viewer URLs of these ceremonies, by ceremony id (none while revoked), without
    creating a presentation: for calendar entries."""
    query = db.select(Presentation.id, Presentation.ceremony_id, Presentation.nonce).where(
        Presentation.org_id == org_id,
        Presentation.revoked_at.is_(None),
        Presentation.ceremony_id.in_(ceremony_ids),
    )
    url = viewer_url_maker()
    return {row.ceremony_id: url(row.id, row.nonce) for row in db.session.execute(query)}


def calendar_viewer_url(ceremony: Ceremony) -> str:
    """One ceremony's active viewer URL for its calendar entry, or ""."""
    return viewer_urls(ceremony.org_id, [ceremony.id]).get(ceremony.id, "")


def ar_link(ceremony: Ceremony) -> dict | None:
    """The viewer link of a ceremony for documents, calendars and the portal (None while the
    link is revoked)."""
    presentation = presentation_for(ceremony)
    if not presentation.active:
        return None
    url = viewer_url(presentation)
    return {"url": url, "short": short_url(url), "qr_svg": qr_svg(url)}


def qr_svg(url: str, color: str = "#000000") -> str:
    """The URL as a QR code in SVG (vector, no XML declaration: it goes inline)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer,
        kind="svg",
        scale=4,
        border=2,
        dark=color,
        xmldecl=False,
        svgns=True,
        svgclass="qr-code",
        lineclass=None,
        omitsize=True,
    )
    return buffer.getvalue().decode()


def short_url(url: str) -> str:
    """The URL as printed under its QR code: without the scheme."""
    return url.split("://", 1)[-1]


@eraser(order=10)
def erase_presentations(scope: ClientScope) -> dict[str, int]:
    """Erasure: the AR presentations (their links stop) with uploaded models, and standees."""
    in_ceremonies = Presentation.ceremony_id.in_(scope.ceremony_ids)
    of_companions = Standee.companion_id.in_(scope.companion_ids)
    scope.files |= ids(db.select(Presentation.model_file_id).where(in_ceremonies))
    scope.files |= ids(db.select(Standee.file_id).where(of_companions))
    return {
        "presentations": rowcount(db.delete(Presentation).where(in_ceremonies)),
        "standees": rowcount(db.delete(Standee).where(of_companions)),
    }
