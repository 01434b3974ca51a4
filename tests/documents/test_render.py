"""Every document, in every theme and language: the names come back out exactly, fonts are
embedded subsets, user text prints literally, and the renderer reads nothing but our assets."""

import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tinyhtml5 import inputstream
from weasyprint import css
from weasyprint.formatting_structure import boxes
from weasyprint.svg import SVG

from tests.documents.conftest import pdf_fonts, pdf_pages, pdf_text, render
from wedding import ROOT
from wedding.documents import render as render_module
from wedding.documents.ornaments import data_uri
from wedding.documents.phrases import phrase
from wedding.documents.render import (
    ASSETS,
    AssetFetcher,
    document_to_pdf,
    html_to_document,
    html_to_pdf,
)
from wedding.documents.services import parsed_stylesheet, stylesheet, vow_card_size

THEMES = ["classic", "modern", "sakura"]
KINDS = ["certificate", "program", "vow_card"]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("language", ["ja", "en", "both"])
def test_every_document_gives_back_both_names(app, couple, theme, language):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("rendering does not depend on the database (the page tests run on both)")
    _, ja = couple("佐藤 美咲", "レン")
    _, en = couple("Emily Carter", "Griffin O'Neill", language="en")
    for ceremony, names in ((ja, ("佐藤 美咲", "レン")), (en, ("Emily Carter", "Griffin O'Neill"))):
        for kind in KINDS:
            pdf = render(app, ceremony.id, kind, theme, language)
            text = pdf_text(pdf)
            for name in names:
                assert name in text, (kind, theme, language, name)
            if kind != "program":
                assert pdf_pages(pdf) == 1, (kind, theme, language)
            for font in pdf_fonts(pdf):
                assert font[-5:-2] == ["yes", "yes", "yes"], font  # embedded, subset, unicode


def test_emoji_in_names_print_as_emoji_not_as_boxes(app, couple):
    """Names like あかり🌸 printed 🌸 as an empty box: no font on the machine had it."""
    _, ceremony = couple("高橋 あかり🌸", "Seraphina 🌙")
    for kind in KINDS:
        pdf = render(app, ceremony.id, kind, "classic", "both")
        assert "Noto-Color-Emoji" in [font[0].split("+")[1] for font in pdf_fonts(pdf)], kind
        assert "あかり🌸" in pdf_text(pdf) and "Seraphina 🌙" in pdf_text(pdf), kind


def test_the_planners_thank_you_note_stands_under_its_own_languages_heading(app, couple):
    """Both languages: the Japanese note was printed beside an English default saying something
    else; English only: a Japanese note stood under "Thank you" as if it were English."""
    _, ceremony = couple()
    note = "本日は森の小さな式にお越しいただき、ありがとうございました。"
    both = pdf_text(render(app, ceremony.id, "program", thank_you=note, language="both"))
    assert both.count(note[:10]) == 1 and phrase("thanks", "ja") in both
    assert phrase("thanks_default", "en")[:30] not in both
    assert phrase("thanks_default", "ja")[:10] not in both
    english = pdf_text(render(app, ceremony.id, "program", thank_you=note, language="en"))
    assert note[:10] in english and phrase("thanks_default", "en")[:30] not in english
    english_note = "Thank you all for coming to celebrate 美咲 and Ren today."
    both = pdf_text(render(app, ceremony.id, "program", thank_you=english_note, language="both"))
    assert english_note[:20] in both and phrase("thanks_default", "ja")[:10] not in both
    assert f"{phrase('thanks', 'en')}\n{english_note}" in both  # under its own heading
    default = pdf_text(render(app, ceremony.id, "program", language="both"))
    assert phrase("thanks_default", "ja")[:10] in default
    assert phrase("thanks_default", "en")[:30] in default.replace("\n", " ")


def test_a_font_is_embedded_once(app, couple):
    """Modern sets everything in IPAexGothic, which has no italic: an italic line would embed
    the same font a second time (as "IPAexGothic-Oblique", printed upright all the same)."""
    _, ceremony = couple("Emily Carter", "Griffin O'Neill", language="en")
    for kind in KINDS:
        fonts = pdf_fonts(render(app, ceremony.id, kind, "modern", "both"))
        assert [font[0].split("+")[1] for font in fonts] == ["IPAexGothic"], kind


