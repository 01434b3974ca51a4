"""Who a character is, read out of the text of a card or a ChatGPT export. Pure: dicts in, data out.

Card authors write personas in a handful of community conventions rather than in fields:
W++ (`[character("X") { Personality("a" + "b") }]`), PList / bracket lists
(`[X's Personality= "a", "b"]`, `[X: a, b; appearance: c]`), Ali:Chat example dialogues after
`<START>` with `{{char}}:` / `{{user}}:` turns, `{{char}}`/`{{user}}` macros and `*actions*`
between asterisks. No library reads these (they are conventions, not a grammar), so this module
does, forgivingly: whatever it cannot place stays in the description for the planner to see.
"""

import re
from collections import Counter
from dataclasses import asdict, dataclass, field

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
MACROS = re.compile(r"\{\{\s*(char|user)\s*\}\}|<(BOT|USER)>", re.IGNORECASE)
ACTION = re.compile(r"\*([^*]+)\*")
QUOTED = re.compile(r"[\"“]([^\"”]+)[\"”]|「([^」]+)」")
BLOCK = re.compile(r"\[([^\[\]]{1,5000})\]")
WPP = re.compile(r"\[\s*character\(\s*\"[^\"]*\"\s*\)\s*\{(.*?)\}\s*\]", re.IGNORECASE | re.DOTALL)
WPP_ITEM = re.compile(r"(\w[\w ]*?)\s*\(([^()]*)\)")
TURN = re.compile(r"^\s*(\{\{char\}\}|\{\{user\}\}|<BOT>|<USER>|[^:\n]{1,40}):\s*", re.IGNORECASE)

TRAIT_KEYS = ("personality", "traits", "trait", "mind", "persona", "character", "性格", "特徴")
LOOK_KEYS = (
    "body",
    "appearance",
    "looks",
    "features",
    "clothes",
    "clothing",
    "outfit",
    "wears",
    "attire",
    "hair",
    "eyes",
    "外見",
    "容姿",
    "服装",
)
GENDER_KEYS = ("gender", "sex", "pronouns", "性別")
SCENARIO_KEYS = ("scenario", "setting", "story", "背景")
DROP_KEYS = ("genre", "tags", "tag", "creator", "author")

FIRST_PERSONS = ("わたくし", "わたし", "あたし", "ぼく", "おれ", "ボク", "オレ", "僕", "俺", "私")
FIRST_PERSONS += ("うち", "自分", "我")
PARTICLE_AFTER = r"(?=[はがのにをもとでや、。！？…]|って|たち|ら)"
SECOND_PERSONS = ("あなた", "あんた", "きみ", "お前", "おまえ", "貴方", "君", "てめえ")
MALE_FIRST = ("僕", "俺", "ぼく", "おれ", "ボク", "オレ")

TONE_WORDS = {
    "tsundere": ("tsundere", "ツンデレ"),
    "playful": ("playful", "mischievous", "teasing", "cheeky", "flirty", "いたずら"),
    "cheerful": ("cheerful", "energetic", "bubbly", "upbeat", "genki", "元気", "明るい"),
    "formal": ("formal", "polite", "elegant", "noble", "regal", "dignified", "丁寧", "上品"),
    "cool": ("cool", "stoic", "aloof", "calm", "reserved", "クール", "冷静"),
    "poetic": ("poetic", "dreamy", "romantic", "whimsical", "ethereal", "詩的"),
    "gentle": ("gentle", "caring", "kind", "warm", "kind-hearted", "nurturing", "優しい", "穏やか"),
}
SHE = re.compile(r"\b(she|her|hers|herself)\b", re.IGNORECASE)
HE = re.compile(r"\b(he|him|his|himself)\b", re.IGNORECASE)
FEMALE_WORDS = ("female", "woman", "girl", "she/her", "女性", "女", "女の子", "彼女")
MALE_WORDS = ("male", "man", "boy", "he/him", "男性", "男", "男の子")
NEUTRAL_WORDS = ("they/them", "non-binary", "nonbinary", "enby", "ノンバイナリー")


