"""Absolute links to our pages, with or without a request."""

from flask import current_app, has_request_context, url_for

FALLBACK = "http://127.0.0.1:5000"  # the address `make run` serves, when nothing else is known


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of a page for what is printed or sent (PDFs, QR codes, calendars,
    e-mails, links to copy): PUBLIC_URL when it is configured, else the request's own host
    while serving one, else the local address."""
    configured = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not configured and has_request_context():
        return url_for(endpoint, _external=True, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return (configured or FALLBACK) + path
