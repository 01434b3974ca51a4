"""Vows spoken aloud, offline. Pure but for the engines: text and a voice in, WAV bytes out.

Japanese: pyopenjtalk-plus (Open JTalk + HTS Engine), whose wheel carries its dictionary and
the "mei" voice, so nothing is fetched at run time (plain pyopenjtalk downloads its dictionary
on first use). English: eSpeak NG from Debian (`espeak-ng`), run as a program: its voices and
rules ship in the package, it needs no model download (Piper and VOICEVOX fetch theirs) and speaks
a minute of vows in well under a second on two cores (the Kokoro voices on PyPI sound warmer but
took 20–32 s for 5 s of audio here). It sounds synthetic; that is the price of running offline.
"""

import contextlib
import hashlib
import io
import re
import shutil
import subprocess
import unicodedata
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wedding.personas.readings import LATIN, LATIN_SAID, Reading

SAMPLE_RATE = 22050
JA_VOICES = {"mei": "Mei (Open JTalk)"}
EN_VOICES = {
    "en-us+f3": "American English, female",
    "en-gb+f2": "British English, female",
    "en-us+m3": "American English, male",
    "en-gb+m1": "British English, male",
}
DEFAULT_VOICE = {"ja": "mei", "en": "en-us+f3"}
MAX_CHARS = 6000


class SpeechError(Exception):
    """The vows could not be spoken; the message says why in a few words."""


@dataclass(frozen=True)
class VoiceSettings:
    voice: str = ""  # a key of JA_VOICES / EN_VOICES; "" for the language's default
    pitch: int = 0  # half tones, -12 … 12
    speed: int = 100  # percent, 50 … 200

    def for_lang(self, lang: str) -> str:
        voices = JA_VOICES if lang == "ja" else EN_VOICES
        return self.voice if self.voice in voices else DEFAULT_VOICE[lang]


def voice_choices() -> list[tuple[str, str]]:
    """Every voice a companion can have, Japanese first."""
    return [("", ""), *JA_VOICES.items(), *EN_VOICES.items()]


