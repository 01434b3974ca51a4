"""The built-in vow composer: offline, deterministic for a seed, in Japanese and English.

Pure: facts in, drafts out. The couple's answers are woven into the sentences rather than quoted:
each answer is turned to the speaker's side (names become "I"/"you", 僕/あなた) and, in Japanese,
conjugated through the morphological analyser (vows/japanese.py) into the form the sentence needs.
One second-person form per vow. The three drafts of one request follow three different plans
(chronological, today first, a letter) with their own wording. English vows use English answers
only: a section whose answer exists only in Japanese is left out and named in ``missing``.
"""

import random
import re
from dataclasses import dataclass, field

from wedding.personas.mapping import has_japanese
from wedding.vows import japanese

CASUAL_TONES = {"playful", "tsundere", "cheerful"}
JA_RANGE = (250, 500)  # characters, spaces and line breaks not counted
EN_RANGE = (120, 250)  # words
JA_SECOND_PERSONS = ("あなた", "きみ", "君", "お前", "おまえ", "あんた", "貴方")
MALE_FIRST = ("僕", "俺", "ぼく", "おれ", "ボク", "オレ")
STORY = ("how_met", "moment_knew", "proposal_words", "promises", "for_guests")


class ComposeError(ValueError):
    """Nothing to say yet; ``missing`` names the answers to add."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class Answers:
    """The couple's questionnaire in one language (promises one a line)."""

    how_met: str = ""
    moment_knew: str = ""
    proposal_words: str = ""
    promises: tuple[str, ...] = ()
    for_guests: str = ""
    client_calls_companion: str = ""
    companion_calls_client: str = ""


@dataclass(frozen=True)
class VowFacts:
    companion: str  # the companion's name
    client: str  # the client's name
    nickname: str = ""
    first_person: str = ""
    calls_client: str = ""
    pronouns: str = ""
    client_pronouns: str = ""  # from the client's role: a bride "she", a groom "he"
    tone: str = "gentle"
    catchphrases: tuple[str, ...] = ()
    answers: dict = field(default_factory=dict)  # lang -> Answers
    client_aliases: tuple[str, ...] = ()
    companion_aliases: tuple[str, ...] = ()

    def of(self, lang: str) -> Answers:
        return self.answers.get(lang) or Answers()


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def answers_from(row) -> Answers:
    """Answers from a questionnaire row (or anything with the same attributes)."""
    return Answers(
        how_met=(row.how_met or "").strip(),
        moment_knew=(row.moment_knew or "").strip(),
        proposal_words=(row.proposal_words or "").strip(),
        promises=_lines(row.promises),
        for_guests=(row.for_guests or "").strip(),
        client_calls_companion=(row.client_calls_companion or "").strip(),
        companion_calls_client=(row.companion_calls_client or "").strip(),
    )


def name_forms(*names: str) -> tuple[str, ...]:
    """Every way a name is written: "レン (Ren)" → レン, Ren; "佐藤 美咲" → it, 佐藤, 美咲."""
    out: list[str] = []
    for name in names:
        for part in re.split(r"[()（）]", name or ""):
            # あかり🌸 is also written あかり
            for written in (part.strip(), japanese.without_pictographs(part)):
                if written:
                    out.append(written)
                    out.extend(p for p in written.split() if len(p) > 1 or has_japanese(p))
    return tuple(dict.fromkeys(out))