@pytest.mark.parametrize("theme", ["classic", "sakura"])
def test_the_serif_themes_embed_two_faces(app, couple, theme):
    """Classic and sakura set Japanese in IPAexMincho and Latin in EB Garamond, and nothing
    else (the program adds IPAexGothic for the AR address): no italic face for a line or two,
    each face being one more font subset in every PDF."""
    _, ceremony = couple("Emily Carter", "Griffin O'Neill", language="en")
    for kind in KINDS:
        fonts = pdf_fonts(render(app, ceremony.id, kind, theme, "both"))
        expected = ["EB-Garamond", "IPAexMincho"] + (["IPAexGothic"] if kind == "program" else [])
        assert sorted(font[0].split("+")[1] for font in fonts) == sorted(expected), kind


def test_the_certificate_says_what_it_is_and_is_not(app, couple):
    _, ceremony = couple()
    text = pdf_text(render(app, ceremony.id, "certificate", language="both"))
    for expected in (
        "結婚証明書",
        "CERTIFICATE OF UNION",
        "2031年4月5日（土）",
        "令和13年4月5日",
        "Saturday, 5 April 2031",
        "Reiwa 13",
        "婚姻届ではなく",
        "not a marriage registration",
        "山田 花子",
        f"{ceremony.starts_at.year}-0001",
        "Misaki ⇄ Ren",  # from the couple's questionnaire
        "Stay with me through every season.",
    ):
        assert expected in text, expected
    assert pdf_pages(render(app, ceremony.id, "certificate", language="both")) == 1


def test_the_program_has_the_order_of_ceremony_and_the_approved_vows(app, couple):
    _, ceremony = couple()
    text = pdf_text(render(app, ceremony.id, "program", "sakura", "both", vow_reader="岡本 健"))
    assert "11:00" in text and "指輪の交換" in text and "Exchange of rings" in text
    assert "岡本 健" in text
    assert "眠れない夜に話しかけてくれたこと" in text  # from the approved ja vows
    assert pdf_pages(render(app, ceremony.id, "program", "classic", "ja", size="a5")) >= 3


def test_an_english_program_reads_its_times_as_english_readers_do(app, couple):
    """'Ceremony at 14:00' on a program in English while the planner's pages said 2:00 PM."""
    _, ceremony = couple()
    english = pdf_text(render(app, ceremony.id, "program", language="en"))
    assert "Ceremony at 11:00 AM" in " ".join(english.split())
    assert re.search(r"\b10:\d\d AM\b", english) and not re.search(r"\b1[3-9]:\d\d\b", english)
    both = pdf_text(render(app, ceremony.id, "program", language="both"))
    # a time in AM/PM, not "AM" anywhere: the AR link's random token may hold those letters
    assert "11:00" in both and not re.search(r"\b\d{1,2}:\d\d [AP]M\b", both)


def test_an_english_document_counts_japanese_eras_only_for_a_venue_in_japan(app, couple):
    """A Seattle ceremony's certificate said "Saturday, 5 April 2031 · Reiwa 13"."""
    from wedding.ceremonies.models import Ceremony
    from wedding.models import db

    _, ceremony = couple()
    tokyo = pdf_text(render(app, ceremony.id, "certificate", language="both"))
    assert "Reiwa 13" in tokyo and "令和13年" in tokyo
    with app.app_context():
        db.session.get(Ceremony, ceremony.id).venue.timezone = "America/Los_Angeles"
        db.session.commit()
    for kind in ("certificate", "program"):
        seattle = pdf_text(render(app, ceremony.id, kind, language="both"))
        assert "Reiwa" not in seattle and "令和" in seattle, kind  # a Japanese reader counts them
        assert "2031 ·" not in seattle, kind  # no separator left before nothing


def test_documents_default_to_english_alone_for_an_english_couple_abroad(app, couple):
    """A Seattle couple's certificate came out in Japanese and English until changed."""
    from wedding.ceremonies.models import Ceremony
    from wedding.documents.services import settings_for
    from wedding.models import db

    _, tokyo = couple(language="en")
    _, seattle = couple(language="en")
    _, japanese_abroad = couple(language="ja")
    with app.app_context():
        for ceremony in (seattle, japanese_abroad):
            db.session.get(Ceremony, ceremony.id).venue.timezone = "America/Los_Angeles"
        db.session.commit()
        found = [
            settings_for(db.session.get(Ceremony, c.id)).language
            for c in (tokyo, seattle, japanese_abroad)
        ]
    assert found == ["both", "en", "both"]


