"""Absolute links to our pages, with or without a request."""

import logging
from collections.abc import Mapping

from flask import Flask, current_app, has_request_context, url_for

log = logging.getLogger(__name__)

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


def public_url_configured(config: Mapping) -> bool:
    return bool((config.get("PUBLIC_URL") or "").strip())


def warn_without_public_url(app: Flask) -> None:
    """Say at start, in production, that printed and mailed links will use whatever host a
    request came in on (or the local address, from jobs and the CLI)."""
    if public_url_configured(app.config) or app.debug or app.testing:
        return
    log.warning(
        "FLASK_PUBLIC_URL is not set: links printed into PDFs, QR codes and calendars use the "
        "host of the request that made them, and e-mails from background jobs use %s. Set "
        "FLASK_PUBLIC_URL to the address clients and guests reach (e.g. https://weddings.example.com).",
        FALLBACK,
    )
