"""The built-in composer: the couple's story woven into sentences, from the speaker's side."""

import re

import pytest

from wedding.vows.composer import (
    Answers,
    ComposeError,
    VowFacts,
    compose,
    given_name,
    measure,
    name_forms,
    problems,
    turn_en,
)
from wedding.vows.japanese import turn

JA = Answers(
    how_met="駅のホームで、美咲が落とした本をレンが拾ってくれた",
    moment_knew="美咲が熱を出した夜、レンが朝まで話を聞いてくれた",
    proposal_words="これからの季節を、全部きみの隣で過ごしたい。",
    promises=("毎朝おはようを言う", "つらい日は、ちゃんと話を聞く", "二人で笑うことを忘れない"),
    for_guests="レンは恥ずかしがり屋だけど、本当はとても優しい",
)
EN = Answers(
    how_met="Ren picked up the book Misaki dropped on the station platform",
    moment_knew="Misaki had a fever and Ren stayed up talking with her until morning",
    proposal_words="I want to spend every season with you",
    promises=("say good morning every day", "listen when the day is hard"),
    for_guests="Ren is shy, but he is the kindest person I know",
    client_calls_companion="Ren",
    companion_calls_client="Misaki",
)
FACTS = VowFacts(
    companion="レン",
    client="美咲",
    first_person="僕",
    calls_client="美咲",
    pronouns="he",
    catchphrases=("大丈夫、僕がいるよ。",),
    answers={"ja": JA, "en": EN},
    client_aliases=("美咲", "Misaki"),
    companion_aliases=("レン", "Ren"),
)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("role", ["companion", "client"])
@pytest.mark.parametrize("seed", [1, 2, 3, 7])
def test_every_draft_passes_the_checks_and_the_three_differ(lang, role, seed):
    drafts = compose(FACTS, lang, role, seed=seed)
    assert len(drafts) == 3
    for text in drafts:
        assert problems(text, lang) == [], text
        assert "{" not in text and "}" not in text
    # Different plans: the paragraphs come in a different order, not only a new first line.
    openings = [tuple(p[:6] for p in d.split("\n\n")) for d in drafts]
    assert len(set(openings)) == 3
    assert len({d.split("\n\n")[1] for d in drafts}) >= 2


def test_facts_are_woven_not_quoted():
    for text in compose(FACTS, "ja", "companion", seed=1):
        assert "「駅のホーム" not in text and "「美咲が" not in text
        assert re.search("駅のホームで、あなたが落とした本を(僕が)?拾", text)


def test_the_companion_speaks_as_themself_to_her():
    for text in compose(FACTS, "ja", "companion", seed=4):
        assert "僕" in text and "美咲" in text
        assert "レンが" not in text  # never of himself in the third person
        # one second-person form: the proposal's きみ becomes the vow's あなた
        assert "きみ" not in text and "あなた" in text


def test_the_client_speaks_of_herself_as_i():
    for text in compose(FACTS, "ja", "client", seed=4):
        assert "美咲が" not in text and "私が" in text
        # what Ren did for her stays a kindness: くれた
        assert "あなたが朝まで話を聞いてくれ" in text


@pytest.mark.parametrize("role", ["companion", "client"])
def test_no_sentence_names_the_speaker_twice(role):
    """Inside a sentence whose subject is already the speaker ("…て、僕の心は決まりました",
    "僕がはっきりと気づいたのは、…た、あのとき"), the woven clause leaves "僕が" unsaid."""
    me = "僕" if role == "companion" else "私"
    woven = [
        sentence
        for seed in range(8)
        for text in compose(FACTS, "ja", role, seed=seed)
        for sentence in re.split("(?<=[。！？])", text)
        if "朝まで" in sentence or "落とした本" in sentence
    ]
    assert len(woven) > 10
    for sentence in woven:
        assert sentence.count(f"{me}が") + sentence.count(f"{me}の") <= 1, sentence


