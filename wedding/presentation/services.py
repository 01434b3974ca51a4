"""The AR presentation's rules: links, models, the standee (a background job), QR codes."""

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import segno
from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

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


def find_presentation(ceremony: Ceremony) -> Presentation | None:
    """The ceremony's presentation, if its link was made (reading only: for pages)."""
    return db.session.scalar(db.select(Presentation).filter_by(ceremony_id=ceremony.id))


def presentation_for(ceremony: Ceremony) -> Presentation:
    """The ceremony's presentation, made with its viewer link when missing: when the ceremony
    is created, or when the planner asks for a link (never from a page view). Its standee is
    queued when the transaction commits."""
    found = find_presentation(ceremony)
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


def _newest_job(companion: Companion, key: str) -> Job | None:
    """The newest job of this companion whose key starts with ``key`` (CUTOUT_KEY or
    STANDEE_KEY), to show how it is going or how it ended."""
    prefix = key.format(companion_id=companion.id)
    return db.session.scalar(
        db.select(Job)
        .where(Job.org_id == companion.org_id, Job.key.startswith(prefix, autoescape=True))
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(1)
    )


def cutout_job(companion: Companion) -> Job | None:
    """The newest cut-out job of this companion."""
    return _newest_job(companion, CUTOUT_KEY)


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


def _cached_standee(companion_id: int) -> Standee | None:
    return db.session.scalar(db.select(Standee).filter_by(companion_id=companion_id))


def _keep_standee(companion: Companion, key: str, glb: bytes) -> int:
    """Store a standee made for ``key`` in place of the companion's previous one."""
    stored = store(companion.org_id, glb, "model/gltf-binary", f"standee-{companion.id}.glb")
    cached = _cached_standee(companion.id)
    if cached is None:
        db.session.add(Standee(companion_id=companion.id, key=key, file_id=stored.id))
    else:
        old = cached.file_id
        cached.key, cached.file_id = key, stored.id
        db.session.flush()
        db.session.execute(db.delete(StoredFile).where(StoredFile.id == old))
    db.session.flush()
    return stored.id


def ready_standee_id(companion: Companion) -> int | None:
    """The companion's standee GLB if it is made for the current picture and height (reading
    only: pages never make one)."""
    key = _standee_key(companion)
    cached = _cached_standee(companion.id) if key else None
    return cached.file_id if cached is not None and cached.key == key else None


def standee_file_id(companion: Companion) -> int | None:
    """The companion's standee GLB, made here and now if the picture or height changed since
    (the CLI; for the web, standees are made by the ``make_standee`` job)."""
    key = _standee_key(companion)
    if key is None:
        return None
    ready = ready_standee_id(companion)
    if ready is not None:
        return ready
    picture = db.session.scalar(
        db.select(StoredFile.data).filter_by(id=standee_picture_id(companion))
    )
    glb = standee_glb(picture, companion.height_cm / 100, name=companion.name)
    return _keep_standee(companion, key, glb)


STANDEE_KEY = "standee:{companion_id}:"


@task(retries=2, backoff=10)
def make_standee(companion_id: int) -> dict:
    """Background job: the companion's life-size standee GLB from its picture and height.
    Nothing stays open while the model is built; a picture or height changed meanwhile makes
    this one moot (the change queued its own job)."""
    companion = db.session.get(Companion, companion_id)
    key = _standee_key(companion) if companion is not None else None
    if key is None:
        return {"error": "no portrait"}
    ready = ready_standee_id(companion)
    if ready is not None:
        return {"file_id": ready}
    picture = db.session.scalar(
        db.select(StoredFile.data).filter_by(id=standee_picture_id(companion))
    )
    height, name = companion.height_cm, companion.name
    db.session.rollback()  # no transaction stays open while the model is built
    report_progress(10)
    glb = standee_glb(picture, height / 100, name=name)
    report_progress(90)
    companion = db.session.get(Companion, companion_id)
    if companion is None or _standee_key(companion) != key:
        return {"error": "portrait changed"}
    return {"file_id": _keep_standee(companion, key, glb)}


