"""Keeping and reading uploaded files."""

import hashlib

from flask import Response, abort

from wedding.inputs import clean_text
from wedding.models import db
from wedding.storage.models import StoredFile

IMAGE_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp"}


def sniff_image_type(data: bytes) -> str | None:
    for magic, kind in IMAGE_TYPES.items():
        if data.startswith(magic):
            return kind
    return None


def store(
    org_id: int, data: bytes, content_type: str, filename: str = "", sha256: str | None = None
) -> StoredFile:
    """Keep a file's bytes (``sha256``: when the upload was already hashed as it arrived)."""
    stored = StoredFile(
        org_id=org_id,
        filename=clean_text(filename)[:255],
        content_type=content_type,
        size=len(data),
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        data=data,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def file_response(
    file_id: int | None, filename: str = "", cache: str = "private, max-age=3600"
) -> Response:
    """A stored file as a response (callers have checked ownership of the record that holds
    it); with a filename it is a download."""
    stored = db.session.get(StoredFile, file_id) if file_id else None
    if stored is None:
        abort(404)
    headers = {"Cache-Control": cache}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(stored.data, mimetype=stored.content_type, headers=headers)