def test_the_client_quotes_the_proposal_as_it_was_said():
    """She quotes what Ren said to her: his きみ stays (the companion, saying it again in
    his own vow, says あなた, as test_the_companion_speaks_as_themself_to_her asks)."""
    quoted = [
        text
        for seed in range(8)
        for text in compose(FACTS, "ja", "client", seed=seed)
        if "くれた言葉" in text
    ]
    assert quoted
    for text in quoted:
        assert "「これからの季節を、全部きみの隣で過ごしたい」" in text


def test_kindness_to_the_speaker_drops_kureru_when_the_speaker_did_it():
    clause = turn("美咲が初めて話しかけてくれた", ("美咲",), ("レン",), "私", "あなた", True)
    assert clause.plain() == "私が初めて話しかけた"
    assert clause.polite() == "私が初めて話しかけました"
    clause = turn("レンくんが本を読んでくれた", ("レン",), ("美咲",), "僕", "あなた", False)
    assert clause.plain() == "僕が本を読んだ"


def test_a_line_written_in_the_companions_voice_keeps_who_did_what():
    """A first-person pronoun beside the client's name is the companion's, not the client's."""
    fact = "僕が美咲に初めて話しかけた"
    companion = turn(fact, ("レン",), ("美咲",), "僕", "あなた", False)
    assert companion.polite() == "僕があなたに初めて話しかけました"
    client = turn(fact, ("美咲",), ("レン",), "私", "あなた", True)
    assert client.polite() == "あなたが私に初めて話しかけました"
    # Without the client's name the pronoun is still the client (she wrote the answers).
    assert turn("私がレンに話しかけた", ("レン",), ("美咲",), "僕", "あなた", False).plain() == (
        "あなたが僕に話しかけた"
    )


@pytest.mark.parametrize(
    ("fact", "polite", "te"),
    [
        ("二人で海を見に行った", "二人で海を見に行きました", "二人で海を見に行って"),
        ("とても嬉しかった", "とても嬉しかったです", "とても嬉しくて"),
        ("夏祭りの夜だった", "夏祭りの夜でした", "夏祭りの夜で"),
        ("毎朝おはようを言う", "毎朝おはようを言います", "毎朝おはようを言って"),
        ("笑うことを忘れない", "笑うことを忘れません", "笑うことを忘れなくて"),
        ("一緒に勉強する。", "一緒に勉強します", "一緒に勉強して"),
        # a when: the sentence goes on after it (not …ときで、)
        (
            "朝まで話を聞いてくれたとき",
            "朝まで話を聞いてくれたときのことでした",
            "朝まで話を聞いてくれたとき",
        ),
        ("夏祭りの夜", "夏祭りの夜でした", "夏祭りの夜"),
        ("雨の図書館で", "雨の図書館で", "雨の図書館で"),  # the sentence adds its own 、
        (
            "あなたの優しさのすべて",
            "あなたの優しさのすべてでした",
            "あなたの優しさのすべてで",
        ),  # not a when
        ("朝まで話を聞いてくれた 🌙", "朝まで話を聞いてくれました", "朝まで話を聞いてくれて"),
        ("初めて会った日♡👩‍❤️‍👨", "初めて会った日でした", "初めて会った日"),
    ],
)
def test_japanese_conjugation(fact, polite, te):
    clause = turn(fact, (), (), "僕", "あなた", False)
    assert clause.polite() == polite
    assert clause.te() == te


def test_an_english_line_in_the_companions_voice_keeps_who_did_what():
    fact = "I wrote to Misaki first"
    assert turn_en(fact, ("Ren",), ("Misaki",), False, "he") == "I wrote to you first"
    assert turn_en(fact, ("Misaki",), ("Ren",), True, "he") == "you wrote to me first"
    # Without the client's name, "I" is the client, who wrote the answers.
    assert turn_en("I wrote to Ren first", ("Ren",), ("Misaki",), False, "he") == (
        "you wrote to me first"
    )


def test_english_point_of_view():
    assert (
        turn_en("Ren picked up the book Misaki dropped", ("Ren",), ("Misaki",), False, "he")
        == "I picked up the book you dropped"
    )
    assert (
        turn_en("Misaki had a fever and Ren stayed with her", ("Misaki",), ("Ren",), True, "he")
        == "I had a fever and you stayed with me"
    )
    assert turn_en("Misaki's smile was warm", ("Ren",), ("Misaki",), False) == (
        "your smile was warm"
    )
    assert turn_en("Misaki was late", ("Ren",), ("Misaki",), False) == "you were late"


