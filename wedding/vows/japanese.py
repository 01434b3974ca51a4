"""Japanese grammar for the composer: a fact as a clause we can conjugate and speak from either
side. Pure; the morphological analyser is MeCab (fugashi) with UniDic-lite, both installed from
PyPI with their dictionary (nothing is downloaded at run time).

MeCab tells us what each word is (verb, its conjugation type and form, particles, proper nouns);
the few rules built on it here (polite and て forms, turning "くれた" when the giver becomes the
speaker, swapping names for pronouns) are ours because no library conjugates or turns a clause.
"""

import unicodedata
from dataclasses import dataclass
from functools import cache

import fugashi

HONORIFICS = ("さん", "くん", "君", "ちゃん", "様", "さま", "たん", "氏")
CLIENT_PRONOUNS = ("私", "わたし", "あたし", "僕", "ぼく", "俺", "おれ", "うち", "わたくし")
END_PUNCTUATION = '。．.！!？?」』"”'
# Nouns of time that head a "when" clause: 「…とき」 is said 「…ときのことでした」.
WHEN = frozenset({"とき", "時", "瞬間", "頃", "ころ", "際"})
# Nouns of time: UniDic calls them 副詞可能 (used as adverbs), as it does すべて, ため, ところ,
# which are not times (…すべて、私の心は決まりました): only these are.
TIMES = WHEN | {"日", "夜", "朝", "晩", "昼", "夕方", "夕暮れ", "午後", "午前", "夜明け", "日々"}
TIMES |= {"春", "夏", "秋", "冬", "季節", "週末", "休日", "放課後", "今日", "昨日"}
# Joiners and presentation marks of emoji sequences (👩‍❤️‍👨, 1️⃣), dropped with them.
EMOJI_JOINERS = frozenset("\u200d\ufe0e\ufe0f\u20e3")
# masu-stem (連用形) ending of a godan verb, by the row of its dictionary ending
GODAN_I = {"く": "き", "ぐ": "ぎ", "す": "し", "つ": "ち", "ぬ": "に", "ぶ": "び", "む": "み"}
GODAN_I |= {"る": "り", "う": "い"}
GODAN_TE = {"く": "いて", "ぐ": "いで", "す": "して", "つ": "って", "ぬ": "んで", "ぶ": "んで"}
GODAN_TE |= {"む": "んで", "る": "って", "う": "って"}


@cache
def tagger() -> fugashi.Tagger:
    """One analyser per process (loading UniDic-lite takes a few milliseconds)."""
    return fugashi.Tagger()


@dataclass
class Word:
    surface: str
    pos: str
    pos2: str
    ctype: str
    cform: str
    base: str
    # Written before it: "蒼井 レイ" keeps its space, a name in Latin letters its own.
    space: str = ""
    pos3: str = ""  # 副詞可能 for a noun that can be an adverb (とき, 夜, すべて)

    @property
    def is_verb(self) -> bool:
        return self.pos == "動詞"


def words(text: str) -> list[Word]:
    out = []
    for token in tagger()(text):
        f = token.feature
        out.append(
            Word(
                token.surface,
                f.pos1 or "",
                f.pos2 or "",
                f.cType or "",
                f.cForm or "",
                f.orthBase or token.surface,
                token.white_space,
                f.pos3 or "",
            )
        )
    return out


def _join(ws: list[Word]) -> str:
    return "".join(w.space + w.surface for w in ws).strip()


def masu_stem(verb: Word) -> str:
    """食べる → 食べ, 拾う → 拾い, 勉強する → し, 来る → 来."""
    base = verb.base
    if verb.ctype.startswith("サ行変格"):
        return base[:-2] + "し" if base.endswith("する") else base[:-1] + "し"
    if verb.ctype.startswith("カ行変格"):
        return base[:-1] if base.endswith("る") else "き"
    if verb.ctype.startswith("五段"):
        return base[:-1] + GODAN_I.get(base[-1:], "い")
    return base[:-1]  # ichidan: drop る


def te_form(verb: Word) -> str:
    """The て form of a verb from its dictionary form."""
    base = verb.base
    if verb.ctype.startswith("サ行変格"):
        return masu_stem(verb) + "て"
    if verb.ctype.startswith("カ行変格"):
        return masu_stem(verb) + "て"
    if verb.ctype.startswith("五段"):
        if base.endswith(("行く", "いく")):
            return base[:-1] + "って"
        return base[:-1] + GODAN_TE.get(base[-1:], "って")
    return base[:-1] + "て"