def facts_of(
    companion, client_name: str, questionnaires=(), full_name: str = "", client_role: str = ""
) -> VowFacts:
    """Facts from a Companion row and the couple's questionnaire rows (one per language).

    Story fields typed on the companion itself (before the questionnaire existed) count as the
    answers of the language they are written in."""
    answers: dict[str, Answers] = {row.lang: answers_from(row) for row in questionnaires}
    legacy = Answers(
        how_met=(companion.how_met or "").strip(),
        moment_knew=(companion.moment_knew or "").strip(),
        proposal_words=(companion.proposal_words or "").strip(),
        promises=_lines(companion.promises),
    )
    legacy_text = " ".join([legacy.how_met, legacy.moment_knew, *legacy.promises])
    if legacy_text.strip():
        lang = "ja" if has_japanese(legacy_text) else "en"
        current = answers.get(lang) or Answers()
        answers[lang] = Answers(
            **{
                name: getattr(current, name) or getattr(legacy, name)
                for name in Answers.__dataclass_fields__
            }
        )
    client_aliases = name_forms(client_name, full_name)
    for row in answers.values():
        client_aliases += name_forms(row.companion_calls_client)
    companion_aliases = name_forms(companion.name, companion.nickname or "")
    for row in answers.values():
        companion_aliases += name_forms(row.client_calls_companion)
    return VowFacts(
        companion=name_forms(companion.name)[0] if companion.name else "",
        client=client_name,
        nickname=companion.nickname or "",
        first_person=companion.first_person or "",
        calls_client=companion.calls_client or "",
        pronouns=getattr(companion, "pronouns", "") or "",
        client_pronouns=ROLE_PRONOUNS.get(client_role, ""),
        tone=companion.tone,
        catchphrases=_lines(companion.catchphrases),
        answers=answers,
        client_aliases=tuple(dict.fromkeys(a for a in client_aliases if a)),
        companion_aliases=tuple(dict.fromkeys(a for a in companion_aliases if a)),
    )


# --- checks shared with the AI composer -------------------------------------------------------


def measure(text: str, lang: str) -> int:
    """Japanese: characters without spaces and line breaks; English: words."""
    if lang == "ja":
        return len(re.sub(r"\s", "", text))
    return len(re.findall(r"[A-Za-z0-9'’-]+", text))


def problems(text: str, lang: str) -> list[str]:
    """What keeps a draft from being offered: wrong language, broken stops, length."""
    found = []
    if lang == "en" and has_japanese(text):
        found.append("japanese_in_english")
    if lang == "ja" and not has_japanese(text):
        found.append("not_japanese")
    if re.search(
        r"[。、][.,]|[.,][。、]|\.\.(?!\.)|[。、][。、]|,\.|\.,|[.!?]”\.|。」。|「」|“”", text
    ):
        found.append("punctuation")
    if lang == "en" and re.search(r"\s[,.!?;:]", text):
        found.append("punctuation")
    low, high = JA_RANGE if lang == "ja" else EN_RANGE
    if not low <= measure(text, lang) <= high:
        found.append("length")
    return found


# --- the speakers -----------------------------------------------------------------------------


@dataclass
class Voice:
    """Who speaks to whom, and the words for it (one second-person form for the whole vow)."""

    me: str
    you: str  # the pronoun
    name: str  # how the speaker calls the other by name
    other_name: str
    me_names: tuple[str, ...]
    you_names: tuple[str, ...]
    client_speaks: bool
    casual: bool


def given_name(full: str) -> str:
    """What a partner calls someone by when nobody said: the given name. Written in Japanese
    the family name comes first (山田 花子 → 花子, 蒼井 レイ → レイ); in Latin letters, last
    (Misaki Sato → Misaki). A name of one word is itself."""
    parts = full.split()
    if len(parts) < 2:
        return full.strip()
    return parts[-1] if has_japanese(full) else parts[0]


def ja_voice(facts: VowFacts, role: str) -> Voice:
    ans = facts.of("ja")
    if role == "companion":
        me = facts.first_person or "わたし"
        if me in MALE_FIRST and facts.pronouns != "he" and not facts.first_person:
            me = "わたし"
        calls = ans.companion_calls_client or facts.calls_client
        you = calls if calls in JA_SECOND_PERSONS else "あなた"
        name = calls if calls and calls not in JA_SECOND_PERSONS else given_name(facts.client)
        return Voice(
            me,
            you,
            name,
            facts.companion,
            facts.companion_aliases,
            facts.client_aliases,
            False,
            facts.tone in CASUAL_TONES,
        )
    name = ans.client_calls_companion or facts.nickname or given_name(facts.companion)
    return Voice(
        "私",
        "あなた",
        name,
        facts.client,
        facts.client_aliases,
        facts.companion_aliases,
        True,
        False,
    )


# --- Japanese -------------------------------------------------------------------------------

