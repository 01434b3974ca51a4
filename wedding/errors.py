"""Error pages in the reader's language."""

from flask import Flask, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from wedding.api.problems import ApiProblem, problem_response
from wedding.i18n import lazy_gettext as _l
from wedding.models import db

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Not allowed"), _l("Your account does not have permission to do this.")),
    404: (_l("Not found"), _l("There is nothing here. It may have been moved or never existed.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    500: (
        _l("Something went wrong"),
        _l(
            "An error on our side stopped this page. "
            "Nothing you entered was half-saved; please try again."
        ),
    ),
}


# Pages for people outside the planner's company: a guest answering, a family's or a studio's
# photo link, the AR viewer. Their error page leads nowhere they cannot go (not to the staff's
# sign-in); the client's portal leads back to the portal.
OUTSIDE = ("/rsvp/", "/ar/", "/shared-photos/", "/studio/")


def way_back() -> tuple[str, str] | None:
    """Where an error page's button leads, and what it says, by who reads the page."""
    if request.path == "/portal" or request.path.startswith("/portal/"):
        return url_for("portal.home"), _("Back to your ceremony page")
    if request.path.startswith(OUTSIDE):
        return None
    return url_for("dashboard.index"), _("Back to the dashboard")


def render_error(code: int, detail: str | None = None):
    if request.path.startswith("/api/"):
        return problem_response(ApiProblem(code, _API_TITLES.get(code, "Error"), detail or ""))
    title, message = MESSAGES.get(code, MESSAGES[500])
    page = render_template(
        "error.html", code=code, title=title, message=detail or message, back=way_back()
    )
    return page, code


_API_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    500: "Internal server error",
}


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            _l(
                "This form has expired or was not sent from our site. "
                "Please reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code not in MESSAGES:
            return error
        # abort(400, description=...) carries one line for the reader; Werkzeug's defaults don't.
        own = error.description if error.description != type(error).description else None
        return render_error(error.code, own)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return render_error(500)
