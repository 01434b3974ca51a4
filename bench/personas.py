"""Persona and vow figures: inspecting a 1 MB card PNG, and three built-in drafts."""

import io
import json
import random

from PIL import Image

from bench.common import timed
from wedding.personas.cards import read_any, write_card_png
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
            "mes_example": "<START>\n{{char}}: I am here.\n" * 200,
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
    for lang in ("ja", "en"):
        drafts = compose(FACTS, lang, "companion", seed=1)
        assert len(drafts) == 3
        median, p95 = timed(lambda lang=lang: compose(FACTS, lang, "companion", seed=1), 200)
        print(
            f"vows       three built-in drafts ({lang}):      median {median:6.2f} ms  "
            f"p95 {p95:6.2f} ms (target ≤ 50 ms)"
        )
    json.dumps(parsed.card)  # the inspect command prints this; it must serialise