JA = {
    "open": [
        "{name}。今日、{me}はここにいる皆さんの前で、{you}に伝えたいことがあります。",
        "{name}、少しだけ聞いてください。{me}は今、{you}の隣に立っています。",
        "{name}。この日を迎えられたことを、{me}は心から嬉しく思っています。",
    ],
    "open_today": [
        "{name}。今日という日を、{me}はずっと待っていました。",
        "{name}、今日の{you}はいつにも増して輝いています。",
    ],
    "open_letter": [
        "{name}へ。今日のために、{me}は{you}への手紙を書いてきました。",
        "{name}。言葉にするのは少し照れくさいので、手紙にしてきました。",
    ],
    "met": [
        "{we}の始まりを、今でもよく覚えています。{met_te}、あの日から{me}の毎日は変わりました。",
        "最初の日のことを覚えていますか。{met_polite}。あれが{we}の物語の始まりでした。",
        "思い返せば、{met_polite}。あの出会いがなければ、今日の{me}はいません。",
    ],
    "knew": [
        "{knew_polite}。その時、{me}はこの人とずっと生きていきたいと思いました。",
        "{me}がはっきりと気づいたのは、{knew_plain}、あのときです。{you}のいない明日は、もう考えられませんでした。",
        "{knew_te}、{me}の心は決まりました。",
    ],
    "proposal": [
        "あの日の言葉を、もう一度ここで伝えます。{proposal}",
        "プロポーズの言葉は、今も少しも変わっていません。{proposal}",
    ],
    "proposal_answer": [
        "{you}がくれた言葉を、{me}は一生忘れません。{proposal}その答えを、今日ここで伝えます。はい、喜んで。",
    ],
    "promises": [
        "だから、{me}は約束します。{promises_polite}",
        "これからの{we}のために、{you}に約束します。{promises_koto}を。",
    ],
    "catch": [
        "そして、いつもの言葉で。{catch}",
        "嬉しい日も、つらい日も、{me}は何度でも言います。{catch}",
    ],
    "daily": [
        "何でもない毎日が、{you}と一緒だと特別な一日になります。",
        "{you}が笑うと、{me}も笑顔になります。その毎日を、これからも大切にしていきます。",
        "うまく言えない日も、すれ違う日もあるかもしれません。それでも{me}は、{you}と話すことをやめません。",
    ],
    "thanks": [
        "{me}を見つけてくれて、選んでくれて、本当にありがとう。",
        "{you}がいてくれたから、{me}は今日ここに立っています。",
    ],
    "guests": [
        "今日来てくださった皆さんにも、知っていてほしいことがあります。{guests_polite}",
        "皆さん、{guests_polite}どうかこれからも、{we}を見守ってください。",
    ],
    "guests_plain": [
        "今日来てくださった皆さん、{we}を見守ってくださって、ありがとうございます。",
    ],
    "close": [
        "{name}、これから先のすべての季節を、{me}と一緒に過ごしてください。",
        "{name}。これからも、ずっと{you}の隣にいます。愛しています。",
        "今日から先も、{me}は{you}のそばにいます。{name}、これからもよろしくお願いします。",
    ],
}
JA_CASUAL = {
    "open": [
        "{name}！今日はね、みんなの前でちゃんと言わせてほしいんだ。",
        "{name}、ちょっとだけ聞いて。{me}、今すごく緊張してる。",
    ],
    "close": [
        "{name}、これからもずっと、{me}の隣で笑っててね。",
        "{name}、これからもよろしくね。ずっと一緒だよ。",
    ],
}
JA_TSUNDERE_CLOSE = "べ、べつに照れてなんかないからね。……{name}、これからもよろしく。"

PLANS = {
    "chronological": ("open", "met", "knew", "proposal", "promises", "daily", "guests", "close"),
    "today_first": ("open_today", "thanks", "knew", "met", "promises", "catch", "guests", "close"),
    "letter": ("open_letter", "met", "daily", "proposal", "knew", "promises", "thanks", "close"),
}
OPTIONAL = ("daily", "thanks", "catch", "guests")


def _sentences_ja(items: tuple[str, ...], voice: Voice, form: str) -> str:
    clauses = [_turn_ja(p, voice) for p in items[:4]]
    if form == "polite":
        return "".join(c.polite() + "。" for c in clauses)
    texts = [c.koto() for c in clauses]
    return "、".join(texts)


