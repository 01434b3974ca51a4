"""HTML to PDF with WeasyPrint, reading nothing but what we hand it.

Pure: HTML in, PDF bytes out. The documents inline their CSS and carry their images as data:
URIs, so the renderer needs nothing from outside. Its URL fetcher accepts data: URIs and files
under static/documents only: no file:// elsewhere, no http(s), hence no redirects to follow.
"""

import atexit
import base64
import binascii
import gc
import itertools
import mimetypes
import re
import threading
import zlib
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import OpenerDirector

import pydyf
import tinycss2
from tinyhtml5 import inputstream
from weasyprint import CSS, HTML, css
from weasyprint import html as weasyprint_html
from weasyprint.css.tokens import Pending
from weasyprint.css.units import VIEWPORT_UNITS
from weasyprint.document import Document
from weasyprint.formatting_structure import boxes
from weasyprint.images import SVGImage
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSETS = (Path(__file__).resolve().parents[2] / "static" / "documents").resolve()
MAX_DATA_URI = 8 * 1024 * 1024
# zlib's default level. pydyf compresses at 9, which on a certificate (a 110 KB font subset,
# mostly empty glyph slots) takes 10 ms where 6 takes 3.5, for 0.2 KB less.
COMPRESSION_LEVEL = 6


def _cache_tinyhtml5_regexes() -> None:
    """Let tinyhtml5 (WeasyPrint's HTML parser) find the regexes it caches.

    Its HTMLUnicodeInputStream.chars_until files each regex under the regex itself instead of
    under the characters it looks for (``characters = cache[key] = regex`` assigns from left to
    right), so it builds and looks up a new one at every call, thousands per document: a
    third of the time it takes to parse a certificate. Filing the regex under the right key
    first, the same way tinyhtml5 builds it, makes its own lookup succeed."""
    cache = getattr(inputstream, "characters_until_regex", None)
    chars_until = getattr(inputstream.HTMLUnicodeInputStream, "chars_until", None)
    if cache is None or chars_until is None:
        return  # another tinyhtml5 (tests/documents notices if it is slow again)

    def cached_chars_until(self, characters, opposite=False):
        if (characters, opposite) not in cache:
            escaped = "".join(f"\\x{ord(character):02x}" for character in characters)
            cache[characters, opposite] = re.compile(f"[{'' if opposite else '^'}{escaped}]+")
        return chars_until(self, characters, opposite)

    inputstream.HTMLUnicodeInputStream.chars_until = cached_chars_until


_cache_tinyhtml5_regexes()


class _InvalidCharacters:
    """tinyhtml5's regex of the characters it reports as invalid, searched faster.

    Its one character class mixes the Basic Multilingual Plane with thirty-two characters
    beyond it, and Python's regex engine then checks each character of the document against a
    list of ranges: 0.7 ms per 10,000 characters read, 2 ms of a sakura certificate (its
    pictures are data: URIs). A text with no character beyond the plane (tested by one range,
    fast) cannot hold those thirty-two, and the class without them (a bitmap, fast) finds the
    very same characters; any other text is searched by tinyhtml5's own regex."""

    def __init__(self, original: re.Pattern) -> None:
        self.original = original
        self.in_plane = re.compile(BMP_INVALID_CHARACTERS)
        self.beyond_plane = re.compile("[\U00010000-\U0010ffff]")

    def findall(self, text: str) -> list[str]:
        if self.beyond_plane.search(text):
            return self.original.findall(text)
        return self.in_plane.findall(text)

    def __getattr__(self, name: str):
        return getattr(self.original, name)