@dataclass
class Clause:
    """A fact as words, with its final predicate reachable for conjugation."""

    ws: list[Word]

    @property
    def text(self) -> str:
        return _join(self.ws)

    def _split(self) -> tuple[list[Word], list[Word], str]:
        """(everything before the predicate, the predicate, its kind)."""
        ws = self.ws
        if not ws:
            return [], [], "empty"
        last = ws[-1]
        if last.base == "た" and last.pos == "助動詞" and len(ws) >= 2:
            prev = ws[-2]
            if prev.base == "ます" and len(ws) >= 3:
                return ws[:-3], ws[-3:], "polite_past"
            if prev.base == "だ":
                return ws[:-2], ws[-2:], "copula_past"
            if prev.base == "ない":
                return ws[:-2], ws[-2:], "negative_past"
            if prev.pos == "形容詞":
                return ws[:-2], ws[-2:], "adjective_past"
            if prev.is_verb:
                return ws[:-2], ws[-2:], "verb_past"
            return ws[:-1], ws[-1:], "other"
        if last.base == "ない" and last.pos == "助動詞" and len(ws) >= 2 and ws[-2].is_verb:
            return ws[:-2], ws[-2:], "negative"
        if last.base == "ます" and len(ws) >= 2 and ws[-2].is_verb:
            return ws[:-2], ws[-2:], "polite"
        if last.is_verb and last.cform.startswith("終止形"):
            return ws[:-1], [last], "verb"
        if last.pos == "形容詞" and last.cform.startswith(("終止形", "連体形")):
            return ws[:-1], [last], "adjective"
        if last.base in ("だ", "です") and last.pos == "助動詞":
            return ws[:-1], [last], "copula"
        if last.pos == "名詞" and last.pos3 == "副詞可能" and last.surface in TIMES:
            return ws, [], "time"  # …聞いてくれたとき, 夏祭りの夜: a when, not a what
        if last.pos in ("名詞", "代名詞") or last.pos2 in ("普通名詞", "固有名詞"):
            return ws, [], "noun"
        return ws, [], "other"

    def plain(self) -> str:
        """As written, in the plain form (だった for a bare noun phrase)."""
        head, pred, kind = self._split()
        if kind == "noun":
            return self.text + "だった"
        if kind == "time":  # 気づいたのは、…とき、あのときです
            return self.text
        if kind in ("polite_past", "polite"):
            verb = pred[0]
            return _join(head) + (
                verb.base if kind == "polite" else te_form(verb)[:-1] + _ta(te_form(verb))
            )
        return self.text

    def polite(self) -> str:
        """です・ます: 拾った → 拾いました, 嬉しかった → 嬉しかったです, 夜だった → 夜でした."""
        head, pred, kind = self._split()
        h = _join(head)
        if kind == "verb_past":
            return h + masu_stem(pred[0]) + "ました"
        if kind == "verb":
            return h + masu_stem(pred[0]) + "ます"
        if kind == "copula_past":
            return h + "でした"
        if kind == "copula":
            return h + "です"
        if kind == "negative":
            return h + masu_stem(pred[0]) + "ません"
        if kind == "negative_past" and head and head[-1].is_verb:
            return _join(head[:-1]) + masu_stem(head[-1]) + "ませんでした"
        if kind in ("adjective_past", "adjective", "negative_past"):
            return self.text + "です"
        if kind == "noun":
            return self.text + "でした"
        if kind == "time":  # …聞いてくれたときのことでした; 夏祭りの夜でした
            return self.text + ("のことでした" if self.ws[-1].surface in WHEN else "でした")
        return self.text

    def te(self) -> str:
        """Joined to what follows: 拾った → 拾って, 嬉しかった → 嬉しくて, 夜だった → 夜で."""
        head, pred, kind = self._split()
        h = _join(head)
        if kind in ("verb_past", "polite_past", "verb", "polite"):
            return h + te_form(pred[0])
        if kind == "copula_past" or kind == "copula":
            return h + "で"
        if kind in ("adjective_past", "adjective"):
            adjective = pred[0]
            return h + adjective.base[:-1] + "くて"
        if kind == "negative_past" and head:
            return _join(head) + "なくて"
        if kind == "negative":
            return h + pred[0].surface + "なくて"
        if kind == "noun":
            return self.text + "で"
        # A when (…とき、私の心は決まりました), or a clause that ends otherwise (図書館で):
        # as written; the sentence around it puts its own 、 after it.
        return self.text

    def koto(self) -> str:
        """As a thing promised: 言う → 言うこと."""
        head, pred, kind = self._split()
        if kind == "polite":
            return _join(head) + pred[0].base + "こと"
        if kind in ("verb", "adjective", "negative"):
            return self.text + "こと"
        if kind in ("noun", "time"):
            return self.text + "を大切にすること"
        return self.text + "こと"


def _ta(te: str) -> str:
    return "だ" if te.endswith("で") else "た"


SECOND_PERSONS = ("あなた", "きみ", "君", "お前", "おまえ", "あんた", "貴方")