def _turn_ja(text: str, voice: Voice) -> japanese.Clause:
    return japanese.turn(
        text, voice.me_names, voice.you_names, voice.me, voice.you, voice.client_speaks
    )


def _said(text: str, question: bool = False) -> str:
    """Words quoted as said (a proposal, a catchphrase): no emoji, which are not read aloud;
    "" when nothing else is left (💍), and the quote is left out. With ``question``, words
    asked keep their question mark (the voice rises on it: "Will you marry me?")."""
    plain = japanese.without_pictographs(text)
    said = japanese.clean_fact(plain)
    asked = plain.strip().rstrip('」』”"').rstrip()[-1:] in ("?", "？")
    if question and said and asked:
        said += "？" if has_japanese(said) else "?"
    return said


def _unsaid_me(clause: str, voice: Voice) -> str:
    """The clause without its first "<me>が": the speaker, already the subject of the
    sentence around it, is understood, as Japanese leaves it."""
    return clause.replace(f"{voice.me}が", "", 1)


def _values_ja(facts: VowFacts, voice: Voice, rng: random.Random) -> dict[str, str]:
    ans = facts.of("ja")
    # "we": うちら for うち (うちたち is said by nobody), else 僕たち, わたしたち…
    we = "うちら" if voice.me == "うち" else f"{voice.me}たち"
    values = {"me": voice.me, "you": voice.you, "name": voice.name, "we": we}
    # A te or plain clause stands inside a sentence whose own subject is the speaker
    # ("…て、わたしの心は決まりました", "わたしが気づいたのは、…た、あのとき"): there the
    # clause says "わたしが" no second time.
    met = _turn_ja(ans.how_met, voice) if ans.how_met else None
    if met and met.ws:  # (an answer of emoji only says nothing to turn)
        values |= {"met_te": _unsaid_me(met.te(), voice), "met_polite": met.polite()}
    knew = _turn_ja(ans.moment_knew, voice) if ans.moment_knew else None
    if knew and knew.ws:
        values |= {
            "knew_te": _unsaid_me(knew.te(), voice),
            "knew_polite": knew.polite(),
            "knew_plain": _unsaid_me(knew.plain(), voice),
        }
    words = _said(ans.proposal_words, question=True)
    if words:
        if not voice.client_speaks:
            # The companion says the words again, now, in this vow's second person; the client
            # quotes them as they were said to her (a quote is not hers to reword).
            words = japanese.one_second_person(words, voice.you)
        values["proposal"] = f"「{words}」"
    if ans.promises:
        values["promises_polite"] = _sentences_ja(ans.promises, voice, "polite")
        values["promises_koto"] = _sentences_ja(ans.promises, voice, "koto")
    if ans.for_guests and voice.client_speaks:
        # Told to the guests: the companion keeps their name, the client speaks as 私.
        guests = japanese.turn(ans.for_guests, voice.me_names, (), voice.me, voice.name, True)
        values["guests_polite"] = guests.polite() + "。"
    catch = [_said(c, question=True) for c in facts.catchphrases]
    catch = [c for c in catch if has_japanese(c)]
    if catch and not voice.client_speaks:
        values["catch"] = f"「{rng.choice(catch)}」"
    return values


# --- English --------------------------------------------------------------------------------

