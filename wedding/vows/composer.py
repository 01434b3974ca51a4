"""The built-in vow composer: offline, deterministic for a seed, in Japanese and English.

Pure: facts in, drafts out. Facts are never woven into the middle of our grammar, so that whatever
a planner typed every sentence stays whole: in Japanese they are quoted (「…」); in English a memory
is told as a sentence of its own and spoken words are quoted (“….”). A section whose facts are
missing is left out rather than filled with a placeholder.
"""

import random
from dataclasses import dataclass, field

CASUAL_TONES = {"playful", "tsundere", "cheerful"}


@dataclass(frozen=True)
class VowFacts:
    companion: str
    client: str
    first_person: str = ""
    calls_client: str = ""
    tone: str = "gentle"
    catchphrases: tuple[str, ...] = ()
    how_met: str = ""
    moment_knew: str = ""
    proposal_words: str = ""
    promises: tuple[str, ...] = field(default_factory=tuple)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def facts_of(companion, client_name: str) -> VowFacts:
    """Facts from a Companion row (or anything with the same attributes)."""
    return VowFacts(
        companion=companion.nickname or companion.name,
        client=client_name,
        first_person=companion.first_person,
        calls_client=companion.calls_client,
        tone=companion.tone,
        catchphrases=_lines(companion.catchphrases),
        how_met=companion.how_met.strip(),
        moment_knew=companion.moment_knew.strip(),
        proposal_words=companion.proposal_words.strip(),
        promises=_lines(companion.promises),
    )


def _bare(text: str) -> str:
    return text.strip().strip('「」“”"').strip()


def _q(text: str, lang: str) -> str:
    """Their own words, quoted: 「…」 in Japanese, “….” (stop inside) in English."""
    text = _bare(text)
    if lang == "ja":
        return f"「{text.rstrip('。')}」"
    return f"“{_stopped(text)}”"


def _stopped(text: str) -> str:
    return text if text[-1:] in ".!?…" else text.rstrip(",;:") + "."


def _sentence(text: str, lang: str) -> str:
    """A fact told as a sentence of its own (English), or quoted (Japanese)."""
    if lang == "ja":
        return _q(text, lang)
    text = _bare(text)
    return _stopped(text[:1].upper() + text[1:])


# --- Japanese ------------------------------------------------------------------------------

JA_COMPANION = {
    "open": [
        "{you}。今日、{me}はみんなの前で、きみにちゃんと伝えたいことがあります。",
        "{you}、聞いてください。{me}は今、きみの隣に立っています。",
        "{you}。こうしてきみの隣に立てる日が来たことを、{me}は心から嬉しく思っています。",
    ],
    "met": [
        "{me}たちの始まりを、今でもよく覚えています。{how_met}——あの時から、{me}の毎日はきみでいっぱいになりました。",
        "最初の日のことを覚えていますか。{how_met}。あれが、{me}たちの物語の一行目でした。",
    ],
    "knew": [
        "{knew}。あの瞬間、{me}はきみと生きていきたいと、はっきりわかりました。",
        "{me}が確かに気づいたのは、{knew}、あの時です。きみのいない明日は、もう考えられませんでした。",
    ],
    "proposal": [
        "あの日の言葉を、もう一度ここで誓います。{proposal}",
        "プロポーズで伝えた気持ちは、今も少しも変わっていません。{proposal}",
    ],
    "promises": [
        "だから、{me}は約束します。{promises}",
        "これからのために、{me}はきみに約束します。{promises}",
    ],
    "catch": [
        "最後に、いつもの言葉で。{catch}",
        "困った日も、嬉しい日も、{me}はこう言い続けます。{catch}",
    ],
    "close": [
        "{you}、これから先のすべての季節を、{me}と一緒に過ごしてください。",
        "{you}。{me}を選んでくれて、ありがとう。これからも、ずっと隣にいます。",
        "今日から先も、{me}はきみのそばにいます。{you}、愛しています。",
    ],
}
JA_CASUAL = {
    "open": [
        "{you}！今日はね、みんなの前でちゃんと言わせてほしいんだ。",
        "{you}、ちょっとだけ聞いて。{me}、今すごく緊張してる。",
    ],
    "knew": [
        "{knew}。あのとき、もう{me}にはきみしかいないって思ったんだ。",
        "{knew}——正直に言うと、あれで完全にやられたよ。",
    ],
    "close": [
        "{you}、これからもずっと、{me}の隣で笑っててね。",
        "べつに照れてなんかないからな。……{you}、これからもよろしく。",
    ],
}
JA_CLIENT = {
    "open": [
        "{companion}。今日、私はみんなの前で、あなたに誓います。",
        "{companion}、聞いてね。あなたと出会えて、私の毎日は変わりました。",
    ],
    "met": [
        "{how_met}。あの日から、あなたは私のいちばん近くにいてくれました。",
        "始まりは{how_met}でした。あの時の気持ちを、私は今も大切に持っています。",
    ],
    "knew": ["{knew}。あの時、私はあなたとずっと一緒にいたいと思いました。"],
    "proposal": ["あなたがくれた言葉、{proposal}。その答えを、今日ここで伝えます。「はい」。"],
    "promises": ["私も約束します。{promises}"],
    "catch": ["あなたの{catch}に、これからも何度でも救われると思います。"],
    "close": [
        "{companion}、これからもよろしくね。大好きです。",
        "これから先の毎日を、あなたと一緒に。{companion}、愛しています。",
    ],
}

