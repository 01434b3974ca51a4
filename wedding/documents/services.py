"""Documents for a ceremony: the data they print, rendering, and issuing versions."""

import base64
import io
import math
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import render_template
from PIL import Image
from pypdf import PdfReader, PdfWriter, Transformation
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from weasyprint import CSS

from wedding.accounts.models import Organisation
from wedding.almanac import country_of, describe, wareki, wareki_year_en
from wedding.ceremonies.models import Ceremony
from wedding.documents.models import (
    Branding,
    CertificateCounter,
    DocumentSettings,
    IssuedDocument,
)
from wedding.documents.ornaments import frame, heart
from wedding.documents.phrases import ROLES, phrase
from wedding.documents.render import (
    ASSETS,
    boxes_of,
    css_for_pdf,
    document_to_pdf,
    html_to_document,
    html_to_pdf,
    page_area,
    page_fill,
)
from wedding.erasure import ClientScope, eraser, ids, rowcount
from wedding.i18n import HOME_TIMEZONE
from wedding.models import db, utcnow
from wedding.personas.services import stories_of
from wedding.presentation.services import ar_link
from wedding.runofshow.services import item_start, items_of
from wedding.storage.models import StoredFile
from wedding.storage.services import store
from wedding.vows.services import approved_vows

TEMPLATES = {
    "certificate": "documents/certificate.html",
    "program": "documents/program.html",
    "vow_card": "documents/vow_card.html",
    "table_card": "documents/table_card.html",
}
DEFAULT_COLOR = {"classic": "#9a7b3f", "modern": "#2f4858", "sakura": "#c9637f"}
# Colours the inline SVG ornaments need as attributes (the themes' CSS has the same values).
PALETTES = {
    "classic": {"accent": "#a8883f", "petal": "#f3e9d2", "heart": "#a8883f", "paper": "#fffdf7"},
    "sakura": {"accent": "#d77a93", "petal": "#fbdde4", "heart": "#e58fa6", "paper": "#fff8f9"},
}
# How tall the companion's portrait prints (document.css), and the resolution it is sent at.
PORTRAIT_MM = {"certificate": 64, "certificate_two_languages": 44, "a4": 62, "a5": 40}
PRINT_DPI = 300
JA_WEEKDAYS = "月火水木金土日"
PAPER = {"a4": (210, 297), "a5": (148, 210)}
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class DocumentError(Exception):
    """A document that cannot be made yet; the code names why."""


def printable_data(ceremony: Ceremony, kind: str, settings: DocumentSettings | None = None):
    """What a document prints now; a certificate shows the number it has or would get.
    DocumentError when the document cannot be made yet."""
    settings = settings or settings_for(ceremony)
    certificate = certificate_number(ceremony) if kind == "certificate" else None
    data = document_data(ceremony, settings, certificate=certificate)
    if kind == "vow_card" and data["card"] is None:
        raise DocumentError("no_vows")
    if kind == "table_card" and data["ar"] is None:
        raise DocumentError("no_ar")
    return data


def default_language(ceremony: Ceremony) -> str:
    """Japanese and English, but English alone for an English-speaking client's ceremony
    outside Japan (a Seattle couple's guests read no Japanese)."""
    client = ceremony.client
    abroad = ceremony.venue is not None and country_of(ceremony.venue.timezone) != "JP"
    return "en" if abroad and client is not None and client.language == "en" else "both"


def settings_for(ceremony: Ceremony) -> DocumentSettings:
    """The ceremony's document settings (defaults until the planner saves some)."""
    found = db.session.scalar(db.select(DocumentSettings).filter_by(ceremony_id=ceremony.id))
    if found is None:  # not added to the session: saved only when the planner saves settings
        found = DocumentSettings(
            org_id=ceremony.org_id,
            ceremony_id=ceremony.id,
            theme="classic",
            language=default_language(ceremony),
            size="a4",
            vow_reader="",
            photographer="",
            witness="",
            thank_you="",
        )
    return found


