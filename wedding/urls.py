"""Absolute links to our pages, with or without a request."""

from flask import current_app, has_request_context, url_for


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of a page: the request's own host while serving one, else PUBLIC_URL
    (for what the CLI prints, writes into PDFs or puts in calendars)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
