"""Calendar downloads, subscription feeds and their management page."""

from email.utils import format_datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.http import is_resource_modified, unquote_etag

from wedding.accounts.access import get_owned_or_404, org_select
from wedding.accounts.services import company_name
from wedding.calendars import caldav_sync, services
from wedding.calendars.forms import CalDAVForm
from wedding.calendars.ics import build_calendar, google_link, outlook_link
from wedding.calendars.models import CalDAVAccount, CalDAVState, Feed
from wedding.calendars.tasks import push_calendar
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.forms import ConfirmForm
from wedding.i18n import LANGUAGES, current_lang
from wedding.inputs import db_int, safe_next
from wedding.jobs import enqueue
from wedding.models import db, utcnow
from wedding.outbound import BlockedAddress
from wedding.presentation.services import calendar_viewer_url
from wedding.urls import public_url
from wedding.venues.models import Venue

bp = Blueprint("calendars", __name__)
ICS = "text/calendar; charset=utf-8"


def _domain() -> str:
    return current_app.config["CALENDAR_UID_DOMAIN"]


def _ics_response(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, content_type=ICS)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/ceremonies/<int:record_id>/calendar.ics")
@login_required
def ceremony_ics(record_id: int):
    ceremony = get_owned_or_404(Ceremony, record_id)
    data = services.ceremony_calendar(
        ceremony,
        current_lang(),
        _domain(),
        public_url("ceremonies.edit", record_id=ceremony.id),
    )
    return _ics_response(build_calendar(data, utcnow()), f"ceremony-{ceremony.id}.ics")


def feed_name(feed: Feed) -> str:
    with force_locale(feed.language):
        if feed.kind == "venue":
            venue = db.session.get(Venue, feed.subject_id)
            return _("Ceremonies at %(venue)s", venue=venue.name if venue else "")
        if feed.kind == "client":
            client = db.session.get(Client, feed.subject_id)
            return _("%(name)s's ceremony", name=client.display_name if client else "")
        if feed.kind == "staff":
            return _("My ceremonies")
        return _("All ceremonies")


@bp.get("/feeds/<int:feed_id>/<token>.ics")
def feed(feed_id: int, token: str):
    """A subscription: no login, the secret is in the URL; revoked or wrong answers 404."""
    found = db.session.get(Feed, feed_id)
    if found is None or not found.matches(token, current_app.config["SECRET_KEY"]):
        abort(404)
    if not services.feed_is_live(found):
        abort(404)
    now = utcnow()
    etag, newest = services.feed_version(found, now)
    headers = {"ETag": etag, "Cache-Control": "private, max-age=300"}
    if newest is not None:
        headers["Last-Modified"] = format_datetime(newest, usegmt=True)
    if _not_modified(etag, newest):
        return Response(status=304, headers=headers)
    data = services.feed_calendar(
        found,
        _domain(),
        feed_name(found),
        now,
        public_url("ceremonies.edit", record_id=0).removesuffix("0") + "{}",
    )
    response = _ics_response(build_calendar(data, now))
    response.headers.update(headers)
    return response


def _not_modified(etag: str, newest) -> bool:
    """Werkzeug's conditional request rules: If-None-Match first (weak tags match too, as a
    proxy that gzips sends them), else If-Modified-Since."""
    return not is_resource_modified(
        request.environ, etag=unquote_etag(etag)[0], last_modified=newest
    )


def feed_urls(feed: Feed) -> dict:
    token = feed.token(current_app.config["SECRET_KEY"])
    https = public_url("calendars.feed", feed_id=feed.id, token=token)
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


def _may_manage(feed: Feed) -> bool:
    if feed.kind == "staff":
        return feed.subject_id == current_user.id
    return current_user.can_edit


@bp.route("/calendars/")
@login_required
def index():
    feeds = db.session.scalars(
        db.select(Feed).where(Feed.org_id == current_user.org_id, Feed.revoked_at.is_(None))
    ).all()
    visible = [f for f in feeds if f.kind != "staff" or f.subject_id == current_user.id]
    venues = db.session.scalars(org_select(Venue, include_archived=False).order_by(Venue.name))
    account = db.session.scalar(db.select(CalDAVAccount).filter_by(user_id=current_user.id))
    failures = []
    if account is not None:
        failures = db.session.scalars(
            db.select(CalDAVState).where(
                CalDAVState.account_id == account.id, CalDAVState.error.is_not(None)
            )
        ).all()
    return render_template(
        "calendars/index.html",
        feeds=[(f, feed_name(f), feed_urls(f)) for f in visible],
        venues=list(venues),
        have={(f.kind, f.subject_id) for f in visible},
        account=account,
        failures=failures,
        caldav_form=CalDAVForm(obj=account) if account else CalDAVForm(),
    )