def branding_for(org_id: int) -> Branding | None:
    return db.session.scalar(db.select(Branding).filter_by(org_id=org_id))


def languages(setting: str) -> list[str]:
    return ["ja", "en"] if setting == "both" else [setting]


def western_date(day: date, lang: str) -> str:
    if lang == "ja":
        return f"{day.year}年{day.month}月{day.day}日（{JA_WEEKDAYS[day.weekday()]}）"
    return format_date(day, "EEEE, d MMMM y", locale="en")


def era_date(day: date, lang: str, timezone: str = HOME_TIMEZONE) -> str:
    """The Japanese era of the day (令和9年6月12日, Reiwa 9); in English only for a venue in
    Japan (a Seattle ceremony's certificate said "Reiwa 9" to readers who count no eras)."""
    if lang == "ja":
        return wareki(day)
    return wareki_year_en(day) if country_of(timezone) in (None, "JP") else ""


_pictures: dict[tuple[str, int, str], str] = {}


def _print_picture(data: bytes, height: int, paper: str) -> str:
    """A picture scaled down for print as a JPEG data: URI, transparency laid on the theme's
    paper colour: a PDF carries JPEG bytes as they are, where PNG would be recompressed on
    every render. Never larger than the source; a large JPEG photo is decoded at a reduced
    scale still above the size wanted (draft), not in full."""
    with Image.open(io.BytesIO(data)) as image:
        size = (max(1, image.width * height // image.height), height)
        if image.height > height:
            image.draft("RGB", size)
        image = image.convert("RGBA")
        if image.height > height:
            image = image.resize(size)
        flat = Image.new("RGB", image.size, paper)
        flat.paste(image, mask=image.getchannel("A"))
        buffer = io.BytesIO()
        flat.save(buffer, "JPEG", quality=88, optimize=True)
    return f"data:image/jpeg;base64,{base64.b64encode(buffer.getvalue()).decode()}"


def image_uri(file_id: int | None, height: int, paper: str = "#ffffff") -> str:
    """A stored picture as a data: URI for print (cached per file content, size and paper)."""
    if file_id is None:
        return ""
    sha256 = db.session.scalar(db.select(StoredFile.sha256).filter_by(id=file_id))
    if sha256 is None:
        return ""
    key = (sha256, height, paper)
    if key not in _pictures:
        data = db.session.scalar(db.select(StoredFile.data).filter_by(id=file_id))
        try:
            picture = _print_picture(data, height, paper)
        except (OSError, ValueError, Image.DecompressionBombError):
            picture = ""  # a picture we cannot read is left out rather than break the document
        if len(_pictures) > 64:
            _pictures.clear()
        _pictures[key] = picture
    return _pictures[key]


def portrait_height(settings: DocumentSettings, certificate: bool) -> int:
    """The portrait's height in pixels at print resolution where it prints: on the certificate
    (smaller beside two languages) or on the program's cover (A4 or A5)."""
    if certificate:
        two = len(languages(settings.language)) > 1
        mm = PORTRAIT_MM["certificate_two_languages" if two else "certificate"]
    else:
        mm = PORTRAIT_MM[settings.size]
    return round(mm / 25.4 * PRINT_DPI)


@lru_cache(maxsize=8)
def stylesheet(theme: str) -> str:
    """The theme's CSS as text (inlined in the preview)."""
    base = (ASSETS / "document.css").read_text()
    return base + "\n" + (ASSETS / f"{theme}.css").read_text()


@lru_cache(maxsize=8)
def parsed_stylesheet(theme: str) -> CSS:
    """The theme's CSS parsed once per process for the PDF renderer."""
    return css_for_pdf(stylesheet(theme))


def document_data(
    ceremony: Ceremony,
    settings: DocumentSettings,
    *,
    certificate: tuple[str, int] | None = None,
) -> dict:
    """Everything a document prints, as plain values (the templates hold no logic); with
    ``certificate`` (its number and version) the certificate's, else the other documents'."""
    if ceremony.client is None or ceremony.companion is None:
        raise DocumentError("needs_couple")
    ar = ar_link(ceremony)
    venue = ceremony.venue
    local = ceremony.starts_at.astimezone(ZoneInfo(venue.timezone))
    day = local.date()
    langs = languages(settings.language)
    companion = ceremony.companion
    client_name = ceremony.client.full_name
    companion_name = companion.name
    approved = approved_vows(ceremony.id)
    branding = branding_for(ceremony.org_id)
    color = branding.color if branding and COLOR.match(branding.color or "") else ""
    color = color or DEFAULT_COLOR.get(settings.theme, "#9a7b3f")
    theme = settings.theme
    palette = PALETTES.get(
        theme, {"accent": color, "petal": color, "heart": color, "paper": "#ffffff"}
    )
    planner = ceremony.planner.name or ceremony.planner.email if ceremony.planner else ""
    stories = stories_of(companion.id)
    per_lang = {}
    for lang in langs:
        vows = []
        for role, name in (("companion", companion_name), ("client", client_name)):
            version = approved.get((role, lang))
            if version:
                vows.append(
                    {
                        "title": phrase(f"{role}_vows", lang, name=name),
                        "text": version.text,
                        "role": role,
                    }
                )
        per_lang[lang] = {
            "date": western_date(day, lang),
            "era": era_date(day, lang, venue.timezone),
            "vows": vows,
            "story": _story_lines(stories.get(lang)),
            "thank_you": phrase("thanks_default", lang),
        }
    note = settings.thank_you.strip()
    thanks_lang = written_in(note) if note else None
    if note:
        # The planner's own note is printed once, as written, under the heading of the language
        # it is written in (of the document's, if it has one only); no default beside it that
        # says something else.
        shown = thanks_lang if thanks_lang in langs else langs[0]
        for lang in langs:
            per_lang[lang]["thank_you"] = note if lang == shown else ""
    client_role = {lang: ceremony.client.role_word(lang) for lang in ("ja", "en")}
    run = [
        {
            "time": clock(item_start(ceremony, item).astimezone(local.tzinfo), langs),
            "title": {lang: item.title(lang) for lang in langs},
            "who": {
                lang: _capitalised(client_role[lang])
                if item.role == "client"
                else ROLES.get(item.role, {}).get(lang, "")
                for lang in langs
            },
        }
        for item in items_of(ceremony)
    ]
    info = describe(day)
    card_lang = ceremony.client.language if settings.language == "both" else settings.language
    card = approved.get(("companion", card_lang))
    return {
        "card": {
            "lang": card_lang,
            "title": phrase("companion_vows", card_lang, name=companion_name),
            "text": card.text,
            "size_pt": vow_card_size(card.text, card_lang),
        }
        if card
        else None,
        "run": run,
        "langs": langs,
        "lang": langs[0],
        "thanks_lang": thanks_lang,  # the planner's note's own language, if there is one
        "story_lines": certificate_story_lines(per_lang),
        "long_names": _units(client_name) + _units(companion_name) > NAMES_BESIDE_PORTRAIT_UNITS,
        "name_class": name_length_class(client_name, companion_name),
        "theme": settings.theme,
        "size": settings.size,
        "color": color,
        "frame": frame(theme, palette["accent"], palette["petal"], 297, 210, True),
        "cover": frame(theme, palette["accent"], palette["petal"], *PAPER[settings.size], False),
        "heart": heart(palette["heart"]),
        "paper": palette["paper"],
        "compact": False,
        "notes_pages": 0,
        "notes_follow": 0,
        "notes_only": False,
        "org_name": db.session.get(Organisation, ceremony.org_id).name,
        "logo": image_uri(branding.logo_id, 160, palette["paper"]) if branding else "",
        "client_name": client_name,
        "companion_name": companion_name,
        "time": clock(local, langs),
        "venue": venue.name,
        "address": getattr(venue, "address", "") or "",
        "rokuyo": info.rokuyo,
        "kichijitsu": kichijitsu(info),
        "client_role": {lang: _capitalised(word) for lang, word in client_role.items()},
        "signatures": signatures(client_name, companion_name, client_role, settings, planner),
        "portrait": image_uri(
            companion.portrait_id,
            portrait_height(settings, certificate is not None),
            palette["paper"],
        )
        if companion.artwork_printable
        else "",
        "planner": planner,
        "vow_reader": settings.vow_reader,
        "photographer": settings.photographer,
        "witness": settings.witness,
        "number": certificate[0] if certificate else "",
        "version": certificate[1] if certificate else 0,
        "ar": ar,
        "t": per_lang,
    }


def _capitalised(word: str) -> str:
    return word[:1].upper() + word[1:]


def kichijitsu(info) -> str:
    """The traditional line of a Japanese certificate on an auspicious day: 大安吉日 on 大安,
    吉日 on the other good days; nothing on other days or when the almanacs disagree."""
    if not info.auspicious or info.uncertain:
        return ""
    return "大安吉日" if info.rokuyo == "大安" else "吉日"


def signatures(
    client: str, companion: str, role: dict[str, str], settings, planner: str
) -> list[dict]:
    """The certificate's signature lines: the client, the companion (signed for by the planner
    or, without one, the witness: 代筆), the witness and the planner. The planner, who signs
    anyway, signs for the companion: a witness signing for one of the couple as well would
    be named twice and witness their own signature."""
    proxy = planner or settings.witness
    lines = [
        {"label": {lang: _capitalised(role[lang]) for lang in role}, "name": client},
        {
            "label": {
                "ja": f"代筆：{proxy}" if proxy else "代筆",
                "en": f"signed for by {proxy}" if proxy else "signed for by proxy",
            },
            "name": companion,
        },
    ]
    if settings.witness:
        label = {lang: phrase("witness", lang) for lang in role}
        lines.append({"label": label, "name": settings.witness})
    label = {lang: phrase("planner_signature", lang) for lang in role}
    lines.append({"label": label, "name": planner})
    for line in lines:  # set small under its line (name_length_class)
        line["long"] = _units(line["name"] or "") > NAME_LINE_UNITS
    return lines


def vow_card_size(text: str, lang: str) -> float:
    """The largest type size (pt, 9–24) at which the vows fit the card's one page."""
    width_mm, height_mm, line_height = 170.0, 215.0, 1.75
    em_per_char = 1.0 if lang == "ja" else 0.52  # full-width kana and kanji; Latin averages
    paragraphs = text.split("\n")
    size = 24.0
    while size > 9.0:
        em_mm = size * 0.3528
        per_line = max(1, int(width_mm / (em_mm * em_per_char)))
        lines = sum(max(1, math.ceil(len(p) / per_line)) for p in paragraphs)
        if lines * em_mm * line_height <= height_mm:
            break
        size -= 0.5
    return size


def render_html(kind: str, data: dict, nonce: str = "", inline_css: bool = True) -> str:
    """The document as HTML: the preview shows it with its CSS inline; the PDF is made from the
    same HTML with the theme's CSS parsed once per process."""
    css = stylesheet(data["theme"]) if inline_css else ""
    return render_template(TEMPLATES[kind], d=data, css=css, nonce=nonce, phrase=phrase)


def render_pdf(kind: str, data: dict) -> bytes:
    if kind == "program":
        return document_to_pdf(program_document(data))
    html = render_html(kind, data, inline_css=False)
    return html_to_pdf(html, stylesheets=[parsed_stylesheet(data["theme"])])


NEARLY_EMPTY = 0.3  # a last page filled less than this far down is set again, tighter
HALF_EMPTY = 0.5  # an A5 booklet's last page filled less than this takes note lines below
# What each tighter step (document.css: .program.compact, .program.tighter) does to a laid-out
# program: the vows' and thanks' text shrinks with its type size (fewer lines, each less tall)
# and line height; the space below a block and below the vows narrows; each heading's too.
TIGHTER_TEXT = {
    level: (size / 9.5) ** 2 * line_height / 1.65
    for level, size, line_height in ((1, 8.8, 1.5), (2, 8.2, 1.42))
}
TIGHTER_SPACE_MM = {"block": {1: 5, 2: 3.5}, "vows": {1: 4, 2: 3}}
TIGHTER_HEADING_MM = 1.5
ESTIMATE_SLACK_MM = 4  # the estimate is good to a few mm: in doubt, the gentler step is tried
NOTE_LINE_MM = 9
CSS_PX_PER_MM = 96 / 25.4


def program_document(data: dict):
    """Lay the program out so that no page is nearly empty and an A5 booklet has a multiple of
    4 pages: a last page holding only a few lines makes the program set tighter, by the step
    that the first layout's blocks show will save a page (the next step only if it does not);
    a booklet is completed with notes pages, or note lines below the thanks on a last page
    still half empty."""

    def lay_out(**changes):
        html = render_html("program", data | changes, inline_css=False)
        return html_to_document(html, stylesheets=[parsed_stylesheet(data["theme"])])

    document = lay_out()
    compact = 0
    if len(document.pages) > 2 and page_fill(document.pages[-1]) < NEARLY_EMPTY:
        pages = len(document.pages)
        saving = [level for level in (1, 2) if pages_set_tighter(document, level) < pages]
        for level in range(saving[0], 3) if saving else ():  # the next only if it fell short
            tighter = lay_out(compact=level)
            if len(tighter.pages) < pages:
                document, compact = tighter, level
                break
    pages = len(document.pages)
    if data["size"] != "a5" or pages % 4 == 0:
        return document
    if pages > 2 and page_fill(document.pages[-1]) < HALF_EMPTY:
        # A last page still half empty (the thanks alone): note lines fill the rest of it.
        lines = note_lines_below(document)
        if lines > 3:
            with_lines = lay_out(compact=compact, notes_follow=lines, notes_pages=-pages % 4)
            if len(with_lines.pages) == pages + (-pages % 4):
                return with_lines
    # Notes pages stand alone after the program: laid out by themselves, not with it again.
    notes = lay_out(notes_only=True, notes_pages=-pages % 4)
    return document.copy(document.pages + notes.pages)


def pages_set_tighter(document, level: int) -> int:
    """How many pages the program would take set tighter by this step: the first layout's
    blocks (each kept whole on a page), shrunk as the step shrinks them, packed in order."""
    top, bottom = page_area(document.pages[-1])
    mm = CSS_PX_PER_MM
    room = bottom - top + ESTIMATE_SLACK_MM * mm
    pages, used, below = 2, None, 0.0  # the cover, then the first page of the flow
    for page in document.pages[1:]:
        for flow in boxes_of(page._page_box, "flow"):
            for block in flow.children:
                classes = (block.element.get("class") or "").split()
                kind = next((name for name in classes if name in TIGHTER_SPACE_MM), None)
                text = sum(box.border_height() for box in boxes_of(block, "vow-text"))
                headings = len([box for box in block.children if box.element_tag == "h2"])
                height = (
                    block.border_height()
                    - text * (1 - TIGHTER_TEXT[level])
                    - headings * TIGHTER_HEADING_MM * mm
                )
                gap = max(below, block.margin_top)
                if used is not None and used + gap + height > room:
                    pages, used = pages + 1, None
                used = height if used is None else used + gap + height
                below = TIGHTER_SPACE_MM.get(kind, {}).get(level, block.margin_bottom / mm) * mm
    return pages


def note_lines_below(document) -> int:
    """How many note lines (with their heading) fit below the last page's content."""
    page = document.pages[-1]
    _top, bottom = page_area(page)
    free = bottom - page_fill(page) * page.height
    heading = boxes_of(page._page_box, "thanks")[0].children[0]  # an h2, as the notes' is
    # Below the thanks: the notes' margin (6 mm), their heading, 2 mm to spare, the lines.
    room = free - 8 * CSS_PX_PER_MM - (heading.margin_height() - heading.margin_top)
    return int(room // (NOTE_LINE_MM * CSS_PX_PER_MM))


def impose_booklet(pdf: bytes) -> bytes:
    """An A5 booklet (pages a multiple of 4, in reading order) imposed for saddle-stitch
    printing: each A4 landscape side holds two A5 pages, so that the printed sheets, folded and
    nested, read 1, 2, 3 … (sheet 1 front: last | 1, back: 2 | last-1, and so on)."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = list(reader.pages)
    if len(pages) % 4:
        raise DocumentError("booklet_pages")
    width = float(pages[0].mediabox.width)
    height = float(pages[0].mediabox.height)
    writer = PdfWriter()
    for left, right in booklet_order(len(pages)):
        side = writer.add_blank_page(width * 2, height)
        side.merge_transformed_page(pages[left - 1], Transformation())
        side.merge_transformed_page(pages[right - 1], Transformation().translate(width, 0))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def booklet_order(count: int) -> list[tuple[int, int]]:
    """Page pairs (left, right) of each printed side of a saddle-stitched booklet."""
    sides = []
    low, high = 1, count
    while low < high:
        sides.append((high, low))  # front of the sheet: outside right is page `low`
        sides.append((low + 1, high - 1))  # back of the sheet
        low, high = low + 2, high - 2
    return sides


# --- issuing -------------------------------------------------------------------------------


def issued_documents(ceremony_id: int) -> list[IssuedDocument]:
    return list(
        db.session.scalars(
            db.select(IssuedDocument)
            .filter_by(ceremony_id=ceremony_id)
            .order_by(IssuedDocument.kind, IssuedDocument.version.desc())
        )
    )


def certificate_number(ceremony: Ceremony, take: bool = False) -> tuple[str, int]:
    """(number, next version): the number the certificate has, or for its first issue the one
    it would get (``take``: the one it gets, taken from the company's counter)."""
    first = db.session.scalar(
        db.select(IssuedDocument).filter_by(ceremony_id=ceremony.id, kind="certificate", version=1)
    )
    latest = db.session.scalar(
        db.select(func.max(IssuedDocument.version)).filter_by(
            ceremony_id=ceremony.id, kind="certificate"
        )
    )
    if first is not None:
        return first.number, (latest or 0) + 1
    year = ceremony.starts_at.astimezone(ZoneInfo(ceremony.venue.timezone)).year
    if take:
        number = next_certificate_number(ceremony.org_id, year)
    else:
        last = db.session.scalar(
            db.select(CertificateCounter.last_number).filter_by(org_id=ceremony.org_id, year=year)
        )
        number = (last or 0) + 1
    return f"{year}-{number:04d}", 1


def next_certificate_number(org_id: int, year: int) -> int:
    """Take the company's next certificate number of a year: one atomic upsert on a counter
    that never goes back, so an erased ceremony's number is never given again and two issues
    at once cannot take the same one."""
    table = CertificateCounter.__table__
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    insert = (postgresql_insert if postgresql else sqlite_insert)(table)
    statement = (
        insert.values(org_id=org_id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.org_id, table.c.year],
            set_={"last_number": table.c.last_number + 1},
        )
        .returning(table.c.last_number)
    )
    return db.session.execute(statement).scalar_one()


def issue_document(
    ceremony: Ceremony, kind: str, user_id: int | None, note: str = ""
) -> IssuedDocument:
    """Render and keep a new version of a document; a certificate keeps its number."""
    settings = settings_for(ceremony)
    certificate = certificate_number(ceremony, take=True) if kind == "certificate" else None
    data = document_data(ceremony, settings, certificate=certificate)
    pdf = render_pdf(kind, data)
    version = (
        certificate[1]
        if certificate
        else (
            db.session.scalar(
                db.select(func.max(IssuedDocument.version)).filter_by(
                    ceremony_id=ceremony.id, kind=kind
                )
            )
            or 0
        )
        + 1
    )
    stored = store(ceremony.org_id, pdf, "application/pdf", file_name(ceremony, kind, version))
    issued = IssuedDocument(
        org_id=ceremony.org_id,
        ceremony_id=ceremony.id,
        kind=kind,
        version=version,
        number=certificate[0] if certificate else None,
        language=settings.language,
        theme=settings.theme,
        file_id=stored.id,
        size=len(pdf),
        issued_at=utcnow(),
        issued_by_id=user_id,
        note=note.strip()[:500],
    )
    db.session.add(issued)
    db.session.flush()
    return issued


def file_name(ceremony: Ceremony, kind: str, version: int | None = None) -> str:
    suffix = f"-v{version}" if version else ""
    return f"{kind.replace('_', '-')}-{ceremony.id}{suffix}.pdf"


def _story_lines(story) -> dict:
    """From the couple's questionnaire, what a certificate prints: their names for each other
    and the proposal's words (each only when answered)."""
    if story is None:
        return {}
    lines = {}
    if story.client_calls_companion and story.companion_calls_client:
        lines["they_call"] = f"{story.companion_calls_client} ⇄ {story.client_calls_companion}"
    words = " ".join(story.proposal_words.split()).strip('「」“”"')
    if words:
        lines["proposal"] = words[:120]
    return lines


# How much of a printed line (237 mm at the certificate's small size) a label and text take:
# a Japanese character is 1, a Latin letter or space about half.
CERTIFICATE_LINE_UNITS = 76
# The certificate's names (27 pt: 9.5 mm a unit) beside a portrait as wide as it is tall:
# 237 mm less the portrait (at most 64 mm), the gap (8 mm) and the heart leave about 16
# units; 14 leaves room for wide Latin letters. Longer names wrap beside the portrait.
NAMES_BESIDE_PORTRAIT_UNITS = 14
# A name longer than these (in full-width characters) is set smaller and may wrap: at the
# certificate's 27 pt, 16 fill the line beside the portrait and a little more the A5 cover's;
# past 40 (a hundred-character name) the names are set smaller again to fit two or three lines.
NAME_LINE_UNITS = 16
NAME_LINES_UNITS = 40


def clock(moment: datetime, langs) -> str:
    """A time of day as the document's readers read one: 14:00, and 2:00 PM on a document in
    English only (the planner's pages say 2:00 PM to an English reader)."""
    if list(langs) == ["en"]:
        return f"{moment.hour % 12 or 12}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"
    return moment.strftime("%H:%M")


def written_in(text: str) -> str:
    """The language ("ja" or "en") of the letters most of a text is written in: an English
    note naming 美咲 is English."""
    kana_kanji = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF" and c.isalpha())
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return "ja" if kana_kanji * 2 >= latin else "en"


def name_length_class(*names: str) -> str:
    """The documents' class for the longest name: "", "long-name" or "long-name longer-name"."""
    longest = max(map(_units, names))
    if longest > NAME_LINES_UNITS:
        return "long-name longer-name"
    return "long-name" if longest > NAME_LINE_UNITS else ""


def _units(text: str) -> float:
    return sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def certificate_story_lines(per_lang: dict) -> int:
    """How many printed lines the questionnaire's words take on a certificate (a long proposal
    wraps): the portrait gives up that much height so the signatures stay clear (see
    .story-lines-N in document.css), decided before layout instead of by laying out twice."""
    lines = 0
    for lang, texts in per_lang.items():
        for key, text in texts["story"].items():
            label = _units(phrase(key, lang)) + 2  # the label and the space after it
            lines += math.ceil((label + _units(text) + 1) / CERTIFICATE_LINE_UNITS)
    return min(lines, 6)


@eraser(order=10)
def erase_documents(scope: ClientScope) -> dict[str, int]:
    """Erasure: issued documents (their PDFs go with the stored files) and document settings."""
    in_ceremonies = IssuedDocument.ceremony_id.in_(scope.ceremony_ids)
    scope.files |= ids(db.select(IssuedDocument.file_id).where(in_ceremonies))
    return {
        "issued_documents": rowcount(db.delete(IssuedDocument).where(in_ceremonies)),
        "document_settings": rowcount(
            db.delete(DocumentSettings).where(DocumentSettings.ceremony_id.in_(scope.ceremony_ids))
        ),
    }