@dataclass
class Persona:
    """What the planner sees in the import preview, field by field, before anything is saved."""

    name: str = ""
    nickname: str = ""
    pronouns: str = ""  # "she", "he", "they" or "" (unknown: the preview asks)
    first_person: str = ""
    calls_client: str = ""
    tone: str = "gentle"
    traits: list[str] = field(default_factory=list)
    appearance: list[str] = field(default_factory=list)
    description: str = ""
    backstory: str = ""
    catchphrases: list[str] = field(default_factory=list)
    speech_samples: list[str] = field(default_factory=list)
    language: str = "en"  # the language the character speaks in the card
    notes: list[str] = field(default_factory=list)  # what the planner should check

    def as_dict(self) -> dict:
        return asdict(self)


def has_japanese(text: str) -> bool:
    """Any kana or kanji at all: what the English vows leave out (wedding.vows.composer)."""
    return bool(JAPANESE.search(text or ""))


def is_japanese(text: str) -> bool:
    """True when a meaningful share of the text is written in Japanese script."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    return sum(1 for c in letters if JAPANESE.match(c)) / len(letters) > 0.2


def resolve_macros(text: str, name: str, user: str) -> str:
    """{{char}} / <BOT> become the character's name, {{user}} / <USER> the client's."""

    def swap(match: re.Match) -> str:
        which = (match.group(1) or match.group(2) or "").lower()
        return name if which in ("char", "bot") else user

    return MACROS.sub(swap, text)


def _items(raw: str) -> list[str]:
    """'"a", "b"' or 'a, b' or '"a" + "b"' as a list of clean items."""
    parts = re.split(r"\s*(?:,|\+|、|，|/(?=\s))\s*", raw)
    out = []
    for part in parts:
        part = part.strip().strip("\"'“”「」").strip()
        if part and len(part) <= 80 and part.lower() not in (i.lower() for i in out):
            out.append(part)
    return out


def _category(key: str) -> str:
    key = key.lower().strip()
    key = re.sub(r"^.*?'s\s+", "", key)  # "Seraphina's body" -> "body"
    for name, keys in (
        ("traits", TRAIT_KEYS),
        ("appearance", LOOK_KEYS),
        ("gender", GENDER_KEYS),
        ("scenario", SCENARIO_KEYS),
        ("drop", DROP_KEYS),
    ):
        if any(key == k or key.endswith(" " + k) or key.startswith(k) for k in keys):
            return name
    return ""


@dataclass
class _Found:
    traits: list[str] = field(default_factory=list)
    appearance: list[str] = field(default_factory=list)
    gender: list[str] = field(default_factory=list)
    scenario: list[str] = field(default_factory=list)


def _add(found: _Found, category: str, value: str) -> None:
    if category == "scenario":
        found.scenario.append(value.strip().strip("\"'").strip())
    elif category in ("traits", "appearance", "gender"):
        target = getattr(found, category)
        for item in _items(value):
            if item.lower() not in (t.lower() for t in target):
                target.append(item)


def _structured(text: str, name: str, found: _Found) -> str:
    """Take W++ and bracket lists out of the text into ``found``; return what is left."""

    def wpp(match: re.Match) -> str:
        for key, value in WPP_ITEM.findall(match.group(1)):
            _add(found, _category(key), value)
        return ""

    text = WPP.sub(wpp, text)

    def block(match: re.Match) -> str:
        inner = match.group(1)
        if "=" not in inner and ":" not in inner:
            return match.group(0)  # an ordinary bracket in prose
        recognised = False
        for segment in re.split(r"\s*;\s*", inner):
            parts = re.split(r"(=|:)", segment, maxsplit=1)
            if len(parts) < 3:
                continue
            key, _sep, value = parts
            category = _category(key)
            if not category and key.strip().lower() in (name.lower(), f"{name.lower()}'s"):
                category = "traits"  # PList: [Name: trait, trait; ...]
            if category:
                recognised = True
                if category != "drop":
                    _add(found, category, value)
        return "" if recognised else match.group(0)

    return BLOCK.sub(block, text)


def _split_examples(text: str) -> tuple[str, list[str]]:
    """Ali:Chat: the prose before the first <START>, and the character's turns after it."""
    prose, _, rest = re.sub(r"\r\n?", "\n", text).partition("<START>")
    turns: list[str] = []
    if rest:
        for chunk in rest.split("<START>"):
            turns.extend(_character_turns(chunk))
    return prose, turns


