"""The planner application: create_app is the table of contents."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import BytecodeCache

from wedding import audit, cli, errors, extensions, i18n, inputs, jobs, models, security, urls
from wedding.accounts.views import bp as accounts_bp
from wedding.api.views import bp as api_bp
from wedding.billing.views import bp as billing_bp
from wedding.billing.views import webhook_bp
from wedding.booking.views import bp as booking_bp
from wedding.calendars.views import bp as calendars_bp
from wedding.ceremonies.views import bp as ceremonies_bp
from wedding.clients.views import bp as clients_bp
from wedding.documents.views import bp as documents_bp
from wedding.documents.views import branding_bp
from wedding.guests.views import bp as guests_bp
from wedding.guests.views import rsvp_bp
from wedding.personas.views import bp as personas_bp
from wedding.photos.views import bp as photos_bp
from wedding.photos.views import gallery_bp, share_bp, studio_bp
from wedding.portal.views import admin_bp as portal_admin_bp
from wedding.portal.views import bp as portal_bp
from wedding.presentation.views import bp as presentation_bp
from wedding.presentation.views import viewer_bp
from wedding.privacy.views import bp as privacy_bp
from wedding.runofshow.views import bp as runofshow_bp
from wedding.tasks.views import bp as tasks_bp
from wedding.tasks.views import checklists_bp, mine_bp
from wedding.vendors.views import bp as vendors_bp
from wedding.vendors.views import orders_bp
from wedding.venues.views import bp as venues_bp
from wedding.vows.views import bp as vows_bp
from wedding.waiting.views import bp as waiting_bp
from wedding.waiting.views import dashboard_bp

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused outside debug and testing


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per process rather than once per app. Every app create_app
    makes has the same Jinja environment, and a process makes several: one per test, the CLI
    and the job worker beside the server. Jinja ships caches on files and on memcached only;
    this one is a dictionary. A template's entry is found by its name and file and is used
    only while the source's checksum matches (Jinja's Bucket checks it)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = CompiledTemplates()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(
        SECRET_KEY=DEFAULT_SECRET_KEY,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(app.instance_path) / 'wedding.sqlite'}",
        # No pool_pre_ping: a round trip per request; wedding.models._still_connected instead.
        SQLALCHEMY_ENGINE_OPTIONS={},
        BABEL_DEFAULT_LOCALE="ja",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "wedding" / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=60 * 60 * 12,
        PER_PAGE=20,
        MAX_CONTENT_LENGTH=51 * 1024 * 1024,  # a 50 MB GLB/VRM model and its form
        # The photo upload streams its files to disk (wedding/uploads.py): its own limits.
        PHOTO_UPLOAD_MAX_BYTES=2 * 1024**3,
        PHOTO_MAX_BYTES=40 * 1024 * 1024,
        UPLOAD_DIR="",  # where uploads stream to: the instance folder's uploads/ when unset
        # Where the app is reached from outside: when set, every link printed or sent (PDFs,
        # QR codes, calendars, portal links) uses it; unset, requests use their own host.
        PUBLIC_URL="",
        CALENDAR_UID_DOMAIN="nijigen-wedding.app",  # UIDs must never change: keep it
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the signed session
    )
    app.config.from_prefixed_env()
    if config:
        app.config.from_mapping(config)
    _refuse_default_secret(app)
    urls.warn_without_public_url(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(exist_ok=True)
    models.configure_engines(app)

    inputs.register(app)  # before the blueprints: their routes use its `int` converter
    extensions.init_app(app, locale_selector=i18n.select_locale)
    jobs.init_app(app)
    models.register_transactions(app)
    audit.register(app)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    i18n.register_filters(app)
    for blueprint in (
        accounts_bp,
        dashboard_bp,
        booking_bp,
        ceremonies_bp,
        clients_bp,
        personas_bp,
        venues_bp,
        runofshow_bp,
        tasks_bp,
        checklists_bp,
        mine_bp,
        vows_bp,
        documents_bp,
        branding_bp,
        presentation_bp,
        viewer_bp,
        portal_bp,
        portal_admin_bp,
        privacy_bp,
        calendars_bp,
        billing_bp,
        webhook_bp,
        waiting_bp,
        guests_bp,
        rsvp_bp,
        vendors_bp,
        orders_bp,
        photos_bp,
        studio_bp,
        share_bp,
        gallery_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)
    extensions.csrf.exempt(api_bp)  # token-authenticated, no cookies
    extensions.csrf.exempt(webhook_bp)  # Stripe signs its calls
    errors.register(app)
    security.register(app)
    cli.register(app)
    return app


def _refuse_default_secret(app: Flask) -> None:
    if app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY and not (app.debug or app.testing):
        raise RuntimeError(
            "Refusing to start with the default secret key: set FLASK_SECRET_KEY "
            "(for example to `python -c 'import secrets; print(secrets.token_hex())'`)."
        )
