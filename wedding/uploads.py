"""Large uploads streamed to disk, each file size-checked and hashed while it arrives.

A view that takes large files says so with ``@streamed_upload(total_key, each_key)``: its
request may be as large as ``config[total_key]`` (the app-wide MAX_CONTENT_LENGTH stays for
every other route; the limit applies before anything is parsed, CSRF check included), and each
file goes to an anonymous temporary file in the upload directory (``UPLOAD_DIR``, the instance
folder's ``uploads`` by default) through a :class:`StreamedFile`, which counts and hashes as it
writes and stops keeping a file that passes ``config[each_key]``. The temporary files have no
name on disk, so whatever happens (a refusal, an error, a killed process) nothing half-written
stays behind; they are closed with the request."""

import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import current_app

HEAD_BYTES = 64  # enough to tell the file's type from its first bytes


class StreamedFile:
    """A file being uploaded: written to disk as it arrives, with its size, SHA-256 and first
    bytes; once it grows past ``limit`` it is emptied and ``too_large`` is set (the rest of
    it is read from the request and dropped)."""

    def __init__(self, directory: str | Path, limit: int) -> None:
        Path(directory).mkdir(parents=True, exist_ok=True)
        self.file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - closed with the request
        self.limit = limit
        self.size = 0
        self.too_large = False
        self.head = b""
        self._hash = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.too_large:
            return len(data)
        if self.size > self.limit:
            self.too_large = True
            self.file.seek(0)
            self.file.truncate()
            return len(data)
        if len(self.head) < HEAD_BYTES:
            self.head += bytes(data[: HEAD_BYTES - len(self.head)])
        self._hash.update(data)
        return self.file.write(data)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    def readline(self, size: int = -1) -> bytes:
        return self.file.readline(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self.file.close()

    @property
    def closed(self) -> bool:
        return self.file.closed


def streamed_upload(total_key: str, each_key: str) -> Callable:
    """Mark a view as taking large files: a request up to ``config[total_key]`` bytes, each
    file streamed to disk and cut off past ``config[each_key]`` bytes."""

    def mark(view: Callable) -> Callable:
        view.upload_limits = (total_key, each_key)
        return view

    return mark


def upload_limits(endpoint: str | None) -> tuple[int, int] | None:
    """(total, per file) in bytes for a view marked with streamed_upload, else None."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    keys = getattr(view, "upload_limits", None)
    if keys is None:
        return None
    return current_app.config[keys[0]], current_app.config[keys[1]]


def upload_dir() -> Path:
    return Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path, "uploads"))


def size_label(size: int) -> str:
    """A limit as people say it: whole GB from 1 GB, else whole MB."""
    gb = 1024**3
    if size >= gb and size % gb == 0:
        return f"{size // gb} GB"
    return f"{max(1, size // (1024 * 1024))} MB" if size >= 1024 * 1024 else f"{size} B"
