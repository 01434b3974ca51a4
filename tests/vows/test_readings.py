"""How the companion's voice says names: the planner's readings, checked in the form, used by
the recordings and the preview, and a recording made before they changed says so."""

import re

import pytest

from tests.vows.test_audio import version_companion
from wedding.models import db
from wedding.personas.models import Companion
from wedding.personas.readings import ReadingError, parse_readings
from wedding.personas.services import save_story
from wedding.vows import speech
from wedding.vows.audio import preview_text, readings_of, record_voice_consent, request_audio
from wedding.vows.models import VowAudio, VowVersion
from wedding.vows.speech import (
    heard,
    say_as,
    sentences,
    spelled_out,
    spoken,
)


def test_readings_are_read_one_a_line_whatever_the_width_of_the_sign():
    readings = parse_readings("心愛 = ここあ\n\n  朔夜＝サクヤ \nＡｏｉ = Ah-oh-ee\n")
    assert [(r.written, r.said, r.lang) for r in readings] == [
        ("心愛", "ここあ", "ja"),
        ("朔夜", "サクヤ", "ja"),
        ("Aoi", "Ah-oh-ee", "en"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("心愛 ここあ", 1, "shape"),
        ("心愛 = ここあ\n= ここあ", 2, "shape"),
        ("心愛 = 心愛", 1, "said"),  # kanji say nothing about the reading
        ("心愛 = ここa", 1, "said"),  # neither voice's letters alone
        ("心愛 = ここあ\n\n心愛 = こあ", 3, "twice"),
        ("心愛 = " + "こ" * 81, 1, "long"),
        ("\n".join(f"名{n} = な" for n in range(51)), 51, "many"),
    ],
)
def test_a_reading_the_voice_cannot_use_names_its_line(text, line, code):
    with pytest.raises(ReadingError) as raised:
        parse_readings(text)
    assert (raised.value.line, raised.value.code) == (line, code)


def test_readings_replace_whole_names_once_and_only_in_their_voice():
    readings = parse_readings("佐藤 美咲 = さとう みさき\n美咲 = みさき\nRen = Wren\nみさき = ミサ")
    assert say_as("佐藤 美咲と美咲。", "ja", readings) == "さとう みさきとみさき。"  # not ミサ
    assert say_as("Ren, children, Renée, Ren.", "en", readings) == "Wren, children, Renée, Wren."
    assert say_as("Ren と 美咲", "en", readings) == "Wren と 美咲"  # kana readings: Japanese voice


def test_open_jtalk_misreads_names_a_reading_corrects():
    """What the feature is for: the dictionary reads 心愛 (Kokoa) as ココロアイ."""
    assert "ココロアイ" in heard("心愛、ありがとう。", "ja")
    fixed = say_as("心愛、ありがとう。", "ja", parse_readings("心愛 = ここあ"))
    assert heard(fixed, "ja").startswith("ココア")


def test_the_recording_says_the_names_as_written_down(app, vow, monkeypatch):
    user, ceremony, version_id = vow
    spoken = []
    real = speech._japanese
    monkeypatch.setattr(speech, "_japanese", lambda text, s: spoken.append(text) or real(text, s))
    with app.app_context():
        version = db_get(VowVersion, version_id)
        companion = version_companion(version)
        companion.spoken_readings = "美咲 = みさき\nRen = Wren"
        record_voice_consent(user.org.id, ceremony.client_id, "佐藤 美咲", user.id)
        request_audio(version, companion, ceremony.client_id)
        commit()
        audio = db_scalar(VowAudio, version_id=version_id)
        assert audio.status == "done"
        assert spoken[0].startswith("みさき、") and "美咲" not in "".join(spoken)
        assert version.text.startswith("美咲、")  # the printed vows keep the writing
        assert audio.heard.startswith("ミサキ、ズット")  # for the planner to read


def test_a_recording_made_before_the_readings_changed_says_so(app, web, vow):
    user, ceremony, version_id = vow
    with app.app_context():
        record_voice_consent(user.org.id, ceremony.client_id, "佐藤 美咲", user.id)
        version = db_get(VowVersion, version_id)
        request_audio(version, version_companion(version), ceremony.client_id)
        commit()
    web.login(user)
    page = web.get(f"/ceremonies/{ceremony.id}/vows").get_data(as_text=True)
    assert "audio.wav" in page and 'class="attention"' not in page
    with app.app_context():
        companion = db_get(Companion, ceremony.companion_id)
        companion.spoken_readings = "美咲 = みさき"
        commit()
    page = web.get(f"/ceremonies/{ceremony.id}/vows").get_data(as_text=True)
    assert page.count('class="attention"') == 1 and "みさき" not in page


def test_the_form_refuses_a_reading_it_cannot_use_and_keeps_the_rest(
    app, web, make_user, make_companion
):
    user = make_user(role="planner")
    companion = make_companion(user.org, spoken_readings="美咲 = みさき")
    web.login(user)
    page = web.get(f"/companions/{companion.id}").get_data(as_text=True)
    form = {
        "client_id": companion.client_id,
        "name": "レン",
        "tone": "gentle",
        "origin": "original",
        "presence": "ar_glasses",
        "nickname": "NEW NICKNAME",
        "spoken_readings": "美咲 = みさき\n心愛 ここあ",
    }
    response = web.post(f"/companions/{companion.id}", form)
    assert response.status_code == 200 and "美咲 = みさき" in page
    text = response.get_data(as_text=True)
    assert re.search(r"(Line 2|2行目)", text) and "心愛 ここあ" in text  # said, and kept to mend
    with app.app_context():
        kept = db_get(Companion, companion.id)
        assert (kept.nickname, kept.spoken_readings) == ("", "美咲 = みさき")