# tinyhtml5's invalid characters within the Basic Multilingual Plane, and all of them.
BMP_INVALID_CHARACTERS = "[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]"
INVALID_CHARACTERS = (
    BMP_INVALID_CHARACTERS[:-1]
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


def _find_invalid_characters_faster() -> None:
    """Let tinyhtml5 count the invalid characters of each chunk it reads with _InvalidCharacters."""
    original = getattr(inputstream, "invalid_unicode_re", None)
    if not isinstance(original, re.Pattern) or sorted(original.pattern) != sorted(
        INVALID_CHARACTERS
    ):
        return  # another tinyhtml5 (tests/documents notices the slow search is back)
    inputstream.invalid_unicode_re = _InvalidCharacters(original)


_find_invalid_characters_faster()

MAX_SHARED_LANGUAGES = 32  # our templates use two; a bound all the same


def _share_styles_of_lang_attributes() -> None:
    """Let WeasyPrint share one computed style between elements that only a ``lang`` says alike.

    WeasyPrint computes one style for sibling elements matched by the same rules with the same
    declarations of their own, and turns an element's ``lang`` attribute into such a
    declaration, parsed anew for each element: two ``<p lang="ja">`` never compare equal (a
    parsed declaration equals only itself), so each computed its eighty-odd properties again,
    a quarter of a millisecond an element (a program has fifty). Handing it one parsed
    declaration per language makes its own comparison succeed."""
    find_style_attributes = getattr(css, "find_style_attributes", None)
    if find_style_attributes is None:
        return  # another WeasyPrint (tests/documents notices the styles are not shared)
    parsed: dict[str, tuple] = {}

    def shared_find_style_attributes(tree, presentational_hints=False, base_url=None):
        for specificity, element, declarations, url in find_style_attributes(
            tree, presentational_hints, base_url
        ):
            if (
                type(declarations) is tuple
                and len(declarations) == 1
                and getattr(declarations[0], "lower_name", None) == "-weasy-lang"
            ):
                language = element.get("lang")
                if language in parsed:
                    declarations = parsed[language]
                elif len(parsed) < MAX_SHARED_LANGUAGES:
                    parsed[language] = declarations
            yield specificity, element, declarations, url

    css.find_style_attributes = shared_find_style_attributes


_share_styles_of_lang_attributes()

MAX_KEPT_STYLES = 4096  # a certificate has about 120 element styles, a program 150
# (the element's cascaded declarations, its parent's token, …) -> (token, values, specified)
_kept_styles: dict = {}
_style_tokens = itertools.count()


def _uses_viewport_units(value) -> bool:
    """Whether a cascaded value has a length relative to the page (vw, vh…): WeasyPrint
    computes it from the first page's size, known only once layout has begun."""
    unit = getattr(value, "unit", None)
    if isinstance(unit, str) and unit.lower() in VIEWPORT_UNITS:
        return True
    if isinstance(value, Pending):
        value = value.tokens
    elif isinstance(value, tinycss2.ast.Node):
        value = getattr(value, "arguments", None) or getattr(value, "content", None) or ()
    return isinstance(value, tuple | list) and any(_uses_viewport_units(item) for item in value)


def _custom_property_key(value) -> tuple:
    """A custom property's value, raw tokens, by its text (a var() in it, pending, too)."""
    if isinstance(value, Pending):
        return type(value), value.name, tinycss2.serialize(value.tokens)
    return (tinycss2.serialize(value),)


def _cascade_key(cascaded: dict) -> tuple:
    """An element's cascaded declarations, comparable across renders: parsed values compare by
    value where they can (numbers, strings, tuples of them) and by identity where they cannot
    (the stylesheets are parsed once); custom properties, raw tokens, by their text."""
    return tuple(
        (name, _custom_property_key(value) if name[:2] == "__" else value, weight)
        for name, (value, weight) in cascaded.items()
    )


def _keep_computed_styles() -> None:
    """Compute each element's style once per process: later renders copy its values.

    WeasyPrint computes an element's style property by property as layout asks for them, at
    every render: four thousand properties for a certificate, a sixth of its time, the same
    each time for the same classes and languages whoever the couple is. A computed style
    depends only on the element's cascaded declarations (the rules and attributes that match
    it, with their weights), its parent's computed style and the base URL and fonts; kept
    under those (the parent by the token of its own kept style), the values are computed in
    full once and copied into each render's fresh style object, which WeasyPrint may then
    change as it does (tables, the viewport's overflow) without touching what is kept. Not
    kept: pages and their margin boxes (made and changed per page), lengths relative to the
    page (known only during layout), values that cannot be compared, and the descendants of
    a style not kept."""
    set_computed_styles = getattr(css.StyleFor, "set_computed_styles", None)
    properties = getattr(css, "INITIAL_VALUES", None)
    if set_computed_styles is None or properties is None:
        return  # another WeasyPrint (tests/documents notices the styles are computed again)

    def kept_set_computed_styles(
        self, element, parent, root=None, pseudo_type=None, base_url=None, target_collector=None
    ):
        set_computed_styles(self, element, parent, root, pseudo_type, base_url, target_collector)
        styles = getattr(self, "_computed_styles", None)
        if not hasattr(element, "tag") or styles is None:
            return  # a page or one of its margin boxes
        computed = styles[element, pseudo_type]
        parent_token = None
        if parent is not None:
            parent_token = getattr(styles.get((parent, None)), "_wedding_token", None)
            if parent_token is None:
                return
        cascaded = getattr(computed, "cascaded", None)
        if cascaded is None or not isinstance(getattr(computed, "specified", None), dict):
            return
        try:
            key = (
                parent_token,
                pseudo_type,
                base_url,
                getattr(self, "font_config", None),
                _cascade_key(cascaded),
            )
            kept = _kept_styles.get(key)
        except TypeError:
            return  # a value that cannot be hashed
        if kept is None:
            if any(_uses_viewport_units(value) for value, _ in cascaded.values()):
                return
            try:
                for name in properties:
                    computed[name]
            except Exception:  # left to be computed as WeasyPrint does, when asked for
                return
            values = {}
            for name, value in computed.items():
                try:
                    hash(value)  # an immutable value, safe to share between renders
                except TypeError:
                    continue  # computed again when asked for
                values[name] = value
            if len(_kept_styles) >= MAX_KEPT_STYLES:
                _kept_styles.clear()
            kept = _kept_styles[key] = (next(_style_tokens), values, dict(computed.specified))
        else:
            computed.update(kept[1])
            computed.specified.update(kept[2])
        computed._wedding_token = kept[0]

    css.StyleFor.set_computed_styles = kept_set_computed_styles


_keep_computed_styles()

# The parts of a WeasyPrint stream's state that decide which operations a drawing writes (it
# skips a colour or an opacity already set), and that the drawing leaves changed.
_STREAM_STATE = (
    "_current_color",
    "_current_color_stroke",
    "_current_alpha",
    "_current_alpha_stroke",
    "_current_font",
)
# What else of a stream the replay reads (WeasyPrint 70's); a stream without them is drawn.
_STREAM_PARTS = (*_STREAM_STATE, "_resources", "_fonts", "_images", "_ctm_stack", "ctm")


def _page_resources(stream) -> tuple:
    """What a stream's page uses besides opacity states: resource names, fonts, images."""
    names = tuple(
        (kind, tuple(value))
        for kind, value in stream._resources.items()
        if isinstance(value, dict) and kind != "ExtGState"
    )
    return names, len(stream._fonts), len(stream._images)


def _replay_svg_drawings() -> None:
    """Draw each SVG image once per size and process, then copy the PDF operations it wrote.

    WeasyPrint keeps a parsed SVG image in its image cache (our ``_images``) but interprets it
    again at every render, every coordinate of every path: the sakura petals, four corners of
    two hundred points, took 11 ms of a 75 ms certificate. What a drawing writes depends only
    on the image, its size and the stream's colour state, so it is kept on the image under
    those. A drawing that adds anything to the page but opacity states (an image, a pattern,
    a font, a gradient) or leaves the transformation changed is not kept: it is drawn each
    time, as before."""
    draw = SVGImage.draw

    def replayed_draw(self, stream, concrete_width, concrete_height, style):
        if not all(hasattr(stream, name) for name in _STREAM_PARTS):
            return draw(self, stream, concrete_width, concrete_height, style)
        drawings = self.__dict__.setdefault("_wedding_drawings", {})
        state = tuple(getattr(stream, name) for name in _STREAM_STATE)
        key = (concrete_width, concrete_height, state)
        if key in drawings:
            operations, opacities, state_after = drawings[key]
            for name, opacity in opacities.items():
                stream._resources["ExtGState"].setdefault(name, pydyf.Dictionary(opacity))
            stream.stream.extend(operations)
            for name, value in zip(_STREAM_STATE, state_after, strict=True):
                setattr(stream, name, value)
            return
        start, depth, ctm = len(stream.stream), len(stream._ctm_stack), stream.ctm
        last = stream.stream[-1] if stream.stream else None
        opacities_before, resources = set(stream._resources["ExtGState"]), _page_resources(stream)
        draw(self, stream, concrete_width, concrete_height, style)
        # In the order they were added, as replaying adds them: the page's PDF comes out alike.
        opacities = {
            name: dict(opacity)
            for name, opacity in stream._resources["ExtGState"].items()
            if name not in opacities_before
        }
        if (
            len(stream.stream) >= start
            and (stream.stream[start - 1] if start else None) is last
            and _page_resources(stream) == resources
            and len(stream._ctm_stack) == depth
            and stream.ctm == ctm
            and all(set(opacity) <= {"ca", "CA"} for opacity in opacities.values())
        ):
            state_after = tuple(getattr(stream, name) for name in _STREAM_STATE)
            drawings[key] = (stream.stream[start:], opacities, state_after)

    SVGImage.draw = replayed_draw


_replay_svg_drawings()

_fonts: FontConfiguration | None = None
_fonts_lock = threading.Lock()


def font_configuration() -> FontConfiguration:
    """One FontConfiguration per process: loading fonts is the slow part of a first render."""
    global _fonts
    with _fonts_lock:
        if _fonts is None:
            _fonts = FontConfiguration()
        return _fonts


class AssetFetcher(URLFetcher):
    """Serves data: URIs and our own document assets; refuses (and remembers) anything else."""

    def __init__(self, root: Path = ASSETS) -> None:
        OpenerDirector.__init__(self)  # no handlers at all: nothing here can open a socket
        self._fail_on_errors = False
        self.root = root
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return self._data(url)
        parts = urlsplit(url)
        if parts.scheme == "file" and not parts.netloc:
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})
        self.refused.append(url)
        raise ValueError(f"refused to fetch {url[:100]}")

    def _data(self, url: str) -> URLFetcherResponse:
        header, _, payload = url[5:].partition(",")
        if len(payload) > MAX_DATA_URI:
            self.refused.append(url[:100])
            raise ValueError("data: URI too large")
        mime = header.split(";")[0] or "text/plain"
        try:
            body = (
                base64.b64decode(payload, validate=True)
                if header.endswith(";base64")
                else unquote(payload).encode()
            )
        except (binascii.Error, ValueError) as error:
            raise ValueError("broken data: URI") from error
        return URLFetcherResponse(url[:64], body, {"Content-Type": mime})