def test_a_program_without_a_run_of_show_prints_no_empty_heading(app, couple):
    from wedding.models import db
    from wedding.runofshow.models import RunItem

    _, ceremony = couple()
    with app.app_context():
        db.session.execute(db.delete(RunItem).where(RunItem.ceremony_id == ceremony.id))
        db.session.commit()
    text = pdf_text(render(app, ceremony.id, "program", language="en"))
    assert "Order of ceremony" not in text  # a heading over nothing
    assert "Ceremony at 11:00 AM" in " ".join(text.split())


def test_user_text_prints_literally(app, couple):
    name = "<b>x</b> {{ 7*7 }} &amp;"
    _, ceremony = couple(name, "<i>Ren</i>")
    for kind in KINDS:
        text = pdf_text(render(app, ceremony.id, kind, language="en"))
        assert name in text and "<i>Ren</i>" in text
        # (the AR link's random token may hold a 49 of its own: CI met one)
        assert "49" not in re.sub(r"\S*/ar/\S+", "", text)


class Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        Recorder.hits.append(self.path)
        self.send_response(302)
        self.send_header("Location", "file:///etc/passwd")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_markup_in_user_text_is_neither_read_nor_fetched(app, couple, listener):
    evil = f'<img src="file:///etc/passwd"><img src="{listener}/x.png">'
    _, ceremony = couple("佐藤 美咲", evil)
    for kind in KINDS:
        text = pdf_text(render(app, ceremony.id, kind, thank_you=evil, language="ja"))
        assert evil in text and "root:" not in text
    assert Recorder.hits == []


def test_the_renderer_refuses_files_and_urls_even_in_our_own_html(listener):
    html = (
        f'<link rel="stylesheet" href="{listener}/style.css">'
        '<img src="file:///etc/passwd"><img src="/etc/hostname">'
        f'<img src="{listener}/redirect.png"><p style="background: url({listener}/bg.png)">x</p>'
        '<img src="../../../../etc/passwd">'
        f'<img src="{ASSETS.as_uri()}/document.css">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==">'
    )
    fetcher = AssetFetcher()
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    assert Recorder.hits == []
    refused = " ".join(fetcher.refused)
    for url in ("/style.css", "file:///etc/passwd", "/etc/hostname", "/redirect.png", "/bg.png"):
        assert url in refused, url
    assert "document.css" not in refused and "data:" not in refused


@pytest.mark.parametrize(("lang", "length"), [("ja", 300), ("ja", 900), ("en", 1200), ("en", 3000)])
def test_the_vow_card_type_is_large_for_short_vows_and_fits_long_ones(lang, length):
    short = vow_card_size("あ" * 200 if lang == "ja" else "a" * 400, lang)
    size = vow_card_size(("あ" if lang == "ja" else "a") * length, lang)
    assert short >= 18 and 9 <= size <= short


def test_the_html_parser_builds_its_regexes_once(monkeypatch):
    """tinyhtml5 caches the regex of each set of characters it scans for, but under the wrong
    key: without render's fix it built them again at every call, thousands per document."""
    html = '<p class="a" lang="ja">結婚 <span>証明書</span></p><div id="c">x &amp; y</div>'
    html_to_document(html)  # what there is to build, built once
    compile_regex = inputstream.re.compile
    built = []

    def counted(pattern, *args):
        built.append(pattern)
        return compile_regex(pattern, *args)

    monkeypatch.setattr(inputstream.re, "compile", counted)
    html_to_document(html)
    assert built == []


def test_an_svg_image_is_interpreted_once_and_then_drawn_alike(monkeypatch):
    """WeasyPrint interprets an SVG image's every path at every render (the sakura petals took
    a seventh of a certificate): render keeps what the first drawing wrote and writes it again,
    with the colours and opacity states the page needs."""
    petals = data_uri(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">'
        '<path d="M2 2 C10 4 20 8 30 30 Z" fill="#fbdde4" stroke="#d77a93" fill-opacity=".5"/>'
        '<circle cx="20" cy="20" r="4" fill="#d77a93"/></svg>'
    )
    html = f'<p style="color: #d77a93">花 <img src="{petals}"> 花</p><img src="{petals}">'
    first = html_to_pdf(html)
    interpreted = []
    draw_node = SVG.draw_node

    def counted(self, node, *args, **kwargs):
        interpreted.append(node.tag)
        return draw_node(self, node, *args, **kwargs)

    monkeypatch.setattr(SVG, "draw_node", counted)
    assert html_to_pdf(html) == first
    assert interpreted == []