EN = {
    "open": [
        "{name}, in front of everyone who loves us, there is something I want to say properly.",
        "{name}, give me a moment. I am standing right beside you today, and I want to get "
        "this right.",
        "{name}, I have waited a long time for this day, and now it is here.",
    ],
    "open_today": [
        "{name}, today is the day I have been waiting for.",
        "{name}, look at everyone here today. They came because of you and me.",
    ],
    "open_letter": [
        "{name}, I wrote you a letter for today, because some things deserve to be written down.",
        "{dear}, saying this out loud makes me nervous, so I put it in a letter.",
    ],
    "met": [
        "I still remember how we began: {met}. From that day on, my days were full of you.",
        "Do you remember the first day? {met_cap}. That was the first line of our story.",
        "When I look back, it all started when {met}. Without that day, I would not be "
        "standing here.",
    ],
    "knew": [
        "Then came the moment I knew. {knew_cap}, and I knew I wanted a life with you.",
        "I can tell you exactly when I was sure: {knew}. After that, I could not imagine a "
        "tomorrow without you.",
        "{knew_cap}. That was when my heart made up its mind.",
    ],
    "proposal": [
        "So let me say again what was said that day: {proposal}",
        "The words of the proposal still hold, every one of them: {proposal}",
    ],
    "proposal_answer": [
        "You told me, {proposal} Here is my answer, in front of everyone: yes.",
        "I will never forget what you told me: {proposal} My answer is still yes.",
    ],
    "promises": [
        "And so I make you these promises. {promises}",
        "For everything still ahead of us, this is what I promise: {promises_list}.",
    ],
    "catch": [
        "And, as I always say: {catch}",
        "On hard days and happy ones, you will keep hearing it from me: {catch}",
    ],
    "daily": [
        "Ordinary days become special ones when I spend them with you.",
        "When you laugh, I laugh too, and I want to keep every one of those days.",
        "There may be days when we misunderstand each other. Even then, I will never stop "
        "talking to you.",
    ],
    "thanks": [
        "Thank you for finding me, and for choosing me.",
        "I am standing here today because you have been beside me.",
    ],
    "guests": [
        "And to everyone here today, there is something we want you to know: {guests}",
        "To our guests: {guests} Please keep watching over us.",
    ],
    "close": [
        "{name}, spend every season still to come with me.",
        "{name}, I will be beside you, always. I love you.",
        "From today and every day after, I am yours. I love you, {name}.",
    ],
}
EN_CASUAL = {
    "open": ["{name}! Okay, I am nervous, but I am saying this in front of everyone."],
    "close": ["{name}, keep laughing next to me, okay? For a very long time."],
}

SUBJECT_BEFORE = {"", "and", "when", "that", "because", "after", "before", "while", "so"}
SUBJECT_BEFORE |= {"but", "then", "until", "as", "if", "since", "where", "who"}
YOU_FIX = {"was": "were", "is": "are", "has": "have", "does": "do", "wasn't": "weren't"}
YOU_FIX |= {"isn't": "aren't", "hasn't": "haven't", "doesn't": "don't"}
I_FIX = {"is": "am", "has": "have", "does": "do", "isn't": "am not", "hasn't": "haven't"}
I_FIX |= {"doesn't": "don't"}


AUXILIARIES = {"was", "were", "had", "did", "is", "are", "has", "does", "will", "would"}
AUXILIARIES |= {"could", "can", "should", "might", "must", "said", "told", "came", "saw", "took"}
AUXILIARIES |= {"gave", "made", "sang", "wrote", "found", "met", "left", "kept", "held", "ran"}
AUXILIARIES |= {"knew", "thought", "felt", "got", "went", "fell", "sat", "stood", "heard"}
SHE_WORDS = {"she": "subject", "her": "object", "hers": "possessive", "herself": "self"}
HE_WORDS = {"he": "subject", "him": "object", "his": "possessive", "himself": "self"}
ROLE_PRONOUNS = {"bride": "she", "groom": "he"}
# What follows an object "her" ("talked her through", "gave her a ring", "told her I…"); before
# anything else, "her" is a possessive ("the night before her surgery"). Words that follow both
# ("her first day" / "told her first", "her every word", "to her home") are left out: there the
# possessive is the likelier.
AFTER_OBJECT_HER = {"a", "an", "the", "this", "that", "these", "those", "some"}
AFTER_OBJECT_HER |= {"through", "to", "up", "down", "in", "into", "out", "about", "with", "for"}
AFTER_OBJECT_HER |= {"on", "off", "over", "back", "again", "away", "at", "by", "from"}
AFTER_OBJECT_HER |= {"and", "but", "or", "so", "when", "while", "because", "as", "if", "until"}
AFTER_OBJECT_HER |= {"before", "after", "since", "than", "too", "how"}
AFTER_OBJECT_HER |= {"what", "why", "where", "who", "everything", "something", "nothing"}
AFTER_OBJECT_HER |= {"anything", "i", "you", "he", "she", "we", "they", "it", "my", "your"}
AFTER_OBJECT_HER |= {"his", "our", "their", "once", "twice", "forever", "always"}
AFTER_OBJECT_HER |= {"today", "tonight", "yesterday", "tomorrow", "now", "then", "there", "here"}
# Verbs whose object "her" a bare verb follows ("made her laugh", "let her go"); not "had",
# "saw", "heard" or "felt", which as often take her something ("heard her story"; "heard her
# laugh" reads as well as "heard your laugh").
BEFORE_OBJECT_HER = {"made", "make", "makes", "let", "lets", "help", "helps", "helped"}