# Images (ornaments, portraits, logos: all data: URIs) decoded once per process.
_images: dict = {}


def _let_go_at_exit() -> None:
    """Drop what this module keeps for the process (styles, images, fonts) while the libraries
    behind them are still loaded. Kept until the interpreter's last garbage collection, the
    fonts were released after cffi had let go of Pango, and every process that had rendered a
    PDF ended in a segmentation fault (exit status 139): a script, the bench, a job worker."""
    global _fonts
    _kept_styles.clear()
    _images.clear()
    _fonts = None
    gc.collect()


atexit.register(_let_go_at_exit)

# WeasyPrint's user-agent stylesheet, less its rules for footnotes and notes: each matches every
# element (``::footnote-call { … }``), so WeasyPrint made five pseudo-element styles for each
# element of a document, for footnotes and notes our documents never have. Its ``::marker``
# rule matched every element too, for a marker style only a list item uses: ``li`` is the one
# element the stylesheet makes a list item, and our documents' CSS makes no other.
NOTE_RULES = re.compile(r"^::(footnote|note)-[a-z]+ \{[^}]*\}$", re.MULTILINE)
MARKER_RULE = re.compile(r"^::marker \{", re.MULTILINE)
USER_AGENT_STYLESHEET = CSS(
    string=MARKER_RULE.sub("li::marker {", NOTE_RULES.sub("", weasyprint_html.UA)),
    counter_style=weasyprint_html.UA_COUNTER_STYLE,
)


