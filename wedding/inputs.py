"""Untrusted input, checked in one place: ids, dates and months, text, JSON bodies and where a
redirect may go. Every page, form and API reads what a browser or integration sends through
these, so a value at the edges gets a 404 or one clear 400/422 line, never a 500.

Written by hand because each piece is a few lines of policy over Werkzeug's own hooks (its URL
converters, its request's parameter and JSON classes) rather than something a library decides.
"""

import json
import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

from flask import Request, abort, has_app_context, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, ValidationError

from wedding.i18n import format_month
from wedding.uploads import StreamedFile, upload_dir, upload_limits

# Every id column is a 32-bit signed integer on PostgreSQL (SQLite takes more, but the two must
# answer alike): anything larger names no record.
DB_INT_MAX = 2**31 - 1
# The dates the application works with: bookings, closures, calendars, the audit trail. The
# almanac computes 1800–2200; wider than this only invites overflows at the calendar's ends.
FIRST_DATE, LAST_DATE = date(1990, 1, 1), date(2100, 12, 31)
MAX_JSON_DEPTH = 64

_DIGITS = re.compile(r"[0-9]{1,10}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
# C0 and C1 controls but tab, line feed and carriage return; lone surrogates (JSON's "\ud800")
# that no database can store.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# What makes text look empty: spaces, controls, zero-width and other format characters.
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp", "Cs", "Co", "Cn"}


# --- ids -----------------------------------------------------------------------------------


def parse_id(text: str | None) -> int | None:
    """A database id written in ASCII digits, or None ("²", "١٢", "-1", 2**31 and up are not)."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= DB_INT_MAX else None


def db_int(text: str) -> int:
    """``type=`` for request.args.get: a non-negative integer the database can hold."""
    number = parse_id(text)
    if number is None:
        raise ValueError(text)
    return number


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits up to the database's integer, else 404."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(DB_INT_MAX)):  # int() of thousands of digits raises
            raise ValidationError()
        return super().to_python(value)


def page_arg() -> int:
    """``?page=``: 1 unless a page number the database can count to."""
    number = parse_id(request.args.get("page"))
    return number if number else 1


# --- dates ---------------------------------------------------------------------------------


class OutOfRange(ValueError):
    """A well-formed date or month outside the ones the application works with."""


def date_range_message() -> str:
    return _("Choose a date between %(first)s and %(last)s.", first=FIRST_DATE, last=LAST_DATE)


def parse_date(text: str | None) -> date:
    """A YYYY-MM-DD date within the supported range; ValueError otherwise."""
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise ValueError("not a date as YYYY-MM-DD")
    day = date.fromisoformat(text)
    if not FIRST_DATE <= day <= LAST_DATE:
        raise OutOfRange(f"outside {FIRST_DATE} – {LAST_DATE}")
    return day


def parse_month(text: str | None) -> date:
    """The first day of a YYYY-MM month within the supported range; ValueError otherwise."""
    found = _ISO_MONTH.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        raise ValueError("not a month as YYYY-MM")
    first = date(int(found[1]), int(found[2]), 1)
    if not FIRST_DATE <= first <= LAST_DATE:
        raise OutOfRange(f"outside {FIRST_DATE} – {LAST_DATE}")
    return first


def month_arg(name: str) -> date | None:
    """A month from the query string: None when absent or empty, 400 with one line naming the
    month sent when there is no such month (2027-13) or it is outside the supported range."""
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        return parse_month(value)
    except ValueError as error:
        words = {
            "month": value if len(value) <= 20 else value[:20] + "…",
            "first": format_month(FIRST_DATE),
            "last": format_month(LAST_DATE),
        }
        if isinstance(error, OutOfRange):
            message = _(
                "%(month)s is outside the calendar: choose a month from %(first)s to %(last)s.",
                **words,
            )
        else:
            message = _(
                "There is no month %(month)s. Give one as YYYY-MM, from %(first)s to %(last)s.",
                **words,
            )
        abort(400, description=message)


def date_arg(name: str) -> date | None:
    """A date from the query string: None when absent or empty, 400 with one line in the
    reader's language when it is not a supported date."""
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        abort(400, description=date_range_message())


def in_supported_range(day: date) -> bool:
    return FIRST_DATE <= day <= LAST_DATE


# --- text ----------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Text as we keep it: NFC, without control characters (tab and line breaks stay) or lone
    surrogates. PostgreSQL refuses NUL in text, and no one types a control character."""
    if value.isascii() and value.isprintable():
        return value
    return unicodedata.normalize("NFC", _CONTROLS.sub("", value))


def is_blank(value: str | None) -> bool:
    """True when nothing visible is left: only spaces, controls or zero-width characters."""
    return not any(unicodedata.category(ch) not in _INVISIBLE for ch in value or "")


def clean_json(value):
    """Every string (keys too) of a parsed JSON value through clean_text; iterative, so that
    depth cannot exhaust the stack."""
    if isinstance(value, str):
        return clean_text(value)
    if not isinstance(value, dict | list):
        return value
    root = [value]
    stack = [(root, 0, value)]
    while stack:
        parent, key, item = stack.pop()
        if isinstance(item, str):
            parent[key] = clean_text(item)
        elif isinstance(item, list):
            parent[key] = item
            stack.extend((item, index, child) for index, child in enumerate(item))
        elif isinstance(item, dict):
            cleaned = {clean_text(k) if isinstance(k, str) else k: v for k, v in item.items()}
            parent[key] = cleaned
            stack.extend((cleaned, k, v) for k, v in cleaned.items())
    return root[0]


def json_depth_ok(value, max_depth: int = MAX_JSON_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return True


def load_json(data: str | bytes, max_depth: int = MAX_JSON_DEPTH, **kwargs):
    """json.loads with a nesting limit: ValueError (never RecursionError) when it is deeper."""
    try:
        value = json.loads(data, **kwargs)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    if not json_depth_ok(value, max_depth):
        raise ValueError("the JSON is nested too deeply")
    return value


class CleanMultiDict(ImmutableMultiDict):
    """Query strings and form fields as every view and form reads them: text cleaned."""

    def __init__(self, mapping=None) -> None:
        super().__init__(mapping)
        for values in dict.values(self):
            values[:] = [clean_text(v) if isinstance(v, str) else v for v in values]


class CleanJSONProvider(DefaultJSONProvider):
    """What request.get_json() parses with (Flask hands every request the app's provider):
    depth-limited, text cleaned."""

    def loads(self, s, **kwargs):
        return clean_json(load_json(s, **kwargs))


class CleanRequest(Request):
    """Every request: text cleaned; on views marked with ``uploads.streamed_upload``, their own
    size limit and files streamed to disk (size-checked and hashed as they arrive)."""

    parameter_storage_class = CleanMultiDict

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and has_app_context():
            limits = upload_limits(self.endpoint)
            if limits is not None:
                return limits[0]
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        limits = upload_limits(self.endpoint) if has_app_context() else None
        if limits is None:
            return super()._get_file_stream(
                total_content_length, content_type, filename, content_length
            )
        return StreamedFile(upload_dir(), limits[1])


# --- redirects -----------------------------------------------------------------------------


def safe_next(target: str | None, default: str) -> str:
    """Where to go after a form (``next``, ``back``, the language switch): a path on this site
    and nothing else; no scheme, no host, no //, no backslash, no line break or control."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or not target.isprintable() or len(target) > 2000:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def query_args(keep_path: bool = True, **overrides) -> dict:
    """The current query string for a link to a neighbouring page (next month, page 2): never
    a name that url_for reads itself (``_external``, ``_scheme``…) and never one that would
    replace a path argument; the page's own path arguments are kept unless ``keep_path`` is
    false; ``overrides`` win."""
    path_args = request.view_args or {}
    args = {
        key: value
        for key, value in request.args.items()
        if not key.startswith("_") and key not in path_args and key not in overrides
    }
    return {**args, **(path_args if keep_path else {}), **overrides}


def register(app) -> None:
    """Before any blueprint: the bounded ``int`` converter and the cleaning request class; the
    ``query_args`` helper for templates."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = CleanRequest
    app.json = CleanJSONProvider(app)
    app.jinja_env.globals["query_args"] = query_args
