"""Photo pages: the planner's, the studio's batch, the family's gallery and the client's."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge

from wedding.accounts.access import editor_required, get_owned_or_404
from wedding.audit import audit
from wedding.ceremonies.models import Ceremony
from wedding.errors import render_error
from wedding.forms import ConfirmForm
from wedding.inputs import parse_id
from wedding.models import db, utcnow
from wedding.photos.models import Photo, PhotoLink
from wedding.photos.services import (
    LINK_DAYS,
    MAX_ZIP_PHOTOS,
    PhotoError,
    add_photo,
    batch_photos,
    delete_photo,
    hand_to_studio,
    link_from_token,
    new_link,
    photo_entries,
    photos_of,
    set_compositing,
    take_back,
    toggle_favourite,
    zip_chunks,
    zip_part,
)
from wedding.portal.views import client_required
from wedding.storage.services import file_response
from wedding.uploads import size_label, streamed_upload, upload_limits
from wedding.urls import public_url

bp = Blueprint("photos", __name__, url_prefix="/ceremonies/<int:ceremony_id>/photos")
studio_bp = Blueprint("studio", __name__, url_prefix="/studio")
share_bp = Blueprint("photo_share", __name__, url_prefix="/shared-photos")
gallery_bp = Blueprint("gallery", __name__, url_prefix="/portal/photos")


@bp.errorhandler(RequestEntityTooLarge)
@studio_bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """More than a photo upload may hold: say how much it may, before anything was kept."""
    total, each = upload_limits(request.endpoint) or (0, 0)
    if not total:
        return render_error(413)
    return render_error(
        413,
        _(
            "This upload is larger than %(total)s in all; each photo may be at most %(each)s. "
            "Nothing was kept: send fewer or smaller photos at a time.",
            total=size_label(total),
            each=size_label(each),
        ),
    )


def _photo_or_404(ceremony_id: int, photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.ceremony_id != ceremony_id:
        abort(404)
    return photo


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _zip_response(photos: list[Photo], name: str, finished: bool = True) -> Response:
    """The photos as a zip, streamed (one part of at most MAX_ZIP_PHOTOS)."""
    part = request.args.get("part", 1, type=int)
    try:
        chosen = zip_part(photos, part)
    except PhotoError as error:
        abort(Response(str(error), status=400, mimetype="text/plain"))
    if len(photos) > MAX_ZIP_PHOTOS:
        name = f"{name}-part{part}"
    entries = photo_entries(chosen, finished)
    db.session.rollback()  # nothing stays open while the download runs
    body = stream_with_context(zip_chunks(entries))
    return _private(
        Response(
            body,
            mimetype="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
        )
    )


def zip_parts(count: int) -> list[int]:
    return list(range(1, max(1, -(-count // MAX_ZIP_PHOTOS)) + 1))


# --- the planner's page ---------------------------------------------------------------------


@bp.get("/")
@login_required
def index(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    photos = photos_of(ceremony.id)
    secret = current_app.config["SECRET_KEY"]
    links = db.session.scalars(
        db.select(PhotoLink).where(PhotoLink.ceremony_id == ceremony.id).order_by(PhotoLink.id)
    )
    now = utcnow()
    return render_template(
        "photos/index.html",
        ceremony=ceremony,
        photos=photos,
        parts=zip_parts(len(photos)),
        link_days=LINK_DAYS,
        links=[
            (
                link,
                public_url(
                    "studio.batch" if link.kind == "studio" else "photo_share.gallery",
                    token=link.public_token(secret),
                )
                if link.usable(now)
                else "",
            )
            for link in links
        ],
    )


@bp.post("/upload")
@streamed_upload("PHOTO_UPLOAD_MAX_BYTES", "PHOTO_MAX_BYTES")
@editor_required
def upload(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    files = [f for f in request.files.getlist("photos") if f.filename]
    if not files:
        flash(_("Choose one or more photos."), "error")
    added, refused = 0, []
    for upload_ in files:
        try:
            add_photo(ceremony, upload_.stream, upload_.filename)
        except PhotoError as error:
            refused.append(f"{upload_.filename}: {error}")
            continue
        added += 1
    db.session.commit()
    if added:
        flash(
            ngettext(
                "%(num)d photo added; its thumbnail is being made.",
                "%(num)d photos added; thumbnails are being made.",
                added,
            ),
            "success",
        )
    for line in refused:
        flash(line, "error")
    return redirect(url_for("photos.index", ceremony_id=ceremony_id))


@bp.post("/compositing")
@editor_required
def compositing(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ids = [i for i in map(parse_id, request.form.getlist("photo_id")) if i is not None]
    set_compositing(ceremony, ids, request.form.get("needed") == "yes")
    db.session.commit()
    return redirect(url_for("photos.index", ceremony_id=ceremony_id))


@bp.post("/links")
@editor_required
def make_link(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    kind = "studio" if request.form.get("kind") == "studio" else "family"
    typed = request.form.get(f"{kind}_days", "").strip()
    try:
        if typed and not (typed.isascii() and typed.isdigit() and len(typed) <= 4):
            raise PhotoError(_("Give the number of days the link works."))
        days = int(typed) if typed else None
        if kind == "studio":
            hand_to_studio(ceremony, days=days)
        else:
            new_link(ceremony, "family", days=days)
    except PhotoError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The link is ready; it expires by itself."), "success")
    return redirect(url_for("photos.index", ceremony_id=ceremony_id))


@bp.post("/<int:photo_id>/delete")
@editor_required
def delete(ceremony_id: int, photo_id: int):
    get_owned_or_404(Ceremony, ceremony_id)  # the company's own ceremony, then its photo
    photo = _photo_or_404(ceremony_id, photo_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = photo.filename
    delete_photo(photo)
    audit("change", "ceremony", ceremony_id, f"photo-delete:{photo_id}")
    db.session.commit()
    flash(_("Photo %(name)s deleted.", name=name), "success")
    return redirect(url_for("photos.index", ceremony_id=ceremony_id))


@bp.post("/links/<int:link_id>/revoke")
@editor_required
def revoke_link(ceremony_id: int, link_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    link = db.session.get(PhotoLink, link_id)
    if link is None or link.ceremony_id != ceremony.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    link.revoke()
    db.session.commit()
    return redirect(url_for("photos.index", ceremony_id=ceremony_id))


@bp.get("/<int:photo_id>/<any(thumb, file):size>")
@login_required
def picture(ceremony_id: int, photo_id: int, size: str):
    get_owned_or_404(Ceremony, ceremony_id)
    photo = _photo_or_404(ceremony_id, photo_id)
    return file_response(photo.thumb_id if size == "thumb" else photo.shown_file_id)


@bp.get("/photos.zip")
@login_required
def download(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    return _zip_response(photos_of(ceremony.id), f"photos-{ceremony.id}")


# --- the studio's batch ---------------------------------------------------------------------


def _studio_link(token: str) -> PhotoLink:
    link = link_from_token(token, "studio", utcnow())
    if link is None:
        abort(_private(Response(render_template("photos/gone.html"), status=404)))
    return link


@studio_bp.get("/<token>")
def batch(token: str):
    link = _studio_link(token)
    ceremony = db.session.get(Ceremony, link.ceremony_id)
    page = render_template(
        "photos/studio.html",
        link=link,
        photos=batch_photos(link),
        token=token,
        timezone=ceremony.venue.timezone,  # the ceremony's day and the link's end, told alike
    )
    return _private(Response(page))


@studio_bp.get("/<token>/batch.zip")
def batch_zip(token: str):
    link = _studio_link(token)
    return _zip_response(batch_photos(link), f"batch-{link.id}", finished=False)


@studio_bp.post("/<token>/<int:photo_id>")
@streamed_upload("MAX_CONTENT_LENGTH", "PHOTO_MAX_BYTES")
def finished(token: str, photo_id: int):
    link = _studio_link(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    photo = _photo_or_404(link.ceremony_id, photo_id)
    upload_ = request.files.get("finished")
    try:
        if upload_ is None or not upload_.filename:
            raise PhotoError(_("Choose the finished photo."))
        take_back(link, photo, upload_.stream, upload_.filename)
    except PhotoError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Thank you: the finished photo is in."), "success")
    return _private(redirect(url_for("studio.batch", token=token), 303))


# --- the family's gallery and the client's ----------------------------------------------------


def _share_link(token: str) -> PhotoLink:
    link = link_from_token(token, "family", utcnow())
    if link is None:
        abort(_private(Response(render_template("photos/gone.html"), status=404)))
    return link


@share_bp.get("/<token>")
def gallery(token: str):
    link = _share_link(token)
    photos = photos_of(link.ceremony_id)
    page = render_template(
        "photos/gallery.html",
        photos=photos,
        parts=zip_parts(len(photos)),
        picture=lambda p, size: url_for(
            "photo_share.picture", token=token, photo_id=p.id, size=size
        ),
        zip_url=url_for("photo_share.download", token=token),
        favourites=False,
    )
    return _private(Response(page))


@share_bp.get("/<token>/<int:photo_id>/<any(thumb, file):size>", endpoint="picture")
def shared_picture(token: str, photo_id: int, size: str):
    link = _share_link(token)
    photo = _photo_or_404(link.ceremony_id, photo_id)
    return _private(file_response(photo.thumb_id if size == "thumb" else photo.shown_file_id))


@share_bp.get("/<token>/photos.zip", endpoint="download")
def shared_download(token: str):
    link = _share_link(token)
    return _zip_response(photos_of(link.ceremony_id), "photos")


def _client_ceremony_ids() -> list[int]:
    return list(
        db.session.scalars(
            db.select(Ceremony.id).where(
                Ceremony.client_id == g.client.id, Ceremony.archived_at.is_(None)
            )
        )
    )


def _client_photos() -> list[Photo]:
    ids = _client_ceremony_ids()
    return list(
        db.session.scalars(db.select(Photo).where(Photo.ceremony_id.in_(ids)).order_by(Photo.id))
    )


def _client_photo_or_404(photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.ceremony_id not in _client_ceremony_ids():
        abort(404)
    return photo


@gallery_bp.get("/")
@client_required
def client_gallery():
    photos = _client_photos()
    page = render_template(
        "photos/gallery.html",
        photos=photos,
        parts=zip_parts(len(photos)),
        picture=lambda p, size: url_for("gallery.client_picture", photo_id=p.id, size=size),
        zip_url=url_for("gallery.client_download"),
        favourites=True,
    )
    return _private(Response(page))


@gallery_bp.get("/<int:photo_id>/<any(thumb, file):size>")
@client_required
def client_picture(photo_id: int, size: str):
    photo = _client_photo_or_404(photo_id)
    return _private(file_response(photo.thumb_id if size == "thumb" else photo.shown_file_id))


@gallery_bp.post("/<int:photo_id>/favourite")
@client_required
def favourite(photo_id: int):
    photo = _client_photo_or_404(photo_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    toggle_favourite(photo)
    db.session.commit()
    return _private(redirect(url_for("gallery.client_gallery") + f"#photo-{photo.id}", 303))


@gallery_bp.get("/photos.zip")
@client_required
def client_download():
    return _zip_response(_client_photos(), "photos")


COMPOSITE_LABELS = {
    "none": lambda: _("No compositing"),
    "needed": lambda: _("Needs the companion composited"),
    "sent": lambda: _("At the studio"),
    "done": lambda: _("Composited"),
}


@bp.app_template_global()
def composite_label(state: str) -> str:
    return COMPOSITE_LABELS[state]()