@bp.post("/calendars/caldav")
@login_required
def connect_caldav():
    form = CalDAVForm()
    if form.validate_on_submit():
        try:
            caldav_sync.connect(current_user, form.url.data, form.username.data, form.password.data)
        except BlockedAddress as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Calendar server saved. Your ceremonies will be pushed to it."), "success")
    else:
        errors = [str(e) for field in form for e in field.errors]
        flash(" ".join(errors), "error")
    return redirect(url_for("calendars.index") + "#caldav", 303)


@bp.post("/calendars/caldav/push")
@login_required
def push_caldav():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    account = db.session.scalar(db.select(CalDAVAccount).filter_by(user_id=current_user.id))
    if account is None:
        abort(404)
    enqueue(push_calendar, account.id, org_id=account.org_id)
    db.session.commit()
    flash(_("Your ceremonies are being pushed; anything that fails is shown here."), "success")
    return redirect(url_for("calendars.index") + "#caldav", 303)


@bp.post("/calendars/caldav/disconnect")
@login_required
def disconnect_caldav():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    account = db.session.scalar(db.select(CalDAVAccount).filter_by(user_id=current_user.id))
    if account is not None:
        db.session.delete(account)
        db.session.commit()
    flash(_("The calendar server is disconnected and its password forgotten."), "success")
    return redirect(url_for("calendars.index") + "#caldav", 303)


@bp.post("/calendars/feeds")
@login_required
def create_feed():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    kind = request.form.get("kind", "")
    subject = request.form.get("subject_id", type=db_int) or 0
    if kind == "staff":
        subject = current_user.id
    elif kind == "venue":
        get_owned_or_404(Venue, subject)
    elif kind == "client":
        get_owned_or_404(Client, subject)
    elif kind == "company":
        subject = 0
    else:
        abort(400)
    if kind != "staff" and not current_user.can_edit:
        abort(403)
    lang = request.form.get("language")
    if lang not in LANGUAGES:
        lang = services.feed_language(current_user.org_id, kind, subject, current_lang())
    services.get_or_create_feed(current_user.org_id, kind, subject, lang)
    existing = db.session.scalar(
        db.select(Feed).filter_by(org_id=current_user.org_id, kind=kind, subject_id=subject)
    )
    if existing.revoked_at is not None:
        services.regenerate(existing)
    db.session.commit()
    flash(_("The calendar feed is ready. Copy its address into the calendar app."), "success")
    return redirect(safe_next(request.form.get("back"), url_for("calendars.index")), 303)


def _owned_feed(feed_id: int) -> Feed:
    feed = db.session.get(Feed, feed_id)
    if feed is None or feed.org_id != current_user.org_id or not _may_manage(feed):
        abort(404)
    return feed


@bp.post("/calendars/feeds/<int:feed_id>/regenerate")
@login_required
def regenerate_feed(feed_id: int):
    feed = _owned_feed(feed_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.regenerate(feed)
    db.session.commit()
    flash(_("A new address was made; the old one no longer works."), "success")
    return redirect(safe_next(request.form.get("back"), url_for("calendars.index")), 303)


@bp.post("/calendars/feeds/<int:feed_id>/revoke")
@login_required
def revoke_feed(feed_id: int):
    feed = _owned_feed(feed_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.revoke(feed)
    db.session.commit()
    flash(_("The feed is switched off; its address no longer works."), "success")
    return redirect(safe_next(request.form.get("back"), url_for("calendars.index")), 303)


@bp.app_template_global()
def calendar_links(ceremony: Ceremony) -> dict:
    """Google and Outlook 'add' links for a ceremony, in the reader's language."""
    event = services.ceremony_event(
        ceremony,
        _domain(),
        company_name(ceremony.org_id),
        public_url("ceremonies.edit", record_id=ceremony.id),
        ar_url=calendar_viewer_url(ceremony),
    )
    return {"google": google_link(event), "outlook": outlook_link(event)}


@bp.app_template_global()
def client_feed(client_id: int):
    """The client's active feed and its URLs, if there is one."""
    found = db.session.scalar(
        db.select(Feed).filter_by(
            org_id=current_user.org_id, kind="client", subject_id=client_id, revoked_at=None
        )
    )
    return (found, feed_urls(found)) if found else (None, None)


@bp.app_template_global()
def new_feed_language(kind: str, subject_id: int) -> str:
    """The language a feed about to be made is offered in (the one it gets when none is sent)."""
    return services.feed_language(current_user.org_id, kind, subject_id, current_lang())


@bp.app_template_global()
def safe_back() -> str:
    return request.path