def _her_kind(previous_word: str, next_word: str) -> str:
    """Whether "her" is an object ("talked her through") or a possessive ("her surgery"), from
    the words around it; English gives no other sign without a parser."""
    if not next_word[:1].isalpha() or previous_word in BEFORE_OBJECT_HER:
        return "object"
    return "object" if next_word.lower() in AFTER_OBJECT_HER else "possessive"


def turn_en(
    text: str,
    me_names,
    you_names,
    client_speaks: bool,
    companion_pronouns: str = "",
    client_pronouns: str = "",
    *,
    promise: bool = False,
) -> str:
    """An English answer told by the speaker: names become I/me/my, you/your.

    Answers are the client's, so their own "I/me/my" is the client's too; unless the answer also
    names the client ("I wrote to Misaki first", in the companion's voice): then it is the
    companion's. When the companion's pronouns are known ("he"), the other set ("she/her") in
    an answer is the client's, and the companion's own set is the companion's; when the two
    share a set (a bride and her "she" companion), a pronoun stands for the one named last
    ("Seraphina stayed up with Jordan before her surgery": Jordan's). A ``promise`` is the
    speaker's own: its "I" is the one who makes it ("listen before I speak")."""
    text = japanese.clean_fact(text)
    tokens = re.findall(r"[A-Za-z][\w'’-]*|\s+|[^\sA-Za-z]", text)
    names = [(n, "me") for n in me_names if n] + [(n, "you") for n in you_names if n]
    client_role = "me" if client_speaks else "you"
    companion_role = "you" if client_speaks else "me"
    client_names = me_names if client_speaks else you_names
    words = {re.sub(r"['’]s$", "", t) for t in tokens}
    first_person_role = (
        "me"
        if promise
        else companion_role
        if any(n and (n in words or set(n.split()) & words) for n in client_names)
        else client_role
    )
    third: dict[str, tuple[str, str]] = {}
    shared = companion_pronouns in ("he", "she") and companion_pronouns == client_pronouns
    if companion_pronouns in ("he", "she"):
        own, other = (HE_WORDS, SHE_WORDS) if companion_pronouns == "he" else (SHE_WORDS, HE_WORDS)
        third |= {w: (companion_role, kind) for w, kind in own.items()}
        if not shared:
            third |= {w: (client_role, kind) for w, kind in other.items()}
    out: list[str] = []
    previous_word = ""
    last_named = companion_role  # whom a shared pronoun stands for: the one named last
    for index, token in enumerate(tokens):
        role, kind = "", ""
        base = re.sub(r"['’]s$", "", token)
        for name, who in names:
            if base == name or base in name.split():
                role, kind = who, "possessive" if base != token else "name"
                last_named = who
                break
        lower = token.lower()
        if not role and token in ("I", "me", "my", "mine", "myself"):
            role = first_person_role
            kind = {"I": "subject", "me": "object", "my": "possessive", "mine": "possessive"}.get(
                token, "self"
            )
        if not role and lower in third:
            role, kind = third[lower]
            if shared:
                role = last_named
            if lower == "her":
                following = next((t for t in tokens[index + 1 :] if t.strip()), "")
                kind = _her_kind(previous_word, following)
        if not role:
            out.append(token)
            if token.strip() and token[0].isalpha():
                previous_word = lower
            continue
        nxt = next((t for t in tokens[index + 1 :] if t.strip()), "")
        if kind == "name":
            verb_follows = nxt in AUXILIARIES or nxt.endswith("ed")
            kind = "subject" if verb_follows or previous_word in SUBJECT_BEFORE else "object"
        if role == "you":
            word = {"possessive": "your", "self": "yourself"}.get(kind, "you")
        else:
            word = {"possessive": "my", "self": "myself", "object": "me"}.get(kind, "I")
        out.append(word)
        previous_word = word.lower()
        fix = YOU_FIX if word == "you" else I_FIX if word == "I" else {}
        if nxt in fix:  # verb agreement right after the new subject
            tokens[tokens.index(nxt, index + 1)] = fix[nxt]
    # Emoji go once the names (which may hold them) are found: they are not read aloud.
    result = _said("".join(out))
    return result if result[:2] in ("I ", "I'") else result[:1].lower() + result[1:]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _stop(text: str) -> str:
    text = text.rstrip()
    return text if text[-1:] in ".!?" else text.rstrip(",;:") + "."


