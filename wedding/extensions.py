"""Flask extensions, created unbound and attached in create_app."""

from collections.abc import Callable

from flask import Flask, g, request, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from wedding.accounts.models import User
from wedding.accounts.services import (
    SESSION_KEY,
    record_token_use,
    session_user,
)
from wedding.i18n import lazy_gettext as _l
from wedding.inputs import parse_id
from wedding.models import db, utcnow

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate(compare_type=True, render_as_batch=True)

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.localize_callback = str  # the lazy message, translated when flashed
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def init_app(app: Flask, locale_selector: Callable[[], str]) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=locale_selector)
    login_manager.init_app(app)
    app.after_request(record_token_use)

    @login_manager.request_loader
    def load_user_from_token(request) -> User | None:
        """The JSON API authenticates each request by its bearer token (api.require_token
        checks it first, without loading the user); pages never do. The user object is
        loaded here, when a view first asks for it."""
        caller = g.get("api_caller")
        if caller is None or not request.path.startswith("/api/"):
            return None
        user = db.session.get(User, caller.user_id)
        if user is None or not user.active or user.org_id != caller.org_id:
            return None  # deactivated or moved in the instant between
        return user

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """A page's signed cookie counts only while its session row is live (not signed out
        there or everywhere, no new password since, the account still active); never for
        the JSON API, which only a bearer token opens (load_user_from_token)."""
        if request.path.startswith("/api/"):
            return None
        return session_user(
            parse_id(user_id), session.get(SESSION_KEY), utcnow(), app.permanent_session_lifetime
        )