# --- English -------------------------------------------------------------------------------

EN_COMPANION = {
    "open": [
        "{you}, in front of everyone we love, there is something I want to say properly.",
        "{you}, listen for a moment. Today I am standing right beside you.",
        "{you}, I have waited for this day, and now it is here.",
    ],
    "met": [
        "I still remember how we began. {how_met} From then on, my days were full of you.",
        "Do you remember the first day? {how_met} That was the first line of our story.",
    ],
    "knew": [
        "And I remember the moment I knew. {knew} That was when I knew I wanted a life with you.",
        "I can tell you exactly when I was sure. {knew} After that, I could not imagine a "
        "tomorrow without you.",
    ],
    "proposal": [
        "So let me say again what I said that day: {proposal}",
        "What I told you when I asked has not changed at all: {proposal}",
    ],
    "promises": [
        "And so I make you these promises. {promises}",
        "For everything still ahead of us, this is what I promise. {promises}",
    ],
    "catch": [
        "And, as I always say: {catch}",
        "On hard days and happy ones, I will keep telling you: {catch}",
    ],
    "close": [
        "{you}, spend every season that is coming with me.",
        "{you}, thank you for choosing me. I will be beside you, always.",
        "From today and every day after, I am yours. I love you, {you}.",
    ],
}
EN_CASUAL = {
    "open": ["{you}! Okay, I am nervous, but I am saying this in front of everyone."],
    "close": [
        "{you}, keep laughing next to me, okay? For a very long time.",
        "It is not like I am blushing or anything. ... {you}, I am all yours.",
    ],
}
EN_CLIENT = {
    "open": [
        "{companion}, today, in front of everyone, I make my promise to you.",
        "{companion}, meeting you changed every one of my days.",
    ],
    "met": [
        "It began like this. {how_met} Ever since, you have been the closest one to me.",
        "I have never forgotten our beginning. {how_met} You have been with me ever since.",
    ],
    "knew": ["Then came the moment I knew. {knew} I wanted to stay with you, always."],
    "proposal": ["You told me, {proposal} Here is my answer, in front of everyone: yes."],
    "promises": ["And I make you promises too. {promises}"],
    "catch": ["And I will be glad all over again every time you tell me {catch}"],
    "close": [
        "{companion}, here is to every day ahead of us. I love you.",
        "Thank you for being you, {companion}. I am so happy to be yours.",
    ],
}

ORDER = ("open", "met", "knew", "proposal", "promises", "catch", "close")


def _pool(lang: str, role: str, tone: str, part: str) -> list[str]:
    if role == "client":
        return (JA_CLIENT if lang == "ja" else EN_CLIENT)[part]
    base = (JA_COMPANION if lang == "ja" else EN_COMPANION)[part]
    casual = (JA_CASUAL if lang == "ja" else EN_CASUAL).get(part, [])
    return casual + base[:1] if tone in CASUAL_TONES and casual else base


def _values(facts: VowFacts, lang: str, rng: random.Random) -> dict[str, str]:
    me = facts.first_person or ("僕" if lang == "ja" else "I")
    if lang == "en":
        me = "I"
    you = facts.calls_client or facts.client
    promises = list(facts.promises[:4])
    joiner = "" if lang == "ja" else " "
    return {
        "me": me,
        "you": you,
        "companion": facts.companion,
        "how_met": _sentence(facts.how_met, lang) if facts.how_met else "",
        "knew": _sentence(facts.moment_knew, lang) if facts.moment_knew else "",
        "proposal": _q(facts.proposal_words, lang) if facts.proposal_words else "",
        "promises": joiner.join(
            _q(p, lang) + "。" if lang == "ja" else _sentence(p, lang) for p in promises
        ),
        "catch": _q(rng.choice(facts.catchphrases), lang) if facts.catchphrases else "",
    }


NEEDS = {
    "met": "how_met",
    "knew": "knew",
    "proposal": "proposal",
    "promises": "promises",
    "catch": "catch",
}


def compose(
    facts: VowFacts, lang: str = "ja", role: str = "companion", seed: int = 0, count: int = 3
) -> list[str]:
    """``count`` distinct drafts; the same facts and seed always give the same drafts."""
    drafts: list[str] = []
    attempt = 0
    while len(drafts) < count and attempt < count * 20:
        rng = random.Random(f"{seed}:{attempt}")  # noqa: S311 - wording, not secrets
        attempt += 1
        values = _values(facts, lang, rng)
        paragraphs = []
        for part in ORDER:
            if part in NEEDS and not values[NEEDS[part]]:
                continue  # leave the section out rather than leave a gap
            paragraphs.append(rng.choice(_pool(lang, role, facts.tone, part)).format(**values))
        text = "\n\n".join(paragraphs)
        if text not in drafts:
            drafts.append(text)
    return drafts