ABBREVIATIONS = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr)|\b[ap]\.m)\.$", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """Speakable pieces: one sentence (or a line) each, so progress can be told as we go.

    A run of stops (！！, ?!) ends one sentence, with any closing quote after it; a full stop
    after Mr, Dr, St or a.m. ends none (each piece is spoken with a breath after it)."""
    parts = re.split(
        r"(?<=[。！？!?])(?![。！？!?」』”\"])|(?<=[。！？!?][」』”\"])|(?<=\.)\s+|\n+", text
    )
    pieces: list[str] = []
    for part in (p.strip() for p in parts if p and p.strip()):
        if pieces and ABBREVIATIONS.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {part}"
        elif pieces and not re.search(r"\w", part):  # stray marks: they belong to the last
            pieces[-1] += part
        else:
            pieces.append(part)
    return pieces


def say_as(text: str, lang: str, readings: Sequence[Reading]) -> str:
    """The text with each written form replaced by its reading in ``lang``'s voice, in one pass
    (a reading is never replaced again), longest written form first; a written form in Latin
    letters is replaced only as a whole word ("Ren" is not the "ren" of "children" or "Renée")."""
    wanted = sorted((r for r in readings if r.lang == lang), key=lambda r: -len(r.written))
    if not wanted or not text:
        return text
    said = {r.written: r.said for r in wanted}
    pattern = "|".join(
        rf"(?<!{LETTER}){re.escape(r.written)}(?!{LETTER})"
        if LATIN.search(r.written)
        else re.escape(r.written)
        for r in wanted
    )
    return re.sub(pattern, lambda match: said[match.group(0)], text)


# A letter of a word written in Latin script (é included): a Latin name ends where one of these
# does not follow, so "Ren" is found in 「Renは」 but not in "Renée" or "children".
LETTER = r"[^\W\d_\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]"

# Names the Japanese voice would spell letter by letter (ChatGPT → シーエイチエーティー…); the
# planner's own readings come first.
JA_READINGS = tuple(
    Reading(written, said)
    for written, said in (
        ("ChatGPT", "チャットジーピーティー"),
        ("Character.AI", "キャラクターエーアイ"),
        ("Discord", "ディスコード"),
        ("VTuber", "ブイチューバー"),
        ("SillyTavern", "シリータバーン"),
        ("Replika", "レプリカ"),
        ("Claude", "クロード"),
        ("Gemini", "ジェミニ"),
        ("Copilot", "コパイロット"),
    )
)
# 何 before a counter is なん; Open JTalk says ナニド, ナニカイ, ナニニン (何時も is いつも: left).
NAN = re.compile(r"何(?=度|回|人|年|歳|才|個|通|日|週|ヶ月|か月|でも)")
LAUGHS = re.compile(r"[（(]笑[）)]|(?<=[\u3040-\u30ff\u3400-\u9fff。、！？])[wｗ]+(?![A-Za-z])")


def spoken_ja(text: str) -> str:
    """Japanese as Open JTalk should read it: 何度 as なんど, the は of 「今日はね」 as わ (it says
    ハ there), a question in です/ますか。 rising (か？), and (笑) or www not read out."""
    text = NAN.sub("なん", LAUGHS.sub("", text))
    text = re.sub(r"(?<=か)。", "？", text)
    if "はね" not in text:
        return text
    from wedding.vows.japanese import words  # the analyser, loaded only when needed

    tokens = words(text)
    out = []
    for i, word in enumerate(tokens):
        before_ne = i + 1 < len(tokens) and tokens[i + 1].surface.startswith("ね")
        particle = word.surface == "は" and word.pos == "助詞" and before_ne
        out.append(word.space + ("わ" if particle else word.surface))
    return "".join(out)


def spoken_en(text: str) -> str:
    """English as eSpeak should read it: no emoji or symbols (it names them: "red heart"), no
    Japanese letters (it says "Chinese letter" for each), no <3, ~ or lol."""
    text = re.sub(r"<3|~|\blol\b", "", text, flags=re.IGNORECASE)
    text = "".join(
        " " if unicodedata.category(c) in ("So", "Sk", "Co") or "\u3000" <= c <= "\u9fff" else c
        for c in text
        if c not in "\u200d\ufe0e\ufe0f"  # what joins and styles emoji
    )
    text = re.sub(r"[(（]\s*[)）]", "", text)
    return re.sub(r"[ \t]{2,}", " ", re.sub(r"[ \t]+([,.!?;:])", r"\1", text)).strip()


def spelled_out(text: str, names: Sequence[str], readings: Sequence[Reading] = ()) -> list[str]:
    """The names written in Latin letters that the Japanese voice would spell letter by letter
    in ``text`` ("Ren" → アールイーエヌ) because they have no reading yet. Only names: words such
    as AR or LINE are in Open JTalk's dictionary and said as people say them."""
    known = {r.written for r in (*readings, *JA_READINGS) if r.lang == "ja"}
    latin = [n for n in names if LATIN_SAID.fullmatch(n) and n not in known]
    return [
        n
        for n in dict.fromkeys(latin)
        if re.search(rf"(?<!{LETTER}){re.escape(n)}(?!{LETTER})", text)
    ]


def spoken(text: str, lang: str, readings: Sequence[Reading] = ()) -> str:
    """The text as the voice is given it: the planner's readings of names, then the fixes each
    engine needs. The printed vows keep the text as written."""
    if lang == "ja":
        theirs = {r.written for r in readings if r.lang == "ja"}
        builtin = [r for r in JA_READINGS if r.written not in theirs]
        return spoken_ja(say_as(text, "ja", [*readings, *builtin]))
    return spoken_en(say_as(text, "en", readings))


def readings_digest(readings: Sequence[Reading], lang: str) -> str:
    """A short fingerprint of the readings ``lang``'s voice uses ("" for none): kept with a
    recording so that a page can tell it was made before they changed."""
    used = sorted(f"{r.written}={r.said}" for r in readings if r.lang == lang)
    return hashlib.sha256("\n".join(used).encode()).hexdigest()[:8] if used else ""


def heard(text: str, lang: str) -> str:
    """What the voice will pronounce, for a person to check without listening: the Japanese
    voice's reading in katakana (the sentence as Open JTalk analyses it), else the text."""
    if lang != "ja":
        return text
    try:
        return _pyopenjtalk().g2p(text, kana=True)
    except Exception:  # a check for the eye: the recording itself reports real failures
        return ""


