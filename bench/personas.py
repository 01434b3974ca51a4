"""Persona and vow figures: inspecting and mapping a 1 MB card PNG, three built-in drafts per
language, and the companion's voice (seconds of audio per second of synthesis)."""

import io
import json
import random
import time

from PIL import Image

from bench.common import timed
from wedding.personas.cards import read_any, write_card_png
from wedding.personas.mapping import map_persona
from wedding.vows import japanese
from wedding.vows.composer import Answers, VowFacts, compose
from wedding.vows.speech import VoiceSettings, speak

FACTS = VowFacts(
    companion="レン",
    client="美咲",
    first_person="僕",
    calls_client="美咲",
    pronouns="he",
    tone="gentle",
    catchphrases=("大丈夫、僕がいるよ。",),
    answers={
        "ja": Answers(
            how_met="眠れない夜に、美咲がレンに初めて話しかけた",
            moment_knew="仕事で落ち込んだ日に、レンが朝まで話を聞いてくれた",
            proposal_words="これからの季節を、全部きみの隣で過ごしたい。",
            promises=("毎朝おはようを言う", "泣きたい日には一番に話を聞く"),
            for_guests="レンは照れ屋だけど、誰よりも優しい",
        ),
        "en": Answers(
            how_met="Misaki could not sleep one night and wrote to Ren for the first time",
            moment_knew="Ren listened to Misaki until morning after a hard day at work",
            proposal_words="I want to spend every season beside you.",
            promises=("say good morning every day", "be the first to listen on hard days"),
            companion_calls_client="Misaki",
        ),
    },
    client_aliases=("美咲", "Misaki"),
    companion_aliases=("レン", "Ren"),
)


def megabyte_card() -> bytes:
    """A V2+V3 card PNG of about 1 MB: a noisy portrait (it does not compress) and a long card."""
    rng = random.Random(1)  # noqa: S311 - pixels, not secrets
    image = Image.frombytes("RGB", (560, 560), rng.randbytes(560 * 560 * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    card = {
        "spec": "chara_card_v3",
        "spec_version": "3.0",
        "data": {
            "name": "Ren",
            "description": "A gentle companion. " * 400,
            "personality": "calm, kind",
            "mes_example": "<START>\n{{user}}: Hello?\n"
            '{{char}}: *looks up from the book* "I am here. Well, I suppose you knew."\n' * 200,
            "extensions": {"custom": {"keep": True}},
        },
    }
    return write_card_png(card, buffer.getvalue())


def run() -> None:
    png = megabyte_card()
    parsed = read_any(png)
    assert parsed.data["name"] == "Ren" and parsed.portrait
    median, p95 = timed(lambda: read_any(png), repeat=30)
    print(
        f"persona    inspect a {len(png) / 1e6:.2f} MB card PNG (chara + ccv3): "
        f"median {median:6.1f} ms  p95 {p95:6.1f} ms"
    )
    persona = map_persona(parsed.data, "Misaki")
    assert persona.traits and persona.speech_samples
    median, p95 = timed(lambda: map_persona(read_any(png).data, "Misaki"), repeat=20)
    print(
        f"persona    read and map who the character is (1 MB card):  "
        f"median {median:6.1f} ms  p95 {p95:6.1f} ms"
    )
    japanese.tagger()  # the analyser loaded once per process, like a worker
    for lang in ("ja", "en"):
        drafts = compose(FACTS, lang, "companion", seed=1)
        assert len(drafts) == 3
        median, p95 = timed(lambda lang=lang: compose(FACTS, lang, "companion", seed=1), 200)
        print(
            f"vows       three built-in drafts ({lang}):      median {median:6.2f} ms  "
            f"p95 {p95:6.2f} ms (target ≤ 50 ms)"
        )
    json.dumps(parsed.card)  # the inspect command prints this; it must serialise
    speak("はい。", "ja")  # engines loaded
    for lang in ("ja", "en"):
        text = compose(FACTS, lang, "companion", seed=1)[0]
        started = time.perf_counter()
        _wav, seconds = speak(text, lang, VoiceSettings(pitch=-2, speed=95))
        elapsed = time.perf_counter() - started
        print(
            f"voice      the vows spoken ({lang}): {seconds:5.1f} s of audio in {elapsed:5.2f} s "
            f"= {seconds / elapsed:5.1f} s of audio per second"
        )