def standee_job(companion: Companion) -> Job | None:
    """The newest standee job of this companion."""
    return _newest_job(companion, STANDEE_KEY)


def queue_standee(companion: Companion, session: Session | None = None) -> Job | None:
    """Queue the companion's standee unless it is made for its picture and height already or a
    job for it is still waiting to start. It runs when the caller's transaction commits."""
    if _standee_key(companion) is None or ready_standee_id(companion) is not None:
        return None
    waiting = standee_job(companion)
    if waiting is not None and waiting.status == "queued":
        return waiting
    key = STANDEE_KEY.format(companion_id=companion.id) + uuid.uuid4().hex[:12]
    return enqueue(make_standee, companion.id, org_id=companion.org_id, key=key, session=session)


@dataclass(frozen=True)
class ViewerModel:
    """What the viewer shows: a model file, or the standee's job while it is being made."""

    file_id: int | None = None
    job: Job | None = None

    @property
    def preparing(self) -> bool:
        return self.file_id is None and self.job is not None and not self.job.finished


def viewer_model(presentation: Presentation, ceremony: Ceremony) -> ViewerModel:
    """The uploaded model, else the companion's standee when it is ready, else how its job is
    going (reading only: the viewer's GET makes nothing)."""
    if presentation.model_file_id:
        return ViewerModel(file_id=presentation.model_file_id)
    companion = ceremony.companion
    if companion is None:
        return ViewerModel()
    ready = ready_standee_id(companion)
    if ready is not None:
        return ViewerModel(file_id=ready)
    return ViewerModel(job=standee_job(companion))


# The standee follows whatever changes it, however it changed (the companion form, a card
# import, a cut-out accepted, the height on the presentation page, another companion on the
# ceremony, a new presentation): the session notes such changes as they are flushed, and the
# standees are queued just before the commit, in the transaction of the change.
_STANDEE_CHANGES = "wedding.presentation.standee_changes"
_COMPANION_FIELDS = ("portrait_id", "cutout_id", "cutout_state", "height_cm")


@event.listens_for(Session, "after_flush")
def _note_standee_changes(session: Session, _context) -> None:
    noted = session.info.setdefault(_STANDEE_CHANGES, set())
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Companion):
            state = inspect(obj)
            if obj in session.new or any(
                state.attrs[name].history.has_changes() for name in _COMPANION_FIELDS
            ):
                noted.add(("companion", obj.id))
        elif isinstance(obj, Presentation):
            noted.add(("ceremony", obj.ceremony_id))
        elif (
            isinstance(obj, Ceremony)
            and obj not in session.new
            and inspect(obj).attrs.companion_id.history.has_changes()
        ):
            noted.add(("ceremony", obj.id))


@event.listens_for(Session, "before_commit")
def _queue_noted_standees(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT: the real commit comes later
    if not session.info.get(_STANDEE_CHANGES) and not session.new and not session.dirty:
        return
    if not has_app_context() or session is not db.session():
        return
    session.flush()
    noted = session.info.pop(_STANDEE_CHANGES, set())
    if not noted:
        return
    companion_ids = {number for kind, number in noted if kind == "companion"}
    ceremony_ids = [number for kind, number in noted if kind == "ceremony"]
    if ceremony_ids:
        companion_ids |= set(
            db.session.scalars(
                db.select(Ceremony.companion_id).where(
                    Ceremony.id.in_(ceremony_ids), Ceremony.companion_id.is_not(None)
                )
            )
        )
    shown = db.session.scalars(
        db.select(Companion)
        .join(Ceremony, Ceremony.companion_id == Companion.id)
        .join(Presentation, Presentation.ceremony_id == Ceremony.id)
        .where(Companion.id.in_(companion_ids))
        .distinct()
    ).all()
    for companion in shown:
        queue_standee(companion, session=session)


@event.listens_for(Session, "after_rollback")
def _forget_standee_changes(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_STANDEE_CHANGES, None)


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
    link is revoked or was never made; reading only)."""
    presentation = find_presentation(ceremony)
    if presentation is None or not presentation.active:
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