def _character_turns(chunk: str) -> list[str]:
    turns, current, speaker = [], [], ""
    for line in chunk.splitlines():
        match = TURN.match(line)
        if match and match.group(1).lower() in ("{{char}}", "{{user}}", "<bot>", "<user>"):
            if speaker == "char" and current:
                turns.append("\n".join(current))
            speaker = "char" if match.group(1).lower() in ("{{char}}", "<bot>") else "user"
            current = [line[match.end() :]]
        elif speaker:
            current.append(line)
    if speaker == "char" and current:
        turns.append("\n".join(current))
    return [t.strip() for t in turns if t.strip()]


def speech_of(message: str) -> tuple[str, list[str]]:
    """A roleplay message as (what is said, the *actions*): speech without the narration."""
    actions = [a.strip() for a in ACTION.findall(message) if a.strip()]
    without = ACTION.sub(" ", message)
    quoted = [q1 or q2 for q1, q2 in QUOTED.findall(without)]
    spoken = quoted if quoted else [without]
    said = " ".join(re.sub(r"\s+", " ", s).strip() for s in spoken if s.strip())
    return said.strip(), actions


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?。！？])\s*", text)
    return [p.strip() for p in parts if len(p.strip()) >= 4]


def catchphrases_of(samples: list[str], limit: int = 5) -> list[str]:
    """Phrases the character says again and again: whole sentences, or the same opening words
    of a sentence (2–6 words, or 4+ characters in Japanese) in two or more samples."""
    counts: Counter = Counter()
    spelled: dict[str, str] = {}
    for sample in samples:
        seen = set()
        for sentence in _sentences(sample):
            key = sentence.lower()
            seen.add(key)
            spelled.setdefault(key, sentence)
            words = re.findall(r"\S+", sentence)
            if len(words) == 1 and is_japanese(sentence):  # Japanese: opening characters
                for n in range(4, min(len(sentence), 12)):
                    key = "…" + sentence[:n]
                    seen.add(key)
                    spelled.setdefault(key, sentence[:n])
                continue
            for n in range(2, min(len(words), 6) + 1):
                prefix = " ".join(words[:n])
                key = "…" + re.sub(r"[^\w' ]", "", prefix.lower())
                seen.add(key)
                spelled.setdefault(key, prefix.rstrip(",;:—-"))
        counts.update(seen)
    repeated = [k for k, c in counts.items() if c >= 2]
    repeated.sort(key=lambda k: (-counts[k], -len(k)))
    chosen: list[str] = []
    for key in repeated:
        phrase = spelled[key]
        if any(phrase in other for other in chosen):
            continue
        chosen = [o for o in chosen if o not in phrase]
        chosen.append(phrase)
    return chosen[:limit]


def _first_and_second_person(samples: list[str]) -> tuple[str, str]:
    text = "\n".join(s for s in samples if is_japanese(s))
    if not text:
        return "", ""

    # Only where a particle follows: "うち" in "うちに" or "我" in "我慢" are not pronouns.
    def count(words: tuple[str, ...]) -> Counter:
        found = Counter({w: len(re.findall(re.escape(w) + PARTICLE_AFTER, text)) for w in words})
        return +found

    firsts, seconds = count(FIRST_PERSONS), count(SECOND_PERSONS)
    first = firsts.most_common(1)[0][0] if firsts else ""
    second = seconds.most_common(1)[0][0] if seconds else ""
    return first, second