def test_her_is_a_possessive_before_a_thing_and_an_object_before_the_rest():
    """Both of them "she": "her" stood for the companion and was always an object, so the
    companion said 「the night before me surgery and talked me through」."""
    fact = "Seraphina stayed up with Jordan the night before her surgery and talked her through"
    assert turn_en(f"{fact} every fear", ("Seraphina",), ("Jordan",), False, "she", "she") == (
        "I stayed up with you the night before your surgery and talked you through every fear"
    )
    assert turn_en(f"{fact} every fear", ("Jordan",), ("Seraphina",), True, "she", "she") == (
        "you stayed up with me the night before my surgery and talked me through every fear"
    )
    # One of each: "her" is the client's, a possessive before a thing, an object otherwise.
    for fact, said in [
        ("Misaki had a fever and Ren held her hand", "you had a fever and I held your hand"),
        ("Ren made her laugh when she cried", "I made you laugh when you cried"),
        ("Ren gave her a ring", "I gave you a ring"),
        ("Ren told her everything", "I told you everything"),
        ("Ren waited for her", "I waited for you"),
        ("Ren loved her smile.", "I loved your smile"),
        (
            "Ren stayed with Misaki when she had her surgery",
            "I stayed with you when you had your surgery",
        ),
        (
            "Ren walked Misaki to her home on her first day",
            "I walked you to your home on your first day",
        ),
        ("Ren hung on her every word", "I hung on your every word"),
        ("Ren heard her most painful story", "I heard your most painful story"),
    ]:
        assert turn_en(fact, ("Ren",), ("Misaki",), False, "he", "she") == said, fact


def test_a_promise_is_the_speakers_own():
    """「listen before I speak」 became "I promise to listen before you speak" in the companion's
    vows: the client wrote it, but a promise is said by the one who makes it."""
    facts = VowFacts(
        companion="Ren",
        client="Misaki",
        answers={
            "en": Answers(how_met="We met at a bookshop", promises=("listen before I speak",))
        },
        companion_aliases=("Ren",),
        client_aliases=("Misaki",),
    )
    for role in ("companion", "client"):
        texts = compose(facts, "en", role=role, count=3)
        assert all("before you speak" not in text for text in texts)
        assert any("listen before I speak" in text for text in texts)


def test_english_vows_never_contain_japanese_and_name_what_to_add():
    only_japanese = VowFacts(
        companion="レン", client="美咲", answers={"ja": JA}, companion_aliases=("レン",)
    )
    with pytest.raises(ComposeError) as error:
        compose(only_japanese, "en")
    assert "how_met" in error.value.missing and "promises" in error.value.missing
    half = VowFacts(
        companion="Ren",
        client="Misaki",
        answers={"en": Answers(how_met="昔の話", moment_knew="Ren sang to Misaki")},
        client_aliases=("Misaki",),
        companion_aliases=("Ren",),
    )
    for text in compose(half, "en", seed=1):
        assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text)
        assert "I sang to you" in text


def test_nobody_says_boku_unless_the_persona_does():
    neutral = VowFacts(companion="セラ", client="美咲", answers={"ja": JA})
    for text in compose(neutral, "ja", seed=1):
        assert "僕" not in text and "わたし" in text


def test_lengths():
    for lang in ("ja", "en"):
        for text in compose(FACTS, lang, seed=9):
            low, high = (250, 500) if lang == "ja" else (120, 250)
            assert low <= measure(text, lang) <= high


def test_the_checks_catch_what_the_old_composer_did():
    assert "japanese_in_english" in problems("“これからの季節を、全部きみの隣で。”", "en")
    assert "punctuation" in problems("I want to spend it with you..” Yes.", "en")
    assert "length" in problems("短い。", "ja")


def test_the_same_seed_gives_the_same_drafts_and_another_seed_others():
    assert compose(FACTS, "ja", seed=3) == compose(FACTS, "ja", seed=3)
    assert compose(FACTS, "ja", seed=3) != compose(FACTS, "ja", seed=4)