class DocumentHTML(HTML):
    """A document's HTML, styled by the user-agent stylesheet above (forms have no place here)."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [USER_AGENT_STYLESHEET]


def css_for_pdf(text: str) -> CSS:
    """A stylesheet parsed for the renderer, to be reused across renders."""
    return CSS(
        string=text,
        base_url=ASSETS.as_uri() + "/",
        url_fetcher=AssetFetcher(),
        font_config=font_configuration(),
    )


def html_to_document(
    html: str, stylesheets: list[CSS] | None = None, fetcher: AssetFetcher | None = None
) -> Document:
    """The laid-out pages of a document's HTML (see page_fill), before they become a PDF."""
    fetcher = fetcher or AssetFetcher()
    document = DocumentHTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher)
    if len(_images) > 200:
        _images.clear()
    return document.render(stylesheets=stylesheets, font_config=font_configuration(), cache=_images)


def html_to_pdf(
    html: str, stylesheets: list[CSS] | None = None, fetcher: AssetFetcher | None = None
) -> bytes:
    """The PDF of a document's HTML: fonts subset and embedded, nothing fetched from outside."""
    return document_to_pdf(html_to_document(html, stylesheets, fetcher))


def document_to_pdf(document: Document) -> bytes:
    """The PDF of laid-out pages."""
    return document.write_pdf(finisher=compress_streams)