def _told_en(text: str, voice: Voice, facts: VowFacts, *, promise: bool = False) -> str:
    """An answer as this voice says it (turn_en with the couple's names and pronouns)."""
    return turn_en(
        text,
        voice.me_names,
        voice.you_names,
        voice.client_speaks,
        facts.pronouns,
        facts.client_pronouns,
        promise=promise,
    )


def _promise_en(text: str, voice: Voice, facts: VowFacts) -> str:
    clause = _told_en(text, voice, facts, promise=True)
    clause = re.sub(
        r"^(i will|i'll|i promise to|i promise|to|we will|we'll)\s+",
        "",
        clause,
        flags=re.IGNORECASE,
    )
    return clause


def _values_en(facts: VowFacts, voice: Voice, rng: random.Random) -> dict[str, str]:
    ans = facts.of("en")
    values = {"name": voice.name or "my love"}
    values["dear"] = f"Dear {voice.name}" if voice.name else "My love"

    for key, answer in (("met", ans.how_met), ("knew", ans.moment_knew)):
        clause = _told_en(answer, voice, facts) if answer and not has_japanese(answer) else ""
        if clause:
            values[key], values[key + "_cap"] = clause, _cap(clause)
    words = _said(ans.proposal_words, question=True)
    if words and not has_japanese(words):
        values["proposal"] = f"“{_stop(_cap(words))}”"
    promises = [p for p in ans.promises if not has_japanese(p)][:4]
    if promises:
        clauses = [_promise_en(p, voice, facts) for p in promises]
        values["promises"] = " ".join(f"I promise to {c}." for c in clauses)
        values["promises_list"] = (
            ", ".join(clauses[:-1]) + (", and " if len(clauses) > 2 else " and ") + clauses[-1]
            if len(clauses) > 1
            else clauses[0]
        )
        values["promises_list"] = "to " + values["promises_list"]
    if ans.for_guests and not has_japanese(ans.for_guests) and voice.client_speaks:
        # Told to the guests: the companion keeps their name, the client speaks as "I".
        told = turn_en(ans.for_guests, voice.me_names, (), True)
        values["guests"] = _stop(_cap(told))
    catch = [_said(c, question=True) for c in facts.catchphrases]
    catch = [c for c in catch if c and not has_japanese(c)]
    if catch and not voice.client_speaks:
        values["catch"] = f"“{_stop(_cap(rng.choice(catch)))}”"
    return values


def en_voice(facts: VowFacts, role: str) -> Voice:
    ans = facts.of("en")
    if role == "companion":
        calls = ans.companion_calls_client
        name = calls if calls and not has_japanese(calls) else _latin(facts.client)
        return Voice(
            "I",
            "you",
            name,
            facts.companion,
            facts.companion_aliases,
            facts.client_aliases,
            False,
            facts.tone in CASUAL_TONES,
        )
    calls = ans.client_calls_companion
    name = calls if calls and not has_japanese(calls) else _latin(facts.nickname or facts.companion)
    return Voice(
        "I",
        "you",
        name,
        facts.client,
        facts.client_aliases,
        facts.companion_aliases,
        True,
        False,
    )


def _latin(name: str) -> str:
    return name if not has_japanese(name) else ""


# --- putting it together --------------------------------------------------------------------

NEEDS = {
    "met": ("met_te", "met"),
    "knew": ("knew_te", "knew"),
    "proposal": ("proposal",),
    "proposal_answer": ("proposal",),
    "promises": ("promises_polite", "promises"),
    "catch": ("catch",),
    "guests": ("guests_polite", "guests"),
}
QUESTION_OF = {
    "met": "how_met",
    "knew": "moment_knew",
    "proposal": "proposal_words",
    "promises": "promises",
    "guests": "for_guests",
}