def pronouns_of(gender: list[str], narration: str, name: str) -> str:
    """she / he / they from what the card states, else from how its narration refers to the
    character (only when clear); "" when nothing says so."""
    stated = " ".join(gender).lower()
    if stated:
        if any(w in stated for w in NEUTRAL_WORDS) or stated.strip() in ("they", "them"):
            return "they"
        if any(w in stated for w in FEMALE_WORDS) or "she" in stated:
            return "she"
        if any(w in stated for w in MALE_WORDS) or "he" in stated.split():
            return "he"
    she, he = len(SHE.findall(narration)), len(HE.findall(narration))
    she += narration.count("彼女")
    he += narration.count("彼") - narration.count("彼女")
    if she >= 3 and she > he * 4:
        return "she"
    if he >= 3 and he > she * 4:
        return "he"
    return ""


TONE_OF_WORD = {word.lower(): tone for tone, words in TONE_WORDS.items() for word in words}
TONE_PATTERN = re.compile(
    r"(?<!\w)(" + "|".join(sorted(map(re.escape, TONE_OF_WORD), key=len, reverse=True)) + r")(?!\w)"
)


def tone_of(traits: list[str], text: str) -> str:
    """The closest of our tones to how the card describes the character (gentle when unclear)."""
    words = " ".join(traits).lower() + " " + text[:20_000].lower()
    scores = Counter(TONE_OF_WORD[word] for word in TONE_PATTERN.findall(words))
    if not scores:
        return "gentle"
    return max(scores, key=lambda t: (scores[t], t == "gentle"))


