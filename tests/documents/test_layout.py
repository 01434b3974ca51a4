"""How documents fall on pages: no nearly empty page, whole blocks, booklets of 4n pages; the
certificate's signature lines and its 吉日 line; the client named as the ceremony names them."""

import io
import subprocess
from datetime import UTC, datetime, timedelta

from PIL import Image
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline as inline_layout
from weasyprint.layout import preferred as preferred_layout

from tests.documents.conftest import pdf_pages, pdf_text, render
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.documents import services
from wedding.documents.render import html_to_document, page_fill
from wedding.documents.services import (
    NEARLY_EMPTY,
    booklet_order,
    document_data,
    impose_booklet,
    program_document,
    render_html,
    settings_for,
)
from wedding.models import db
from wedding.personas.models import Companion
from wedding.personas.services import save_story
from wedding.presentation.models import Presentation
from wedding.presentation.services import revoke_viewer
from wedding.storage.services import store
from wedding.vows.services import approve_vow, draft_vows, edit_vow

LONG_VOWS = "\n".join(
    "きみと出会ってから、毎日が少しずつ明るくなりました。これからの季節を、全部きみの隣で過ごしたい。"
    for _ in range(9)
)


def page_texts(pdf: bytes) -> list[str]:
    texts = []
    for page in range(1, pdf_pages(pdf) + 1):
        done = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        )
        texts.append(done.stdout.decode())
    return texts


def with_client_vows(app, ceremony_id: int, user_id: int) -> None:
    with app.app_context():
        ceremony = db.session.get(Ceremony, ceremony_id)
        draft = draft_vows(ceremony, "ja", "client", 1, user_id).versions[0]
        approve_vow(edit_vow(draft, LONG_VOWS, user_id), "client")
        db.session.commit()


def test_program_pages_are_never_nearly_empty_and_vows_stay_whole(app, couple):
    user, ceremony = couple()
    with_client_vows(app, ceremony.id, user.id)
    for size in ("a4", "a5"):
        texts = page_texts(render(app, ceremony.id, "program", size=size))
        content = [t for t in texts if "メモ · Notes" not in t]
        # Every page after the cover, but the notes pages, carries real content (not a stray
        # line or a lone QR box).
        assert all(len("".join(t.split())) > 300 for t in content[1:]), (size, texts)
        # The client's vows are on one page, whole.
        holding = [t for t in texts if "きみと出会ってから" in t]
        assert len(holding) == 1 and holding[0].count("きみと出会ってから") == 9
        # The thanks close the program: on its last page, or heading the page whose free half
        # the note lines fill (an A5 booklet).
        assert (
            "ありがとうございます"
            in texts[len(content) - 1] + texts[min(len(content), len(texts) - 1)]
        )


def test_the_a5_booklet_has_a_multiple_of_four_pages_and_imposes(app, couple):
    _user, ceremony = couple()
    pdf = render(app, ceremony.id, "program", size="a5")
    pages = pdf_pages(pdf)
    assert pages % 4 == 0 and pages >= 4
    texts = page_texts(pdf)
    assert "挙式次第" in texts[0]
    notes = [t for t in texts if "メモ · Notes" in t]
    assert len(notes) == pages - len([t for t in texts if "メモ · Notes" not in t])
    imposed = impose_booklet(pdf)
    assert pdf_pages(imposed) == pages // 2
    # Sheet 1's front side holds the last page (left) and the cover (right).
    front = page_texts(imposed)[0]
    assert "挙式次第" in front
    assert booklet_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert sorted(p for side in booklet_order(12) for p in side) == list(range(1, 13))