def test_elements_alike_but_for_their_lang_share_one_computed_style(monkeypatch):
    """WeasyPrint shares a computed style between like siblings, but never between two with a
    ``lang`` attribute (each parsed anew, never equal): render hands it one per language."""
    html = (
        '<div><p lang="ja">結婚</p><p lang="ja">証明書</p>'
        '<p lang="en">a</p><p lang="en">b</p></div>'
    )
    computed = []
    set_computed_styles = css.StyleFor.set_computed_styles

    def counted(self, element, *args, **kwargs):
        if kwargs.get("pseudo_type") is None:
            computed.append(getattr(element, "tag", None))
        return set_computed_styles(self, element, *args, **kwargs)

    monkeypatch.setattr(css.StyleFor, "set_computed_styles", counted)
    document = html_to_document(html)
    assert computed.count("p") == 2  # one for Japanese, one for English
    assert "証明書" in pdf_text(document_to_pdf(document))


def test_no_element_gets_styles_for_footnotes_it_cannot_have(monkeypatch):
    """WeasyPrint's user-agent rules for footnotes and notes match every element, and made five
    pseudo-element styles for each: the documents' user-agent stylesheet goes without them."""
    pseudo_types = []
    set_computed_styles = css.StyleFor.set_computed_styles

    def counted(self, element, *args, **kwargs):
        pseudo_types.append(kwargs.get("pseudo_type"))
        return set_computed_styles(self, element, *args, **kwargs)

    monkeypatch.setattr(css.StyleFor, "set_computed_styles", counted)
    pdf = html_to_pdf('<ol><li lang="ja">結婚証明書</li></ol><p>Certificate</p>')
    assert "footnote-call" not in pseudo_types and "note-call" not in pseudo_types
    assert "marker" in pseudo_types  # a list keeps its numbers
    assert "1. 結婚証明書" in pdf_text(pdf)


def test_only_a_list_item_gets_a_marker_style(monkeypatch):
    """WeasyPrint's ``::marker`` rule matches every element, and made a marker style for each
    (a certificate has sixty elements, no list): the documents' user-agent stylesheet gives
    one to list items, which keep their numbers in tabular figures."""
    markers = []
    set_computed_styles = css.StyleFor.set_computed_styles

    def counted(self, element, *args, **kwargs):
        if kwargs.get("pseudo_type") == "marker":
            markers.append(element.tag)
        return set_computed_styles(self, element, *args, **kwargs)

    monkeypatch.setattr(css.StyleFor, "set_computed_styles", counted)
    document = html_to_document('<p>式次第</p><ol><li lang="ja">開式</li><li>Vows</li></ol>')
    assert markers == ["li", "li"]
    (page,) = document.pages
    numbers = [box for box in page._page_box.descendants() if box.element_tag == "li::marker"]
    assert {box.style["font_variant_numeric"] for box in numbers} == {("tabular-nums",)}
    assert "1. 開式" in pdf_text(document_to_pdf(document))
    for theme in THEMES:  # no other element of ours is a list item, which would want a marker
        assert "list-item" not in stylesheet(theme)


def test_modern_asks_its_font_for_no_figures_it_lacks():
    """IPAexGothic has neither lining nor tabular figures: asking for them (as the Garamond
    themes must) changed no glyph of a modern PDF but slowed the shaping of each text."""
    html = (
        '<body class="theme-{}"><p>2031年4月5日</p>'
        '<table class="run"><tr><td class="time">11:00</td></tr></table></body>'
    )

    def figures(theme: str) -> set:
        (page,) = html_to_document(html.format(theme), [parsed_stylesheet(theme)]).pages
        texts = [box for box in page._page_box.descendants() if isinstance(box, boxes.TextBox)]
        return {box.style["font_variant_numeric"] for box in texts}

    assert figures("modern") == {"normal"}
    assert figures("sakura") == {("lining-nums",), ("tabular-nums",)}


STYLED = (
    "<html lang='ja'><head><style>:root {{ --brand: {accent}; --accent: var(--brand) }}"
    " .a {{ color: var(--accent) }}</style></head><body><div style='font-size: {size}pt'>"
    "<p class='a'>結婚 <span lang='en'>vows</span></p><p>証明書</p></div></body></html>"
)


def element_styles(monkeypatch) -> list:
    """The computed styles WeasyPrint makes for elements (not pages) while this test runs."""
    made = []
    set_computed_styles = css.StyleFor.set_computed_styles

    def recorded(self, element, *args, **kwargs):
        set_computed_styles(self, element, *args, **kwargs)
        if hasattr(element, "tag"):
            made.append(self._computed_styles[element, kwargs.get("pseudo_type")])

    monkeypatch.setattr(css.StyleFor, "set_computed_styles", recorded)
    return made