def compress_streams(_document: Document, pdf: pydyf.PDF) -> None:
    """Compress the PDF's streams (fonts, pages, ToUnicode maps) at COMPRESSION_LEVEL: a
    WeasyPrint finisher, run before pydyf writes them at its own level."""
    for stream in pdf.objects:
        if isinstance(stream, pydyf.Stream) and stream.compress:
            # pydyf serialises its stream items (numbers, bytes, objects) with this function.
            data = b"\n".join(pydyf._to_bytes(item) for item in stream.stream)
            stream.stream = [zlib.compress(data, COMPRESSION_LEVEL)]
            stream.extra["Filter"] = "/FlateDecode"
            stream.compress = False


def page_fill(page) -> float:
    """How far down its page the lowest text or picture reaches (0–1): WeasyPrint has no
    public measure of this, so the laid-out boxes are walked."""
    bottom = 0.0
    for box in page._page_box.descendants():
        if isinstance(box, boxes.TextBox | boxes.ReplacedBox):
            bottom = max(bottom, box.position_y + box.margin_height())
    return bottom / page.height if page.height else 0.0


def page_area(page) -> tuple[float, float]:
    """The top and bottom of a page's content area (CSS px), inside its margins."""
    box = page._page_box
    return box.content_box_y(), box.content_box_y() + box.height


def boxes_of(box, name: str) -> list:
    """The laid-out boxes of the elements of this class under a box, outermost first."""
    element = getattr(box, "element", None)
    if element is not None and name in (element.get("class") or "").split():
        return [box]
    return [found for child in getattr(box, "children", ()) for found in boxes_of(child, name)]


WARM_UP_HTML = (
    '<p style="font-family: IPAexMincho">結婚証明書 Certificate</p>'
    "<p style=\"font-family: 'EB Garamond', IPAexGothic\">Order of Ceremony 式次第</p>"
)


def warm_up() -> None:
    """Render a line in each of our fonts, so the font set is loaded before a real request."""
    html_to_pdf(WARM_UP_HTML)