def test_the_preview_greets_the_client_by_the_vows_name_and_shows_what_it_said(
    app, web, make_user, make_client, make_companion
):
    user = make_user(role="planner")
    client = make_client(user.org, full_name="山田 心愛")
    companion = make_companion(
        user.org, client=client, nickname="レンくん", spoken_readings="心愛 = ここあ"
    )
    with app.app_context():
        kept = db_get(Companion, companion.id)
        # the given name, and the companion's own name without its honorific
        assert preview_text(kept, "ja") == "心愛、レンです。今日は、来てくれてありがとう。"
        assert preview_text(kept, "en") == "I am your companion. Thank you for being here today."
        kept.name = "レン (Ren)"
        assert preview_text(kept, "en") == "I am Ren. Thank you for being here today."
        kept.name, kept.spoken_readings = "レン", "心愛 = Kokoa\nレン = Ren"
        english = spoken(preview_text(kept, "en"), "en", readings_of(kept))
        assert english == "Kokoa, I am Ren. Thank you for being here today."
        save_story(kept, "ja", {"companion_calls_client": "ここちゃん"}, "planner")
        assert preview_text(kept, "ja").startswith("ここちゃん、レンです。")  # as the vows say
        kept.spoken_readings = "心愛 = ここあ"
        db.session.rollback()
    web.login(user)
    response = web.post(f"/companions/{companion.id}/voice-preview", {"lang": "ja"})
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "ココア、レンデス" in page


def test_what_open_jtalk_misreads_in_vows_is_given_it_in_kana():
    """Found reading the composer's own lines: 何度でも as ナニドデモ, 今日はね as キョーハネ,
    a question said flat, ChatGPT spelled letter by letter, (笑) read as ワライ."""
    cases = {
        "僕は何度でも言います。": "ナンドデモ",
        "何でもない毎日が、あなたと一緒だと特別な一日になります。": "ナンデモナイ",
        "レン！今日はね、みんなの前で言わせて。": "キョーワネ",
        "覚えていますか。": "マスカ？",
        "ChatGPTで出会ったね（笑）": "チャットジーピーティーデデアッタネ",
        "Renは、Renへ": "レンワ、レンエ",  # the planner's reading, with particles after it
    }
    readings = parse_readings("Ren = れん")
    for text, expected in cases.items():
        said = heard(spoken(text, "ja", readings), "ja")
        assert expected in said and "ワライ" not in said, (text, said)
    assert heard(spoken("何を言うの。何時もそう。", "ja"), "ja").startswith("ナニヲ")  # left alone


def test_english_is_spoken_without_symbols_or_letters_espeak_would_name():
    said = spoken("Misaki (美咲), I love you ❤️ 🌸 <3 ~ lol. 👩‍❤️‍👨 Yes", "en")
    assert said == "Misaki, I love you. Yes"
    assert spoken("Ren, Renée, 「Renは」", "en", parse_readings("Ren = Wren\nRen = れん")) == (
        "Wren, Renée, Wren"
    )


def test_sentences_end_where_a_sentence_ends():
    assert sentences("Mr. Tanaka came at 7 a.m. on St. Valentine's Day. Really?! Yes!!") == [
        "Mr. Tanaka came at 7 a.m. on St. Valentine's Day.",
        "Really?!",
        "Yes!!",
    ]
    assert sentences("本当に！！ありがとう？！「ずっと隣に。結婚して。」次。") == [
        "本当に！！",
        "ありがとう？！",
        "「ずっと隣に。",
        "結婚して。」",
        "次。",
    ]


def test_one_name_may_have_a_reading_for_each_voice():
    readings = parse_readings("Ichika = いちか\nIchika = Ee-chee-kah")
    assert say_as("Ichikaへ", "ja", readings) == "いちかへ"
    assert say_as("Ichika, hello", "en", readings) == "Ee-chee-kah, hello"


def test_a_latin_name_the_japanese_voice_would_spell_is_pointed_out(app, web, vow):
    user, ceremony, version_id = vow
    assert spelled_out("Renは、ARでLINEを。Renée", ["レン", "Ren", "Misaki"]) == ["Ren"]
    assert spelled_out("Renは", ["Ren"], parse_readings("Ren = れん")) == []
    assert spelled_out("ChatGPTで", ["ChatGPT"]) == []  # we know how it is said
    with app.app_context():
        version = db_get(VowVersion, version_id)
        version.text = "美咲、Renはずっとここにいます。"
        db_get(Companion, ceremony.companion_id).name = "レン (Ren)"
        commit()
    web.login(user)
    page = web.get(f"/ceremonies/{ceremony.id}/vows").get_data(as_text=True)
    assert re.search(
        r'class="attention">[^<]*Ren[^<]*<a href="/companions/\d+#voice-settings"', page
    )
    with app.app_context():
        db_get(Companion, ceremony.companion_id).spoken_readings = "Ren = れん"
        commit()
    page = web.get(f"/ceremonies/{ceremony.id}/vows").get_data(as_text=True)
    assert not re.search(r'class="attention">[^<]*Ren', page)


def db_get(model, key):
    return db.session.get(model, key)


def db_scalar(model, **where):
    return db.session.scalar(db.select(model).filter_by(**where))


def commit():
    db.session.commit()