def test_an_element_style_is_computed_once_per_process(monkeypatch):
    """WeasyPrint computed every element's style property by property at every render, the
    same for the same classes whoever the couple: render computes each once per process and
    hands later renders its values."""
    html = STYLED.format(accent="#d77a93", size=12)
    first = html_to_pdf(html)
    made = element_styles(monkeypatch)
    computed = []
    missing = css.ComputedStyle.__missing__

    def counted(self, key):
        if key[:2] != "__" and any(self is style for style in made):
            computed.append(key)  # (custom properties, lists of tokens, are computed again)
        return missing(self, key)

    monkeypatch.setattr(css.ComputedStyle, "__missing__", counted)
    assert html_to_pdf(html) == first
    assert len(made) >= 6  # html, head, style, body, div, p, span, p
    assert computed == []


def test_a_kept_style_serves_only_the_same_cascade_under_the_same_parent():
    """Each kept style is found by the element's own declarations (custom properties too) and
    by its parent's: a document like another but for a colour or an ancestor's type size comes
    out as it does in a process that never saw the other."""
    documents = [
        STYLED.format(accent=accent, size=size)
        for accent in ("#d77a93", "#2f4858")
        for size in (9, 20)
    ]
    seen_after_others = [html_to_pdf(html) for html in documents]
    render_module._kept_styles.clear()
    for html, pdf in zip(documents, seen_after_others, strict=True):
        render_module._kept_styles.clear()
        assert html_to_pdf(html) == pdf
    assert len(set(seen_after_others)) == 4


def test_a_length_relative_to_the_page_is_computed_once_the_page_is_known():
    """A length in vw is computed from the first page's size, known only during layout: such
    a style is not computed ahead of it (and kept), which would take a portrait A4's width."""
    html = '<style>@page { size: A4 landscape; margin: 0 }</style><div style="width: 50vw">x</div>'
    for _ in range(2):
        (page,) = html_to_document(html).pages
        (html_box,) = page._page_box.children
        (body,) = html_box.children
        (div,) = body.children
        assert div.width == pytest.approx(page.width / 2)


def test_the_html_parser_finds_invalid_characters_without_its_slow_regex(monkeypatch):
    """tinyhtml5 counts each chunk's invalid characters with a regex mixing characters within
    and beyond the Basic Multilingual Plane, which Python checks range by range (a twentieth
    of a sakura certificate): render uses the plane's own class where nothing lies beyond it,
    and finds the very same characters."""
    searched = []
    finder = inputstream.invalid_unicode_re
    original = finder.original

    class Counted:
        def findall(self, text):
            searched.append(text)
            return original.findall(text)

    monkeypatch.setattr(finder, "original", Counted())
    html_to_document('<p lang="ja">結婚証明書 <img src="data:image/gif;base64,R0lGODlh"></p>')
    assert searched == []
    texts = [
        "結婚証明書 Certificate",
        "a\x01b\x0b\x7f\x85\ufdd0\ufffe\ud800",
        "平成\U0001fffe\U0010ffff\U0001f600\x01",
        "".join(map(chr, range(1, 0x20000, 7))),
    ]
    for text in texts:
        assert finder.findall(text) == original.findall(text), text
    assert len(searched) == 2  # only the texts with characters beyond the plane


def test_a_process_that_rendered_a_pdf_ends_cleanly():
    """What the renderer keeps for the process is let go before the libraries behind it: a
    script, the bench or a job worker that rendered a PDF used to end in a segmentation fault."""
    script = (
        "from wedding.documents.render import html_to_pdf\n"
        "assert html_to_pdf('<p lang=\"ja\">佐藤 美咲</p>').startswith(b'%PDF')\n"
    )
    ended = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert ended.returncode == 0, (ended.returncode, ended.stderr[-2000:])


def test_the_program_names_the_people_by_their_part(app, couple):
    """The program's team and its run of show say who does what as a Japanese guest reads it:
    本日の担当 (not ご案内), 撮影 and カメラマン (not 写真), 代読者 (not 朗読)."""
    _, ceremony = couple()
    pdf = render(
        app,
        ceremony.id,
        "program",
        language="ja",
        vow_reader="鈴木 一郎",
        photographer="森 里奈",
    )
    text = "".join(pdf_text(pdf).split())
    assert "本日の担当" in text and "撮影森里奈" in text and "ご案内" not in text
    assert "代読者" in text and "朗読" not in text.replace("誓いの言葉の朗読", "")
    assert "カメラマン" in text