def test_casual_tones_sound_casual():
    casual = compose(VowFacts(**{**FACTS.__dict__, "tone": "cheerful"}), "ja", seed=5)
    assert any(ending in text for text in casual for ending in ("だよ", "んだ", "ね。", "てね"))


def test_cli_prints_drafts(app, make_user, make_ceremony, make_companion):
    user = make_user()
    companion = make_companion(user.org, how_met="眠れない夜に、美咲が初めて話しかけた")
    ceremony = make_ceremony(user.org, companion=companion)
    run = app.test_cli_runner().invoke
    result = run(args=["vows", "draft", str(ceremony.id), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.count("--- draft") == 3
    result = run(args=["vows", "draft", str(ceremony.id), "--lang", "en"])
    assert result.exit_code == 1 and "how_met" in result.output


SPACED = VowFacts(
    companion="蒼井 レイ",
    client="山田 花子",
    first_person="僕",
    pronouns="he",
    answers={
        "ja": Answers(
            how_met="雨の日の図書館で、花子が蒼井 レイに本の場所を尋ねた",
            moment_knew="蒼井 レイが花子の好きな詩を覚えていてくれた",
            promises=("毎朝おはようを言う",),
            for_guests="蒼井 レイは静かだけど優しい",
        )
    },
    client_aliases=name_forms("山田 花子"),
    companion_aliases=name_forms("蒼井 レイ"),
)


@pytest.mark.parametrize(
    ("fact", "companion", "client"),
    [
        (
            "雨の日の図書館で、花子が蒼井 レイに本の場所を尋ねた",
            "雨の日の図書館で、あなたが僕に本の場所を尋ねた",
            "雨の日の図書館で、私があなたに本の場所を尋ねた",
        ),
        ("蒼井 レイが花子の好きな詩を覚えていてくれた", "僕があなたの好きな詩を覚えていた", None),
        (
            "蒼井レイさんが山田 花子さんに話しかけた",
            "僕があなたに話しかけた",
            "あなたが私に話しかけた",
        ),
        ("私がレイに話しかけた", "あなたが僕に話しかけた", "私があなたに話しかけた"),
    ],
)
def test_a_name_of_two_words_is_one_person(fact, companion, client):
    """A full name with its space (as Japanese names are written), or without, is one person:
    each of its words became 僕 ("僕僕に本の場所を尋ねた") before."""
    me, you = name_forms("蒼井 レイ"), name_forms("山田 花子")
    assert turn(fact, me, you, "僕", "あなた", False).plain() == companion
    if client:
        assert turn(fact, you, me, "私", "あなた", True).plain() == client


@pytest.mark.parametrize("role", ["companion", "client"])
def test_vows_of_a_couple_with_full_names_read_as_written(role):
    texts = [text for seed in range(4) for text in compose(SPACED, "ja", role, seed=seed)]
    for text in texts:
        assert problems(text, "ja") == [], text
        assert not re.search("(僕|私|あなた)(僕|私|あなた)", text), text
        assert "蒼井 レイ、" not in text and "蒼井 レイ。" not in text  # called by the given name
    called = "花子" if role == "companion" else "レイ"
    assert all(text.startswith(called) for text in texts)
    if role == "client":  # her words to the guests keep his name as she wrote it
        assert any("蒼井 レイは静かだけど優しい" in text for text in texts)


def test_a_given_name_is_the_last_word_in_japanese_and_the_first_in_latin_letters():
    assert given_name("山田 花子") == "花子"
    assert given_name("Misaki Sato") == "Misaki"
    assert given_name("レン") == "レン"


def test_a_family_name_both_share_is_neither_alone():
    """佐藤 美咲 and 佐藤 レン: 「佐藤 レンが…」 was 「私あなたが…」 (佐藤 taken as her)."""
    her, him = name_forms("佐藤 美咲"), name_forms("佐藤 レン")
    fact = "佐藤 レンが本の場所を教えてくれた"
    assert turn(fact, her, him, "私", "あなた", True).plain() == "あなたが本の場所を教えてくれた"
    assert turn(fact, him, her, "僕", "あなた", False).plain() == "僕が本の場所を教えた"


@pytest.mark.parametrize("role", ["companion", "client"])
def test_answers_ending_in_a_when_or_an_emoji_read_as_sentences(role):
    """The walk-through's answers gave 「聞いた 🌙、、わたしの心は決まりました」 and
    「聞いてくれたときで、私の心は決まりました」."""
    texts = []
    for knew in ("セラが朝まで話を聞いてくれた 🌙", "セラが朝まで話を聞いてくれたとき"):
        facts = VowFacts(
            companion="セラ",
            client="あかり",
            first_person="わたし",
            pronouns="she",
            answers={
                "ja": Answers(how_met="森で倒れていたあかりをセラが見つけた", moment_knew=knew)
            },
            client_aliases=("あかり",),
            companion_aliases=("セラ",),
        )
        texts += [text for seed in range(6) for text in compose(facts, "ja", role, seed=seed)]
    for text in texts:
        assert problems(text, "ja") == [], text
        assert "🌙" not in text and "ときで、" not in text and "ときだった" not in text, text
    assert any("話を聞いてくれたとき、" in text or "聞いたとき、" in text for text in texts)


def test_doubled_stops_are_a_problem():
    assert "punctuation" in problems("あの夜、、わたしの心は決まりました。", "ja")
    assert "punctuation" not in problems("あの夜、わたしの心は決まりました。", "ja")


def test_names_with_emoji_are_still_their_people_and_emoji_alone_say_nothing():
    """Emoji were dropped before the names were looked for: あかり🌸 was no longer あなた, and a
    companion called 🌙 left 「が朝まで…」; a proposal of 💍 alone was quoted as 「」."""
    facts = VowFacts(
        companion="🌙",
        client="あかり🌸",
        first_person="わたし",
        pronouns="she",
        catchphrases=("🌙✨", "大丈夫🌙"),
        answers={
            "ja": Answers(
                how_met="森で倒れていたあかり🌸を🌙が見つけた",
                moment_knew="🌙が朝まで話を聞いてくれたとき",
                proposal_words="💍",
            ),
            "en": Answers(how_met="🌙 found Akari in the woods", proposal_words="💍✨"),
        },
        client_aliases=name_forms("あかり🌸", "Akari🌸"),
        companion_aliases=name_forms("🌙"),
    )
    ja = [
        t
        for role in ("companion", "client")
        for s in range(4)
        for t in compose(facts, "ja", role, seed=s)
    ]
    for text in ja:
        assert problems(text, "ja") == [], text
        assert "「」" not in text and not re.search(r"(^|[\n。、「])が", text), text  # who?
    assert any("倒れていたあなたをわたしが見つけました" in t for t in ja)  # the companion's
    assert any("倒れていた私をあなたが見つけました" in t for t in ja)  # the client's
    en = [t for s in range(4) for t in compose(facts, "en", "companion", seed=s)]
    for text in en:
        assert "“”" not in text and "🌙" not in text.split("\n\n", 1)[1], text


def test_a_proposal_asked_as_a_question_stays_one():
    """「結婚してくれる？」 and "Will you marry me?" were printed and spoken with a full stop:
    the voice said them flat."""
    from dataclasses import replace

    asked = replace(
        FACTS,
        answers={
            "ja": replace(JA, proposal_words="ずっと一緒にいてくれる？💍"),
            "en": replace(EN, proposal_words="Will you marry me?"),
        },
    )
    ja = [t for s in range(8) for t in compose(asked, "ja", seed=s) if "いてくれる" in t]
    en = [t for s in range(8) for t in compose(asked, "en", seed=s) if "marry me" in t]
    assert ja and all("「ずっと一緒にいてくれる？」" in t for t in ja)
    assert en and all("“Will you marry me?”" in t for t in en)


def test_uchi_speaks_of_uchira():
    uchi = VowFacts(companion="アカネ", client="美咲", first_person="うち", answers={"ja": JA})
    drafts = [t for s in range(6) for t in compose(uchi, "ja", seed=s)]
    assert any("うちら" in t for t in drafts) and not any("うちたち" in t for t in drafts)