def test_render_chooses_the_paper(app, couple, tmp_path):
    _user, ceremony = couple()
    runner = app.test_cli_runner()
    sizes = {}
    for paper in ("a4", "a5"):
        out = tmp_path / f"{paper}.pdf"
        result = runner.invoke(
            args=["render", "program", str(ceremony.id), "--paper", paper, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        info = subprocess.run(["pdfinfo", str(out)], capture_output=True, check=True).stdout
        sizes[paper] = next(x for x in info.decode().splitlines() if x.startswith("Page size"))
    assert "595" in sizes["a4"] and "419" in sizes["a5"]


def test_the_certificate_names_the_role_the_proxy_and_the_lucky_day(app, couple):
    _user, ceremony = couple()
    with app.app_context():
        client = db.session.get(Client, ceremony.client_id)
        client.ceremony_role, client.pronouns = "groom", "he"
        db.session.commit()
    text = pdf_text(render(app, ceremony.id, "certificate", witness="鈴木 一郎"))
    assert "新郎" in text and "Groom" in text and "ご本人" not in text
    # the planner signs for the companion; the witness only witnesses (named once)
    assert "代筆：山田 花子" in text and "signed for by 山田 花子" in text
    assert text.count("鈴木 一郎") == 1
    assert "吉日" not in text  # 2031-04-05 is 仏滅
    with app.app_context(), db.session.no_autoflush:
        row = db.session.get(Ceremony, ceremony.id)
        for day, line in ((6, "大安吉日"), (3, "吉日")):  # 大安, then 友引
            row.starts_at = datetime(2031, 4, day, 2, 0, tzinfo=UTC)
            row.ends_at = row.blocked_until = row.starts_at + timedelta(hours=1)
            data = document_data(row, settings_for(row))
            assert data["kichijitsu"] == line
        db.session.rollback()


MM = 96 / 25.4  # CSS pixels per millimetre in WeasyPrint's layout


def boxes_with_class(page, name: str) -> list:
    """The laid-out boxes of elements with this class (absolutely placed ones included)."""
    found, todo = [], [page._page_box]
    while todo:
        box = todo.pop()
        box = getattr(box, "_box", box)  # an absolutely placed box sits in a placeholder
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else []
        if name in classes and (not found or found[-1].element is not element):
            found.append(box)  # an element's first box only
        todo.extend(reversed(getattr(box, "children", [])))
    return found


def with_portrait(app, ceremony_id: int) -> None:
    figure = io.BytesIO()
    Image.new("RGB", (300, 600), (60, 70, 110)).save(figure, "PNG")
    with app.app_context():
        companion = db.session.get(Companion, db.session.get(Ceremony, ceremony_id).companion_id)
        companion.portrait_id = store(companion.org_id, figure.getvalue(), "image/png").id
        companion.artwork_printable = True  # the client may print the artwork
        db.session.commit()


def certificate_layout(app, ceremony_id: int, language: str, **settings):
    """The certificate's one laid-out page (asserted), and its data."""
    with app.app_context():
        row = db.session.get(Ceremony, ceremony_id)
        current = settings_for(row)
        current.language = language
        for name, value in settings.items():
            setattr(current, name, value)
        data = document_data(row, current, certificate=None)
        (page,) = html_to_document(render_html("certificate", data)).pages
        db.session.rollback()
    return page, data


def test_the_certificate_is_one_page_with_a_large_portrait_and_no_empty_band(app, couple):
    _user, ceremony = couple()
    with_portrait(app, ceremony.id)
    # The couple's questionnaire has one line in Japanese (the proposal) and two in English
    # (what they call each other too): each line beyond what fits takes height from the portrait.
    for language, portrait_mm in (("ja", 62), ("en", 58), ("both", 38)):
        pdf = render(app, ceremony.id, "certificate", language=language, witness="鈴木 一郎")
        texts = page_texts(pdf)
        assert len(texts) == 1, language
        text = "".join(texts[0].split())
        for words in ("新人", "代筆：山田花子", "立会人", "鈴木一郎", "佐藤美咲", "レン"):
            if language != "en" or words.isascii() or words in ("山田花子", "佐藤美咲", "レン"):
                assert words in text, (language, words)
        page, _data = certificate_layout(app, ceremony.id, language, witness="鈴木 一郎")
        (portrait,) = boxes_with_class(page, "portrait")
        assert portrait.height / MM >= portrait_mm, language
        (facts,) = boxes_with_class(page, "facts")
        signature_boxes = boxes_with_class(page, "signature-box")
        assert len(signature_boxes) == 4
        # One row of four: every signature box starts at the same height.
        assert len({round(box.position_y) for box in signature_boxes}) == 1, language
        band = (signature_boxes[0].position_y - (facts.position_y + facts.height)) / MM
        assert 0 < band <= 25, (language, band)  # no overlap, no large empty band


def test_the_names_share_the_portraits_line_laid_out_once_and_long_ones_wrap_beside_it(
    app, couple, monkeypatch
):
    """Beside the portrait the names sit on its line, their text laid out once (a flex box
    measured and laid it out three times); names too long for that line wrap beside the
    portrait all the same, and the lines below stay clear of the signatures."""
    laid_out = []
    split = inline_layout.split_first_line

    def counted(text, *args, **kwargs):
        laid_out.append(text)
        return split(text, *args, **kwargs)

    for module in (inline_layout, preferred_layout):
        monkeypatch.setattr(module, "split_first_line", counted)
    long_client, long_companion = "Alexandra Catherine Montgomery-Whitfield", "Sir Griffin O'Neill"
    for client_name, companion_name in (("佐藤 美咲", "レン"), (long_client, long_companion)):
        _user, ceremony = couple(client_name, companion_name)
        with_portrait(app, ceremony.id)
        for language in ("ja", "both"):
            laid_out.clear()
            page, data = certificate_layout(app, ceremony.id, language)
            (portrait,) = boxes_with_class(page, "portrait")
            client, companion = boxes_with_class(page, "name")
            assert client.position_x > portrait.position_x + portrait.width, language
            assert companion.position_y < portrait.position_y + portrait.height, language
            (facts,) = boxes_with_class(page, "facts")
            band = boxes_with_class(page, "signature-box")[0].position_y - facts.position_y
            assert band - facts.height >= 1.5 * MM, language
            if not data["long_names"]:
                # once on the portrait's line, once under the client's signature line
                assert laid_out.count(client_name) == 2, language
    assert data["long_names"]


PROPOSALS = (
    ("", ""),
    ("ずっと隣にいたい。", "Stay with me."),
    ("これからの季節を、全部きみの隣で過ごしたい。", "I want to spend every season beside you."),
    ("これからの季節を、全部きみの隣で過ごしたい。" * 3, "Every season that is coming. " * 3),
    ("これからの季節を、全部きみの隣で過ごしたい。" * 6, "Every season that is coming. " * 6),
)


def test_the_questionnaires_words_never_run_into_the_signatures(app, couple):
    """What they call each other and the proposal's words (up to 120 characters, wrapping)
    in one language or both: the lines above the signatures always end above them."""
    _user, ceremony = couple()
    with_portrait(app, ceremony.id)
    for ja_words, en_words in PROPOSALS:
        with app.app_context():
            companion = db.session.get(Ceremony, ceremony.id).companion
            for lang, words, names in (
                ("ja", ja_words, ("美咲", "レン")),
                ("en", en_words, ("Misaki", "Ren")),
            ):
                answers = {"proposal_words": words}
                answers["companion_calls_client"], answers["client_calls_companion"] = (
                    names if words else ("", "")
                )
                save_story(companion, lang, answers, "planner")
            db.session.commit()
        for language in ("ja", "en", "both"):
            page, data = certificate_layout(app, ceremony.id, language)
            (facts,) = boxes_with_class(page, "facts")
            first_signature = boxes_with_class(page, "signature-box")[0]
            band = (first_signature.position_y - (facts.position_y + facts.height)) / MM
            (portrait,) = boxes_with_class(page, "portrait")
            case = (language, data["story_lines"], len(ja_words), len(en_words))
            assert band >= 1.5, (case, band)  # clear of the signatures
            assert portrait.height / MM >= 25, case  # and the companion still well seen


def test_a_program_without_a_viewer_link_has_no_nearly_empty_page_either(app, couple):
    """A viewer link turned off (or never made, as for a hold from the API) leaves no QR box:
    every page but the cover and the notes is still filled at least a third of the way down
    (measured on the laid-out pages: a page of Japanese vows holds few characters), and the
    booklet still has a multiple of four pages."""
    user, ceremony = couple()
    with_client_vows(app, ceremony.id, user.id)
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        for presentation in db.session.scalars(
            db.select(Presentation).where(Presentation.ceremony_id == ceremony.id)
        ):
            revoke_viewer(row, presentation)
        db.session.commit()
    for size in ("a4", "a5"):
        with app.app_context():
            row = db.session.get(Ceremony, ceremony.id)
            settings = settings_for(row)
            settings.size = size
            data = document_data(row, settings)
            assert data["ar"] is None  # no QR box to print
            document = program_document(data)
            db.session.rollback()
        pdf = document.write_pdf()
        texts = page_texts(pdf)
        for number, (page, text) in enumerate(zip(document.pages, texts, strict=True)):
            if number == 0 or "メモ · Notes" in text:
                continue
            assert page_fill(page) >= NEARLY_EMPTY, (size, number + 1, text[:200])
        if size == "a5":
            assert len(document.pages) % 4 == 0


def laid_out_program(app, ceremony_id: int, size: str, language: str):
    with app.app_context():
        row = db.session.get(Ceremony, ceremony_id)
        settings = settings_for(row)
        settings.size, settings.language = size, language
        document = program_document(document_data(row, settings))
        db.session.rollback()
    return document


def test_the_program_is_laid_out_at_most_twice(app, couple, monkeypatch):
    """The tighter step is chosen from the first layout's blocks and a booklet's notes pages
    are laid out by themselves: the program is laid out once, and a second time only set
    tighter or with note lines below the thanks."""
    user, ceremony = couple()
    with_client_vows(app, ceremony.id, user.id)
    layouts = []
    lay_out = services.html_to_document

    def counted(html, **kwargs):
        if 'class="sheet cover"' in html:  # the program itself, not its notes pages alone
            layouts.append(html)
        return lay_out(html, **kwargs)

    monkeypatch.setattr(services, "html_to_document", counted)
    for size in ("a4", "a5"):
        for language in ("both", "ja", "en"):
            layouts.clear()
            document = laid_out_program(app, ceremony.id, size, language)
            _first, *again = layouts
            assert len(again) <= 1, (size, language)
            assert all(" compact" in html or "notes follow" in html for html in again)
            assert size == "a4" or len(document.pages) % 4 == 0


def embedded_images(pdf: bytes) -> list[tuple[int, int]]:
    """(width, height) in pixels of each picture the PDF carries (poppler's pdfimages)."""
    done = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True)
    rows = [line.split() for line in done.stdout.decode().splitlines()[2:]]
    return [(int(row[3]), int(row[4])) for row in rows]


def test_the_portrait_is_sent_at_print_resolution_never_larger(app, couple, tmp_path):
    """A large photo reaches the PDF scaled to 300 dpi at the height it prints (64 mm on a
    one-language certificate, 44 mm beside two languages, 62/40 mm on an A4/A5 cover); a small
    one as it is."""
    _user, ceremony = couple()
    photo = io.BytesIO()
    Image.new("RGB", (1600, 4000), (60, 70, 110)).save(photo, "JPEG")
    with app.app_context():
        companion = db.session.get(Companion, db.session.get(Ceremony, ceremony.id).companion_id)
        companion.portrait_id = store(companion.org_id, photo.getvalue(), "image/jpeg").id
        companion.artwork_printable = True
        companion_id = companion.id
        db.session.commit()
    for kind, settings, height in (
        ("certificate", {"language": "ja"}, 756),
        ("certificate", {"language": "both"}, 520),
        ("program", {"size": "a4"}, 732),
        ("program", {"size": "a5"}, 472),
    ):
        pdf = render(app, ceremony.id, kind, **settings)
        assert (height * 1600 // 4000, height) in embedded_images(pdf), (kind, settings)
    small = io.BytesIO()
    Image.new("RGB", (200, 500), (60, 70, 110)).save(small, "PNG")
    with app.app_context():
        companion = db.session.get(Companion, companion_id)
        companion.portrait_id = store(companion.org_id, small.getvalue(), "image/png").id
        db.session.commit()
    assert (200, 500) in embedded_images(render(app, ceremony.id, "certificate", language="ja"))


def test_a_last_page_nearly_empty_is_saved_by_the_step_the_first_layout_shows(
    app, couple, monkeypatch
):
    """Client vows of one to nine paragraphs, on A4 and on an A5 booklet: a first layout whose
    last page is nearly empty is followed by the program set tighter (the next step only after
    a gentler one the estimate found borderline, as before), otherwise by nothing but note
    lines; no page but the cover and the notes is left nearly empty."""
    user, ceremony = couple()
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        draft = draft_vows(row, "ja", "client", 1, user.id).versions[0]
        db.session.commit()
    layouts = []
    lay_out = services.html_to_document

    def counted(html, **kwargs):
        document = lay_out(html, **kwargs)
        if 'class="sheet cover"' in html:  # the program itself, not its notes pages alone
            layouts.append((html, len(document.pages)))
        return document

    monkeypatch.setattr(services, "html_to_document", counted)
    saved, at_most_twice = 0, 0
    for paragraphs in range(1, 10):
        vows = "\n".join(LONG_VOWS.split("\n")[:paragraphs])
        with app.app_context():
            approve_vow(edit_vow(db.session.merge(draft), vows, None), "client")
            db.session.commit()
        for size, language in (("a4", "both"), ("a5", "ja"), ("a5", "both")):
            layouts.clear()
            document = laid_out_program(app, ceremony.id, size, language)
            case = (paragraphs, size, language)
            (_html, first), *again = layouts
            lines = [html for html, _pages in again if "notes follow" in html]
            tighter = [pages for html, pages in again if html not in lines]
            assert all(" compact" in html for html, _pages in again if html not in lines), case
            if tighter:
                saved += tighter[-1] < first
                assert len(tighter) == 1 or ("tighter" not in again[0][0] and tighter[0] == first)
            assert len(lines) <= 1, case  # note lines, counted once
            at_most_twice += len(again) <= 1
            texts = page_texts(document.write_pdf())
            for number, (page, text) in enumerate(zip(document.pages, texts, strict=True)):
                if number and "メモ" not in text:
                    assert page_fill(page) >= NEARLY_EMPTY, (*case, number + 1)
    assert saved  # a tighter step saved a page in some of these
    assert at_most_twice >= 25  # of 27: a third layout only after a borderline estimate


def test_no_text_box_is_laid_out_for_white_space_that_prints_nothing(app, couple):
    """White space between a line's last box and its element's end makes an empty text box,
    laid out and walked for nothing (beside the portrait, after the company's name)."""
    _user, ceremony = couple()
    with_portrait(app, ceremony.id)
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        current = settings_for(row)
        for theme in ("classic", "modern", "sakura"):
            current.theme = theme
            data = document_data(row, current, certificate=None)
            pages = html_to_document(render_html("certificate", data)).pages
            pages += program_document(data).pages
            empty = [
                box.element.get("class")
                for page in pages
                for box in page._page_box.descendants()
                if isinstance(box, boxes.TextBox) and not box.text
            ]
            assert empty == [], theme
        db.session.rollback()


LONG_NAMES = (
    ("長谷川 明日香・エリザベート・フォン・シュヴァルツヴァルト", "Seraphina"),
    ("佐藤 美咲", "Sir Griffin Alexander Montgomery-Whitfield of the Northern Woods"),
    ("高橋" * 50, "レン"),  # a name at the hundred characters the forms allow and more
)


def test_long_names_stay_on_the_paper(app, couple):
    """A 28-character name ran past the certificate's border (a name never wrapped), and one of
    100 over the text below it: a name longer than a line is set smaller and wraps."""
    for client_name, companion_name in LONG_NAMES:
        _user, ceremony = couple(client_name, companion_name)
        for portrait in (False, True):
            if portrait:
                with_portrait(app, ceremony.id)
            for language in ("ja", "both"):
                page, _data = certificate_layout(app, ceremony.id, language)
                (sheet,) = boxes_with_class(page, "sheet")
                right = sheet.content_box_x() + sheet.width
                for name in boxes_with_class(page, "name"):
                    for line in [name, *getattr(name, "children", [])]:
                        assert line.position_x + line.width <= right + 1, (client_name, language)
                (names,) = boxes_with_class(page, "names")
                (declaration, *_) = boxes_with_class(page, "declaration")
                assert names.position_y + names.height <= declaration.position_y + 1
                (facts,) = boxes_with_class(page, "facts")
                signatures = boxes_with_class(page, "signature-box")
                bottom = facts.position_y + facts.height
                assert min(box.position_y for box in signatures) >= bottom, (client_name, language)
            with app.app_context():
                row = db.session.get(Ceremony, ceremony.id)
                cover = program_document(document_data(row, settings_for(row))).pages[0]
                db.session.rollback()
            (sheet,) = boxes_with_class(cover, "cover")
            right = sheet.content_box_x() + sheet.width
            for name in boxes_with_class(cover, "name"):
                assert name.position_x + name.width <= right + 1, (client_name, "program")
            with app.app_context():  # the table card keeps its AR code below the names
                row = db.session.get(Ceremony, ceremony.id)
                data = document_data(row, settings_for(row), certificate=None)
                (card,) = html_to_document(render_html("table_card", data)).pages
                db.session.rollback()
            (sheet,) = boxes_with_class(card, "sheet")
            bottom = sheet.content_box_y() + sheet.height
            (code,) = boxes_with_class(card, "card-ar")
            for box in [*boxes_with_class(card, "name"), code]:
                assert box.position_y + box.height <= bottom + 1, (client_name, "table card")