def _clean(text: str) -> str:
    text = ACTION.sub(lambda m: m.group(1), text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    return text.strip()


def _chatgpt(about_model: str, persona: Persona, found: "_Found") -> None:
    """Custom instructions ("You are Ren, my boyfriend…", 「あなたはレン。一人称は僕…」)."""
    patterns = [
        r"(?:your name is|you are called|you're called)\s+([A-Z][\w'-]+)",
        r"(?:名前は|名は)「?([^\s「」。、]{1,20}?)」?(?:です|。|、|で)",
        r"あなたは「?([^\s「」。、]{1,20}?)」?(?:です|。|、|という)",
        r"\byou are\s+([A-Z][\w'-]+)",
    ]
    for pattern in patterns:
        match = re.search(pattern, about_model)
        if match and not persona.name:
            persona.name = match.group(1)
    match = re.search(r"一人称は「?([^\s「」。、]{1,6}?)」?(?:です|。|、|で)", about_model)
    if match:
        persona.first_person = match.group(1)
    match = re.search(
        r"(?:私|わたし|僕|俺)のことを「?([^\s「」。、]{1,20}?)」?と呼", about_model
    ) or re.search(r"call me\s+[\"“]?([\w'-]+)", about_model, re.IGNORECASE)
    if match:
        persona.calls_client = match.group(1)
    lowered = about_model.lower()
    if re.search(r"彼氏|夫|旦那|boyfriend|husband", lowered):
        found.gender.append("male")
    elif re.search(r"彼女として|恋人の女性|妻|girlfriend|\bwife\b", lowered):
        found.gender.append("female")
    match = re.search(r"\b(she/her|he/him|they/them)\b", lowered)
    if match:
        found.gender.append(match.group(1))


def map_persona(card_data: dict, client_name: str = "") -> Persona:
    """Everything a card says about who the character is, in our persona's fields."""
    name = str(card_data.get("name") or "").strip()
    chatgpt = (card_data.get("extensions") or {}).get("chatgpt_export")
    persona = Persona(name="" if isinstance(chatgpt, dict) else name)
    persona.nickname = str(card_data.get("nickname") or "").strip()
    found = _Found()
    user = client_name or "you"

    def prepare(text) -> str:
        # One spelling for each macro; they are resolved once the dialogue turns are split.
        text = re.sub(r"<BOT>", "{{char}}", str(text or ""), flags=re.IGNORECASE)
        text = re.sub(r"<USER>", "{{user}}", text, flags=re.IGNORECASE)
        return re.sub(
            r"\{\{\s*(char|user)\s*\}\}",
            lambda m: "{{" + m.group(1).lower() + "}}",
            text,
            flags=re.IGNORECASE,
        )

    description = prepare(card_data.get("description"))
    personality = prepare(card_data.get("personality"))
    scenario = prepare(card_data.get("scenario"))
    description = _structured(description, name, found)
    personality = _structured(personality, name, found)
    scenario = _structured(scenario, name, found)
    prose, turns = _split_examples(description)
    _, example_turns = _split_examples("<START>" + prepare(card_data.get("mes_example")))
    turns += example_turns
    greetings = [prepare(card_data.get("first_mes"))] + [
        prepare(g) for g in card_data.get("alternate_greetings") or [] if isinstance(g, str)
    ]
    messages = [m for m in turns + greetings if m.strip()]
    if isinstance(chatgpt, dict):
        messages = [m for m in chatgpt.get("voice_samples") or [] if isinstance(m, str)]
        _chatgpt(str(card_data.get("description") or ""), persona, found)

    samples: list[str] = []
    narration: list[str] = []
    for message in messages:
        said, actions = speech_of(resolve_macros(message, name, user))
        narration.extend(actions)
        if said and said not in samples:
            samples.append(said)
    persona.speech_samples = samples[:8]

    if personality.strip() and not found.traits:
        if len(personality) <= 400:
            found.traits.extend(_items(personality.replace("\n", ",")))
        else:
            prose = (prose + "\n\n" + personality).strip()
    elif personality.strip():
        prose = (prose + "\n\n" + personality).strip()
    persona.traits = found.traits[:30]
    persona.appearance = found.appearance[:30]
    persona.backstory = resolve_macros(
        _clean("\n\n".join([*found.scenario, scenario.strip()]).strip()), name, user
    )
    persona.description = resolve_macros(_clean(prose), name, user)
    all_text = resolve_macros(" ".join([description, scenario, *narration]), name, user)
    persona.pronouns = pronouns_of(found.gender, all_text, name)
    persona.language = "ja" if is_japanese(" ".join(samples) or persona.description) else "en"

    first, second = _first_and_second_person(samples)
    if not persona.first_person:
        persona.first_person = first
    if not persona.calls_client:
        persona.calls_client = second
    if not persona.first_person:
        persona.first_person = "わたし"
        persona.notes.append("first_person")
    if not persona.calls_client:
        persona.calls_client = "あなた"
        persona.notes.append("calls_client")
    persona.tone = tone_of(persona.traits, persona.description)
    persona.catchphrases = catchphrases_of(samples[:60])  # enough to hear what recurs
    if not persona.description:
        persona.description = summary_of(persona)
    if not persona.pronouns:
        persona.notes.append("pronouns")
    if not persona.name:
        persona.notes.append("name")
    return persona


def summary_of(persona: Persona) -> str:
    """A plain description made of the traits and looks, when the card has no prose of its own."""
    parts = []
    for items in (persona.traits[:8], persona.appearance[:8]):
        if items:
            text = ", ".join(items)
            parts.append(text[:1].upper() + text[1:] + ".")
    if persona.backstory:
        parts.append(persona.backstory)
    return " ".join(parts)


def has_usable_text(persona: Persona) -> bool:
    """Whether the card told us anything about who the character is."""
    return bool(
        persona.traits
        or persona.appearance
        or persona.speech_samples
        or persona.description.strip()
        or persona.backstory.strip()
    )
