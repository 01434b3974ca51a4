"""Japanese and English throughout: complete catalogs, a remembered switch, local formats."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask, render_template_string
from flask_babel import force_locale

from tests.conftest import app_config
from wedding import create_app
from wedding.accounts.models import User
from wedding.i18n import colon, join_words, quoted_within, select_locale
from wedding.models import db, dispose_engines

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "wedding" / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),  # one English word that Japanese says two ways
}


def catalog(lang: str):
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def source_messages() -> set[tuple[str | None, str]]:
    """Every translatable string in the code and templates, extracted as `make messages` does,
    with its context (None for most)."""
    method_map = [("wedding/**.py", "python"), ("templates/**.html", "jinja2")]
    found = extract_from_dir(str(ROOT), method_map=method_map, keywords=KEYWORDS)
    return {(context, msg if isinstance(msg, str) else msg[0]) for _, _, msg, _, context in found}


def _forms(text: str | tuple) -> tuple:
    """A message's id or string as a tuple: one item, or one per plural form."""
    return text if isinstance(text, tuple) else (text,)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_catalog_is_complete_and_not_fuzzy(lang):
    messages = [m for m in catalog(lang) if m.id]
    # A plural message has one string per plural form (Japanese one, English two): all needed.
    untranslated = [m.id for m in messages if not all(_forms(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_string_in_the_code_is_in_the_catalog(lang):
    ids = {(m.context, _forms(m.id)[0]) for m in catalog(lang) if m.id}
    missing = source_messages() - ids
    assert missing == set(), "run `make messages` and translate"


def test_japanese_catalog_really_is_japanese():
    same = [m.id for m in catalog("ja") if m.id and m.string == m.id]
    assert same == []


def test_language_switch_is_remembered_per_user(app, web, make_user):
    user = make_user()
    web.login(user)
    assert '<html lang="ja">' in web.get("/").get_data(as_text=True)
    web.post("/language", {"language": "en", "next": "/venues/"})
    page = web.get("/venues/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Venues" in page
    with app.app_context():
        assert db.session.get(User, user.id).language == "en"
    web.logout()
    web.post("/language", {"language": "ja"})  # the signed-out browser prefers Japanese
    web.login(user)
    assert '<html lang="en">' in web.get("/").get_data(as_text=True)  # the user's choice wins


def test_language_from_the_browser_when_nothing_chosen(web):
    page = web.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in page
    page = web.get("/login", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    assert "サインイン" in page


def test_the_locale_is_made_once_not_parsed_at_every_request(app, web):
    """Flask-Babel takes a Locale as it is; a language name it parses at each request."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        first = select_locale()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert select_locale() is first and isinstance(first, Locale) and str(first) == "en"
    with app.test_request_context("/"):
        assert str(select_locale()) == "ja"


def test_language_switch_never_redirects_off_site(web):
    response = web.post("/language", {"language": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_dates_and_times_follow_the_locale_and_the_venue_zone(
    app, web, make_user, make_venue, make_ceremony
):
    user = make_user()
    venue = make_venue(user.org, timezone="Asia/Tokyo")
    make_ceremony(user.org, venue=venue, starts_at=datetime(2031, 4, 4, 2, 0, tzinfo=UTC))
    london = make_venue(user.org, name="London Hall", timezone="Europe/London")
    make_ceremony(user.org, venue=london, starts_at=datetime(2031, 7, 1, 13, 30, tzinfo=UTC))
    web.login(user)
    page = web.get("/ceremonies/").get_data(as_text=True)
    assert "2031年4月4日(金)" in page
    assert "11:00–12:30" in page  # 02:00 UTC is 11:00 in Tokyo
    assert "14:30–16:00" in page  # 13:30 UTC is 14:30 in London summer time
    web.post("/language", {"language": "en"})
    page = web.get("/ceremonies/").get_data(as_text=True)
    assert "Fri 4 Apr 2031" in page
    assert "11:00\u202fAM" in page or "11:00 AM" in page


@pytest.mark.parametrize(("lang", "title"), [("ja", "見つかりません"), ("en", "Not found")])
def test_404_page_in_both_languages(web, make_user, lang, title):
    web.login(make_user())
    web.post("/language", {"language": lang})
    response = web.get("/no/such/page")
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "title"), [("ja", "権限がありません"), ("en", "does not have permission")]
)
def test_403_page_in_both_languages(web, make_user, lang, title):
    web.login(make_user(role="viewer"))
    web.post("/language", {"language": lang})
    response = web.get("/venues/new")
    assert response.status_code == 403
    assert title in response.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "title"), [("ja", "問題が発生しました"), ("en", "went wrong")])
def test_500_page_in_both_languages(database_url, lang, title):
    app: Flask = create_app(app_config(database_url, PROPAGATE_EXCEPTIONS=False))

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    client = app.test_client()
    response = client.get("/explode", headers={"Accept-Language": lang})
    assert response.status_code == 500
    assert title in response.get_data(as_text=True)
    with app.app_context():
        dispose_engines()


@pytest.mark.parametrize(("lang", "word"), [("ja", "不正なリクエスト"), ("en", "Bad request")])
def test_400_page_in_both_languages(web, lang, word):
    response = web.client.post("/login", headers={"Accept-Language": lang}, data={})
    assert response.status_code == 400
    assert word in response.get_data(as_text=True)


# Input syntax shown to the reader as it is typed (a list of numbers, the characters a phone
# number may have); code between backticks is left alone too.
_TYPED_AS_IS = {"Separated by commas, e.g. 60, 90, 120.", "Use digits, spaces, +, - and ( ) only."}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_japanese_sentences_take_full_width_punctuation():
    """「例：」「、」「（…）」 in Japanese text, not the ASCII ": ", ", " and "( )"."""
    half_width = []
    for message in catalog("ja"):
        if not message.id or _forms(message.id)[0] in _TYPED_AS_IS:
            continue
        for text in _forms(message.string):
            prose = re.sub(r"`[^`]*`|%\([a-z_]+\)[sd]", "", text)
            if _JAPANESE.search(prose) and re.search(r":( |$)|, |[()]", prose, re.M):
                half_width.append(text)
    assert half_width == []


@pytest.mark.parametrize(
    ("lang", "listed", "label", "quoted"),
    [
        ("ja", "出会い、約束、誓い", "例：", "修正依頼：「『夜明けまで』がいい」"),
        ("en", "met, promised, and vowed", "e.g.: ", "asks: “‘dawn’ please”"),
    ],
)
def test_lists_labels_and_inner_quotes_follow_the_language(app, lang, listed, label, quoted):
    words = {"ja": ["出会い", "約束", "誓い"], "en": ["met", "promised", "vowed"]}[lang]
    inner = {"ja": "「夜明けまで」がいい", "en": "“dawn” please"}[lang]
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        assert join_words(words) == listed
        assert {"ja": "例", "en": "e.g."}[lang] + colon() == label
        outer = {"ja": "修正依頼：「{}」", "en": "asks: “{}”"}[lang]
        assert outer.format(quoted_within(inner)) == quoted


# One name for one thing in Japanese: the name kept, and a pattern of the names it replaced.
_GLOSSARY = {
    "おふたりの物語": r"質問票|アンケート|(?<!お)ふたりの物語",  # the couple's questionnaire
    "ポータル": r"マイページ",  # the client's private pages
    "AR演出": r"ARプレゼンテーション",
    "第3版": r"(?<!第)版(%\(\w+\)d|\d)",  # a version or a revision
    "お客様": r"お客さま",
}


def test_the_japanese_catalog_calls_each_thing_by_one_name():
    others = [
        (kept, text)
        for message in catalog("ja")
        if message.id
        for text in _forms(message.string)
        for kept, replaced in _GLOSSARY.items()
        if re.search(replaced, text)
    ]
    assert others == []


def test_templates_translate_in_a_forced_language_and_back(app):
    """Templates keep the request's translations once found (wedding.i18n.translations): a
    document or mail made in another language inside the request (force_locale) must still
    speak that language, and the page around it its own again afterwards."""
    page = (
        "{{ _('Due') }}|{{ pgettext('invoice status', 'Cancelled') }}|"
        "{{ ngettext('%(num)d photo added; its thumbnail is being made.',"
        " '%(num)d photos added; thumbnails are being made.', 2) }}"
    )
    with app.test_request_context("/", headers={"Accept-Language": "ja"}):
        japanese = render_template_string(page)
        assert japanese == "期限|取消済|写真を2枚追加しました。サムネイルを作成中です。"
        with force_locale("en"):
            assert render_template_string(page) == (
                "Due|Cancelled|2 photos added; thumbnails are being made."
            )
        assert render_template_string(page) == japanese
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ _('Due') }}") == "Due"  # another request, its own


def test_a_template_is_compiled_once_per_process_and_again_when_it_changes(tmp_path, monkeypatch):
    """Apps made in one process (a test each, the CLI, the worker) share compiled templates
    (wedding.TEMPLATE_CODE); a template whose source changed is compiled anew."""
    import jinja2

    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self, source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile_(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    url = f"sqlite:///{tmp_path / 'unused.sqlite'}"
    for _ in range(3):
        app = create_app(app_config(url))
        with app.test_request_context("/"):
            app.jinja_env.get_template("accounts/login.html")
    assert compiled.count("accounts/login.html") <= 1  # once, or not at all after another test

    ours = tmp_path / "accounts" / "login.html"
    ours.parent.mkdir()
    for text, shown in (("first {{ 1 + 1 }}", "first 2"), ("second {{ 2 + 2 }}", "second 4")):
        ours.write_text(text)
        app = create_app(app_config(url))
        app.jinja_loader.searchpath.insert(0, str(tmp_path))  # same name, same file
        with app.test_request_context("/"):
            assert app.jinja_env.get_template("accounts/login.html").render() == shown


@pytest.mark.parametrize(
    ("url", "back"),
    [
        ("/rsvp/not-a-link", None),
        ("/ar/not-a-link", None),
        ("/no/such/page", ("/", "ダッシュボードへ戻る")),
    ],
)
def test_an_error_page_leads_back_where_its_reader_can_go(web, url, back):
    """A guest or a viewer has nowhere of ours to go back to (the staff's sign-in is not for
    them); the client's portal: tests/portal/test_portal.py."""
    response = web.get(url, headers={"Accept-Language": "ja"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    buttons = re.findall(r'<a class="btn" href="([^"]+)">([^<]+)</a>', page)
    assert buttons == ([back] if back else [])