def speak(
    text: str,
    lang: str,
    settings: VoiceSettings = VoiceSettings(),
    progress: Callable[[int], None] | None = None,
    readings: Sequence[Reading] = (),
) -> tuple[bytes, float]:
    """The text as a 16-bit mono WAV, and its length in seconds; SpeechError on any failure.
    ``readings`` say how names are to be read (see parse_readings)."""
    text = (text or "").strip()
    if not text:
        raise SpeechError("there is no text to speak")
    if len(text) > MAX_CHARS:
        raise SpeechError("the text is too long to speak")
    pieces = sentences(spoken(text, lang, readings))
    frames: list[bytes] = []
    for done, piece in enumerate(pieces, start=1):
        if lang == "ja":
            frames.append(_japanese(piece, settings))
        else:
            frames.append(_english(piece, settings))
        frames.append(b"\0\0" * int(SAMPLE_RATE * 0.35))  # a breath between sentences
        if progress:
            progress(int(done * 100 / len(pieces)))
    pcm = b"".join(frames)
    if not pcm.strip(b"\0"):
        raise SpeechError("the engine produced silence")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buffer.getvalue(), len(pcm) / 2 / SAMPLE_RATE


def _pyopenjtalk():
    try:
        # It prints a notice about an optional ONNX model on import: keep it out of our output.
        with contextlib.redirect_stdout(io.StringIO()):
            import pyopenjtalk
    except ImportError as error:  # pragma: no cover - installed with the project
        raise SpeechError("the Japanese voice (pyopenjtalk-plus) is not installed") from error
    return pyopenjtalk


def _japanese(text: str, settings: VoiceSettings) -> bytes:
    import numpy as np

    engine = _pyopenjtalk()
    try:
        samples, rate = engine.tts(
            text,
            speed=max(0.5, min(2.0, settings.speed / 100)),
            half_tone=float(max(-12, min(12, settings.pitch))),
            predict_nani=False,
        )
    except Exception as error:
        raise SpeechError(f"the Japanese voice failed ({type(error).__name__})") from None
    samples = np.asarray(samples, dtype=np.float64)
    if rate != SAMPLE_RATE and len(samples):
        # Open JTalk speaks at 48 kHz: take every sample we need (speech has nothing above 11 kHz
        # that matters here, and HTS output is already band-limited).
        positions = np.arange(0, len(samples), rate / SAMPLE_RATE)
        samples = np.interp(positions, np.arange(len(samples)), samples)
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()


def _english(text: str, settings: VoiceSettings) -> bytes:
    program = shutil.which("espeak-ng")
    if program is None:
        raise SpeechError("the English voice (Debian package espeak-ng) is not installed")
    words_per_minute = int(165 * max(50, min(200, settings.speed)) / 100)
    pitch = max(0, min(99, 50 + settings.pitch * 4))
    try:
        result = subprocess.run(  # noqa: S603 - a fixed program, text passed on stdin
            [
                program,
                "-v",
                settings.for_lang("en"),
                "-s",
                str(words_per_minute),
                "-p",
                str(pitch),
                "--stdout",
            ],
            input=text.encode(),
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SpeechError(f"the English voice failed ({type(error).__name__})") from None
    if result.returncode != 0 or not result.stdout.startswith(b"RIFF"):
        raise SpeechError("the English voice failed")
    try:
        with wave.open(io.BytesIO(_fixed_wav(result.stdout))) as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise SpeechError("the English voice gave an unexpected format")
            rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    except (wave.Error, EOFError):
        raise SpeechError("the English voice gave a damaged recording") from None
    if rate != SAMPLE_RATE:
        raise SpeechError("the English voice gave an unexpected format")
    return frames


def _fixed_wav(data: bytes) -> bytes:
    """espeak-ng writing to a pipe cannot go back to fill in the sizes: set them here."""
    if len(data) < 44 or data[36:40] != b"data":
        return data
    size = len(data) - 44
    return (
        data[:4]
        + (size + 36).to_bytes(4, "little")
        + data[8:40]
        + size.to_bytes(4, "little")
        + data[44:]
    )