def one_second_person(text: str, you: str) -> str:
    """Every second-person pronoun in the text as ``you`` (one form per vow)."""
    return "".join(
        w.space + (you if w.pos == "代名詞" and w.surface in SECOND_PERSONS else w.surface)
        for w in words(text)
    ).strip()


def _is_pictograph(c: str) -> bool:
    """Emoji and symbols (🌙, ♡, skin tones), not letters or punctuation."""
    return unicodedata.category(c) in ("So", "Sk") or c in EMOJI_JOINERS


def without_pictographs(text: str) -> str:
    """The text without emoji and symbols, its spaces tidied: あかり🌸 → あかり."""
    return " ".join("".join(c for c in text or "" if not _is_pictograph(c)).split())


def clean_fact(text: str) -> str:
    """One line of a fact without quotes or its closing stop."""
    text = " ".join((text or "").split())
    text = text.strip().strip('「」『』“”"').strip()
    while text and text[-1] in END_PUNCTUATION:
        text = text[:-1].rstrip()
    return text


def _spelled(names) -> frozenset[str]:
    """Names as the analyser's words spell them: spaces aside (it reads "蒼井 レイ" and
    "蒼井レイ" alike as 蒼井 + レイ)."""
    return frozenset("".join(name.split()) for name in names)


def _name_at(ws: list[Word], i: int, spelled: frozenset[str]) -> int:
    """How many words from ``i`` on spell one of the names (``_spelled``), the longest; 0 if
    none does."""
    longest = max(map(len, spelled), default=0)
    text, found = "", 0
    for j in range(i, len(ws)):
        text += ws[j].surface
        if len(text) > longest:
            break
        if text in spelled:
            found = j - i + 1
    return found


def turn(
    text: str,
    speaker_names: tuple[str, ...],
    addressee_names: tuple[str, ...],
    me: str,
    you: str,
    client_is_speaker: bool,
) -> Clause:
    """A fact told by the speaker: their own names become ``me``, the other's ``you``.

    Answers are written by the client, so a first-person pronoun in them ("私") is the client;
    unless the line also names the client ("僕が美咲に話しかけた", written in the companion's
    voice): then it is the companion. When the one who did something becomes the speaker,
    "…てくれた" (done for the speaker) becomes "…た": "レンが話しかけてくれた" in Ren's own vows
    is "僕が話しかけた"."""
    ws = words(clean_fact(text))
    # A family name both share (佐藤 美咲 and 佐藤 レン) is neither of them alone.
    shared = set(speaker_names) & set(addressee_names)
    speaker = _spelled(n for n in speaker_names if n not in shared)
    addressee = _spelled(n for n in addressee_names if n not in shared)
    client_names = speaker if client_is_speaker else addressee
    pronoun_is_client = not any(_name_at(ws, i, client_names) for i in range(len(ws)))
    out: list[Word] = []
    subject_is_speaker = False
    i = 0
    while i < len(ws):
        w = ws[i]
        role, end = "", i + 1
        mine, yours = _name_at(ws, i, speaker), _name_at(ws, i, addressee)
        if mine or yours:  # the longer name is the person: 佐藤 レン, not 佐藤
            role, end = ("me", i + mine) if mine >= yours else ("you", i + yours)
        elif w.pos == "代名詞" and w.surface in CLIENT_PRONOUNS:
            role = "me" if client_is_speaker == pronoun_is_client else "you"
        if role:
            out.append(Word(me if role == "me" else you, "代名詞", "", "", "", ""))
            i = end
            if i < len(ws) and ws[i].surface in HONORIFICS:
                i += 1  # 美咲さん → あなた
            if i < len(ws) and ws[i].surface in ("が", "は"):
                subject_is_speaker = role == "me"
            continue
        if (
            subject_is_speaker
            and w.surface in ("て", "で")
            and i + 1 < len(ws)
            and ws[i + 1].base == "くれる"
        ):
            after = ws[i + 2 :]
            if after and after[0].base == "た":  # 拾ってくれた → 拾った, 読んでくれた → 読んだ
                out.append(Word("だ" if w.surface == "で" else "た", "助動詞", "", "", "", "た"))
                i += 3
                continue
            if after and after[0].base == "ます":  # 話しかけてくれました → 話しかけました
                i += 2
                continue
            if out and out[-1].is_verb:  # 来てくれる → 来る
                verb = out.pop()
                out.append(Word(verb.base, "動詞", "", verb.ctype, "終止形-一般", verb.base))
                i += 2
                continue
        out.append(w)
        i += 1
    # Emoji go once the names (which may hold them: あかり🌸, 🌙) are found: they are not read
    # aloud, and one at the end stood where the clause's verb should be (…聞いてくれた 🌙 gave
    # 「聞いた 🌙、、」).
    out = [w for w in out if without_pictographs(w.surface)]
    while out and out[-1].surface and all(c in END_PUNCTUATION + "、，," for c in out[-1].surface):
        out.pop()
    return Clause(out)