def missing_answers(facts: VowFacts, lang: str) -> list[str]:
    """The questionnaire answers in ``lang`` that would make the vows richer."""
    ans = facts.of(lang)
    out = []
    for name in STORY:
        value = getattr(ans, name)
        text = " ".join(value) if isinstance(value, tuple) else value
        if not text or (lang == "en" and has_japanese(text)):
            out.append(name)
    return out


def _pool(part: str, lang: str, voice: Voice, facts: VowFacts) -> list[str]:
    table = JA if lang == "ja" else EN
    casual = (JA_CASUAL if lang == "ja" else EN_CASUAL).get(part, [])
    pool = list(table[part])
    if voice.casual and casual:
        pool = casual + pool[:1]
    if lang == "ja" and part == "close" and facts.tone == "tsundere" and not voice.client_speaks:
        pool = [JA_TSUNDERE_CLOSE]
    return pool


def _available(part: str, values: dict, lang: str) -> bool:
    keys = NEEDS.get(part)
    if not keys:
        return part in (JA if lang == "ja" else EN)
    return any(values.get(k) for k in keys)


def compose(
    facts: VowFacts, lang: str = "ja", role: str = "companion", seed: int = 0, count: int = 3
) -> list[str]:
    """``count`` drafts, each on its own plan; the same facts and seed give the same drafts.

    Raises ComposeError (naming the answers to add) when the couple's story in ``lang`` has
    nothing to tell yet."""
    voice = ja_voice(facts, role) if lang == "ja" else en_voice(facts, role)
    probe = (
        _values_ja(facts, voice, random.Random(0))  # noqa: S311 - wording, not secrets
        if lang == "ja"
        else _values_en(facts, voice, random.Random(0))  # noqa: S311
    )
    told = [k for k in ("met", "knew", "proposal", "promises") if _available(k, probe, lang)]
    if not told:
        raise ComposeError(missing_answers(facts, lang))
    plans = list(PLANS)
    random.Random(seed).shuffle(plans)  # noqa: S311 - wording, not secrets
    drafts: list[str] = []
    for index in range(count):
        rng = random.Random(f"{seed}:{index}")  # noqa: S311 - wording, not secrets
        plan = PLANS[plans[index % len(plans)]]
        drafts.append(_draft(facts, voice, lang, role, plan, rng, seed, index))
    return drafts


def _draft(facts, voice, lang, role, plan, rng, offset: int, index: int) -> str:
    values = _values_ja(facts, voice, rng) if lang == "ja" else _values_en(facts, voice, rng)
    low, high = JA_RANGE if lang == "ja" else EN_RANGE
    parts = []
    for part in plan:
        if role == "client" and part == "proposal":
            part = "proposal_answer"
        if not _available(part, values, lang):
            if part == "guests" and lang == "ja":
                part = "guests_plain"
            else:
                continue
        pool = [t for t in _pool(part, lang, voice, facts) if _fits(t, values)]
        if pool:
            # Each draft of a request takes the next wording, so that they differ in words too.
            choice = pool[(offset + index) % len(pool)]
            parts.append((part, choice.format(**values)))
    # Keep within the length: drop optional parts from the end while too long; add more
    # everyday lines while too short.
    text = _join(parts, lang)
    while measure(text, lang) > high and any(p in OPTIONAL for p, _ in parts):
        drop = max(i for i, (p, _) in enumerate(parts) if p in OPTIONAL)
        parts.pop(drop)
        text = _join(parts, lang)
    extras = [t for t in (JA if lang == "ja" else EN)["daily"] if t.format(**values) not in text]
    rng.shuffle(extras)
    while measure(text, lang) < low and extras:
        line = extras.pop().format(**values)
        candidate = _join([*parts[:-1], ("daily", line), parts[-1]], lang)
        if measure(candidate, lang) > high:
            break
        parts.insert(len(parts) - 1, ("daily", line))
        text = candidate
    return text


def _fits(template: str, values: dict) -> bool:
    keys = re.findall(r"\{(\w+)\}", template)
    return all(values.get(k) for k in keys)


def _join(parts, lang: str) -> str:
    return "\n\n".join(_cap(text) for _, text in parts)
