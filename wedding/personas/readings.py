"""How a companion's voice says names: the planner's readings, one a line (「心愛 = ここあ」).

Pure: kept with the persona (a companion's readings travel in its exported card); the voice
(wedding.vows.speech) applies them when it speaks."""

import re
import unicodedata
from typing import NamedTuple


class Reading(NamedTuple):
    """How the voice says a word: ``written`` as it is printed, ``said`` as the voice should
    read it (kana for the Japanese voice, Latin letters for the English one)."""

    written: str
    said: str

    @property
    def lang(self) -> str:
        return "en" if LATIN_SAID.fullmatch(self.said) else "ja"


class ReadingError(ValueError):
    """A line of the readings cannot be used: ``line`` counts from 1, ``code`` says why."""

    def __init__(self, line: int, code: str) -> None:
        super().__init__(f"line {line}: {code}")
        self.line, self.code = line, code


MAX_READINGS = 50
KANA_SAID = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb ]+")  # kana, ー, ・
LATIN_SAID = re.compile(r"[A-Za-z][A-Za-z' .-]*")
LATIN = re.compile(r"[A-Za-z]")


def parse_readings(text: str) -> list[Reading]:
    """The planner's list of readings, one a line: 「心愛 = ここあ」, "Aoi = Ah-oh-ee".

    Open JTalk reads names from a general dictionary (心愛 → ココロアイ, 朔夜 → ツイタチヨル) and
    eSpeak guesses at romanised ones; a name said wrong at the ceremony is what a couple
    remembers. No engine keeps a per-companion list that can be checked and changed in a form,
    so the written form is replaced by its reading just before speaking (the printed vows keep
    the writing). Full-width letters and signs are read as their narrow forms."""
    readings: dict[tuple[str, str], Reading] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line:
            continue
        written, sign, said = (part.strip() for part in line.partition("="))
        if not sign or not written or not said:
            raise ReadingError(number, "shape")
        if len(written) > 40 or len(said) > 80:
            raise ReadingError(number, "long")
        if not (KANA_SAID.fullmatch(said) or LATIN_SAID.fullmatch(said)):
            raise ReadingError(number, "said")
        reading = Reading(written, said)
        if (written, reading.lang) in readings:
            raise ReadingError(number, "twice")
        readings[(written, reading.lang)] = reading
        if len(readings) > MAX_READINGS:
            raise ReadingError(number, "many")
    return list(readings.values())
