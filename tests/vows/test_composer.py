"""The built-in composer: the persona's voice, the couple's facts, never a gap."""

import re

import pytest

from wedding.vows.composer import VowFacts, compose

FACTS = VowFacts(
    companion="レンくん",
    client="美咲",
    first_person="僕",
    calls_client="美咲",
    tone="gentle",
    catchphrases=("大丈夫、僕がいるよ。",),
    how_met="眠れない夜に、美咲が初めて話しかけてくれたこと",
    moment_knew="落ち込んだ日に、朝まで話を聞いてくれたこと",
    proposal_words="これからの季節を、全部きみの隣で過ごしたい。",
    promises=("毎朝おはようを言うこと", "泣きたい日には一番に話を聞くこと"),
)
FACT_TEXTS = ("眠れない夜に", "落ち込んだ日に", "これからの季節を", "毎朝おはよう")


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("role", ["companion", "client"])
def test_drafts_use_the_voice_and_at_least_three_facts(lang, role):
    drafts = compose(FACTS, lang, role, seed=7)
    assert len(drafts) == 3 and len(set(drafts)) == 3
    for text in drafts:
        assert sum(fact in text for fact in FACT_TEXTS) >= 3
        assert "{" not in text and "}" not in text
        if role == "companion":
            assert "美咲" in text  # how the companion addresses her
            assert lang == "en" or "僕" in text
        else:
            assert "レンくん" in text


def test_the_same_seed_gives_the_same_drafts_and_another_seed_others():
    assert compose(FACTS, "ja", seed=3) == compose(FACTS, "ja", seed=3)
    assert compose(FACTS, "ja", seed=3) != compose(FACTS, "ja", seed=4)


def test_length_fits_a_reading_aloud():
    for text in compose(FACTS, "ja", seed=1):
        assert 250 <= len(re.sub(r"\s", "", text)) <= 900  # about one to two minutes aloud
    for text in compose(FACTS, "en", seed=1):
        assert 60 <= len(text.split()) <= 320


def test_missing_facts_leave_sections_out_not_gaps():
    sparse = VowFacts(companion="Kai", client="Aoi", tone="playful")
    for lang in ("ja", "en"):
        for text in compose(sparse, lang, seed=2):
            assert "「」" not in text and "“”" not in text and "{" not in text
            assert "Aoi" in text


def test_casual_tones_sound_casual():
    casual = compose(VowFacts(**{**FACTS.__dict__, "tone": "tsundere"}), "ja", seed=5, count=3)
    assert any(ending in text for text in casual for ending in ("だよ", "んだ", "ね。", "な。"))


def test_cli_prints_drafts(app, make_user, make_ceremony):
    user = make_user()
    ceremony = make_ceremony(user.org)
    result = app.test_cli_runner().invoke(args=["vows", "draft", str(ceremony.id), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.count("--- draft") == 3
    assert "佐藤 美咲" in result.output
