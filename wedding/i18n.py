"""Language choice and locale-aware formatting of dates and times."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from flask import g, has_app_context, has_request_context, request, session
from flask_babel import LazyString, get_locale, get_translations
from flask_babel import gettext as _gettext
from flask_login import current_user
from markupsafe import escape

LANGUAGES = ("ja", "en")
# Where the companies work: the days and times of pages that span several venues (the month of
# all venues, the day's agenda), of the books and of the audit trail are told in it; a venue's
# own are told in the venue's time zone.
HOME_TIMEZONE = "Asia/Tokyo"
# Made once: Flask-Babel takes a Locale as it is, where a name is parsed (and its data file
# looked for on disk) at every request.
_LOCALES = {language: Locale.parse(language) for language in LANGUAGES}

# Patterns a Japanese or English reader expects on a wedding schedule.
_DATE = {"ja": "y年M月d日(EEE)", "en": "EEE d MMM y"}
_TIME = {"ja": "H:mm", "en": "h:mm a"}
# Punctuation between a label and what follows, and between the parts of one line: Japanese
# text takes full-width marks (「：」「、」), never the ASCII ones.
_COLON = {"ja": "：", "en": ": "}
_SEPARATOR = {"ja": "、", "en": ", "}
# A quotation inside a quotation: 「…『…』…」 and “…‘…’…”.
_INNER_QUOTES = {"ja": str.maketrans("「」", "『』"), "en": str.maketrans("“”", "‘’")}


def select_locale() -> Locale:
    """The signed-in user's choice, then this browser's, then the Accept-Language header."""
    if not has_request_context():
        return _LOCALES["en"]  # the command line speaks English
    caller = g.get("api_caller")  # an API token's user (not loaded as an object)
    user = caller or (current_user if current_user and current_user.is_authenticated else None)
    if user is not None and user.language in LANGUAGES:
        return _LOCALES[user.language]
    if session.get("language") in LANGUAGES:
        return _LOCALES[session["language"]]
    return _LOCALES[request.accept_languages.best_match(LANGUAGES) or "ja"]


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else "ja"


def local(value: datetime, tz: str) -> datetime:
    """An aware datetime seen on the wall clock of ``tz``."""
    return value.astimezone(ZoneInfo(tz))


def format_local_date(
    value: date | datetime, tz: str | None = None, lang: str | None = None
) -> str:
    """The day as a person reads it: 2027年1月31日(日) / Sun 31 Jan 2027. ``lang`` names the
    language of a document (an invoice in its client's language); else the reader's."""
    if isinstance(value, datetime):
        value = local(value, tz or "UTC").date()
    lang = lang if lang in LANGUAGES else _lang()
    return format_date(value, _DATE[lang], locale=lang)


def format_month(first: date) -> str:
    """A month as a calendar titles it: 2027年4月 / April 2027."""
    lang = _lang()
    return format_date(first, "y年M月" if lang == "ja" else "MMMM y", locale=lang)


def format_local_time(value: datetime, tz: str) -> str:
    lang = _lang()
    return format_time(local(value, tz), _TIME[lang], locale=lang)


def format_local_datetime(value: datetime, tz: str) -> str:
    lang = _lang()
    return format_datetime(local(value, tz), f"{_DATE[lang]} {_TIME[lang]}", locale=lang)


def join_words(items) -> str:
    """Items as one list in the reader's language: 「A、B、C」 / "A, B, and C"."""
    items = [str(item) for item in items]
    return format_list(items, locale=_lang()) if items else ""


def colon() -> str:
    """What stands between a label and its text: 「：」 in Japanese, ": " in English."""
    return _COLON[_lang()]


def separator() -> str:
    """What separates the parts of one line (a venue and its address): 「、」 or ", "."""
    return _SEPARATOR[_lang()]


def quoted_within(text: str) -> str:
    """Someone's words to be put inside quotation marks: their own quotes become inner ones."""
    return text.translate(_INNER_QUOTES[_lang()])


def in_brackets(text: str, lang: str) -> str:
    """An aside after a word, in the brackets of the document's language: 「（第2版）」 in
    Japanese, " (version 2)" in English (a document may be in another language than the page)."""
    return f"（{text}）" if lang == "ja" else f" ({text})"


def translations():
    """The translations of the current locale, kept for the rest of the request (or job) on
    Flask-Babel's own per-request namespace, under the name that its force_locale() and
    refresh() already reset. Flask-Babel finds them again at every message (three lookups of
    its context, the locale's name rebuilt, a dictionary): a ceremony's page asks for some
    700 messages, and that was 10-15 % of making it."""
    ctx = g.get("_flask_babel") if has_app_context() else None
    found = getattr(ctx, "babel_translations", None)
    if found is None:
        found = get_translations()
        ctx = g.get("_flask_babel") if has_app_context() else None  # made by the line above
        if ctx is not None:
            ctx.babel_translations = found
    return found


def register_filters(app) -> None:
    # Templates translate through translations() (Flask-Babel installed its own first).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["local_date"] = format_local_date
    app.jinja_env.filters["local_time"] = format_local_time
    app.jinja_env.filters["local_datetime"] = format_local_datetime
    app.jinja_env.filters["in_brackets"] = in_brackets
    app.jinja_env.globals["current_lang"] = current_lang
    app.jinja_env.globals["home_timezone"] = HOME_TIMEZONE
    app.jinja_env.globals["colon"] = colon
    app.jinja_env.globals["separator"] = separator


def current_lang() -> str:
    """'ja' or 'en', for the html lang attribute and templates."""
    return _lang()


class LazyText(LazyString):
    """A translation made when it is read, which a page escapes like any other text.

    Flask-Babel's LazyString tells Jinja it is HTML already (its ``__html__`` is the text
    itself), so a name put into one (a hint "e.g. %(name)s", a form error) reached the page
    as markup: a client named <i>美咲</i> was shown in italics. Our messages hold no markup."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables) -> LazyText:
    """Flask-Babel's lazy_gettext, escaped on pages (LazyText); import it as ``_l``."""
    return LazyText(_gettext, string, **variables)
