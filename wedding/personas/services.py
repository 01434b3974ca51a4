"""Rules for companions: keeping a persona, importing it from a card, exporting it as one."""

import json

from wedding.ceremonies.models import Ceremony
from wedding.erasure import ClientScope, eraser, ids, rowcount
from wedding.i18n import lazy_gettext as _l
from wedding.inputs import clean_json, clean_text, is_blank
from wedding.models import db
from wedding.personas.cards import CardError, ParsedCard, read_any, write_card_png
from wedding.personas.mapping import has_japanese, has_usable_text, map_persona
from wedding.personas.models import Companion, CoupleStory, PendingImport
from wedding.personas.readings import ReadingError, parse_readings
from wedding.storage.models import StoredFile
from wedding.storage.services import sniff_image_type, store

# The persona fields that travel inside an exported card, under extensions.nijigen_wedding.
PERSONA_FIELDS = (
    "nickname",
    "first_person",
    "tone",
    "catchphrases",
    "calls_client",
    "traits",
    "appearance",
    "pronouns",
    "backstory",
    "voice_samples",
    "how_met",
    "moment_knew",
    "proposal_words",
    "promises",
    "origin",
    "platform",
    "artwork_printable",
    "presence",
    "height_cm",
    "voice",
    "voice_pitch",
    "voice_speed",
    "spoken_readings",
)
EXTENSION = "nijigen_wedding"


class CompanionError(Exception):
    """A companion change breaks a rule; ``field`` names the form field to show it on."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field


def update_companion(companion: Companion, fields: dict) -> Companion:
    """Apply edits; a companion already in a ceremony keeps its client."""
    new_client = fields.get("client_id", companion.client_id)
    if new_client != companion.client_id:
        in_use = db.session.scalar(
            db.select(Ceremony.id).where(Ceremony.companion_id == companion.id).limit(1)
        )
        if in_use is not None:
            raise CompanionError(
                "client_id",
                _l("This companion is part of a ceremony, so their client cannot change."),
            )
    for name, value in fields.items():
        setattr(companion, name, value)
    db.session.flush()
    return companion


def set_portrait(companion: Companion, data: bytes, filename: str = "") -> StoredFile:
    """Keep a (checked) picture as the companion's portrait."""
    kind = sniff_image_type(data) or "application/octet-stream"
    stored = store(companion.org_id, data, kind, filename)
    companion.portrait_id = stored.id
    forget_cutout(companion)  # it was made from the old portrait
    return stored


def forget_cutout(companion: Companion) -> None:
    """Drop the companion's cut-out and its stored file, in the caller's transaction."""
    old = companion.cutout_id
    companion.cutout_id, companion.cutout_state = None, ""
    if old:
        db.session.flush()  # the reference goes first (foreign key)
        db.session.execute(db.delete(StoredFile).where(StoredFile.id == old))


def stage_import(
    org_id: int, client_id: int, companion_id: int | None, parsed: ParsedCard, filename: str
) -> PendingImport:
    """Keep what was read until the planner confirms the preview (no persona changes yet)."""
    pending = PendingImport(
        org_id=org_id,
        client_id=client_id,
        companion_id=companion_id,
        source=parsed.source,
        card_json=json.dumps(clean_json(parsed.card), ensure_ascii=False),
        original=(parsed.original or b"").decode("utf-8", errors="replace"),
        filename=clean_text(filename)[:255],
    )
    if parsed.portrait:
        pending.portrait_id = store(
            org_id, parsed.portrait, sniff_image_type(parsed.portrait) or "image/png", filename
        ).id
    db.session.add(pending)
    db.session.flush()
    return pending


# The fields the import preview shows, each editable before saving.
PREVIEW_FIELDS = (
    "name",
    "nickname",
    "pronouns",
    "first_person",
    "calls_client",
    "tone",
    "traits",
    "appearance",
    "description",
    "backstory",
    "catchphrases",
    "voice_samples",
)


def fields_from_card(card: dict, source: str, client_name: str = "") -> dict:
    """Who the card says the character is, in our fields (lists as one item a line)."""
    data = card["data"]
    ours = data.get("extensions", {}).get(EXTENSION)
    persona = map_persona(data, client_name)
    fields = {
        "name": persona.name,
        "nickname": persona.nickname,
        "pronouns": persona.pronouns,
        "first_person": persona.first_person,
        "calls_client": persona.calls_client,
        "tone": persona.tone,
        "traits": "\n".join(persona.traits),
        "appearance": "\n".join(persona.appearance),
        "description": persona.description,
        "backstory": persona.backstory,
        "catchphrases": "\n".join(persona.catchphrases),
        "voice_samples": "\n\n".join(persona.speech_samples),
        "origin": "sillytavern",
        "platform": "",
    }
    if source == "chatgpt":
        fields.update(origin="ai_platform", platform="ChatGPT")
    if isinstance(ours, dict):  # our own export: everything comes back as it was
        fields.update({k: ours[k] for k in PERSONA_FIELDS if _acceptable(k, ours.get(k))})
    if not has_usable_text(persona) and not isinstance(ours, dict):
        fields["_unusable"] = True
    # A card is typed input too: the same cleaning as a form (no NUL for PostgreSQL, NFC).
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in fields.items()}


# What our own extension may carry back in: anything else in a card (edited by hand, or made
# to hurt) is ignored rather than allowed to break a database rule.
CHOICES = {
    "tone": ("gentle", "playful", "formal", "tsundere", "poetic", "cool", "cheerful"),
    "origin": ("original", "licensed", "ai_platform", "sillytavern", "other"),
    "presence": ("ar_glasses", "panel", "phone", "plush", "screen", "other"),
    "pronouns": ("", "she", "he", "they"),
}
SHORT_FIELDS = {"nickname": 200, "first_person": 20, "calls_client": 100, "platform": 100}
SHORT_FIELDS |= {"voice": 40}


def _acceptable(name: str, value) -> bool:
    if name in CHOICES:
        return value in CHOICES[name]
    if name == "artwork_printable":
        return isinstance(value, bool)
    if name == "spoken_readings":
        try:
            parse_readings(value if isinstance(value, str) and len(value) <= 5000 else "=")
        except ReadingError:
            return False
        return True
    if name in ("height_cm", "voice_pitch", "voice_speed"):
        low, high = {"height_cm": (30, 300), "voice_pitch": (-12, 12)}.get(name, (50, 200))
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return isinstance(value, str) and len(value) <= SHORT_FIELDS.get(name, 100_000)


def confirm_import(
    pending: PendingImport, companion: Companion | None, edits: dict | None = None
) -> Companion:
    """Apply a previewed import to a companion (a new one when None), with the planner's
    corrections to the mapped fields (``edits``) taking precedence."""
    card = json.loads(pending.card_json)
    fields = fields_from_card(card, pending.source)
    if fields.pop("_unusable", False) and not edits:
        raise CompanionError("card", _l("This card says nothing about who the character is."))
    for name, value in (edits or {}).items():
        if name in PREVIEW_FIELDS and _acceptable(name, value):
            fields[name] = value
    if companion is None:
        companion = Companion(org_id=pending.org_id, client_id=pending.client_id, name="")
        db.session.add(companion)
    if is_blank(fields["name"]):
        fields.pop("name")
    for name, value in fields.items():
        setattr(companion, name, value)
    if is_blank(companion.name):
        card_name = card["data"].get("name")
        card_name = clean_text(card_name) if isinstance(card_name, str) else ""
        companion.name = "?" if is_blank(card_name) else card_name
    companion.card_json = pending.original or pending.card_json
    companion.card_source = pending.source
    if pending.portrait_id and pending.portrait_id != companion.portrait_id:
        companion.portrait_id = pending.portrait_id
        forget_cutout(companion)
    db.session.delete(pending)
    db.session.flush()
    return companion


def persona_card(companion: Companion) -> dict:
    """The persona as a chara_card_v3, keeping whatever the imported card carried."""
    base: dict = {}
    if companion.card_json:
        try:
            loaded = json.loads(companion.card_json)
        except ValueError:
            loaded = {}
        if isinstance(loaded, dict):
            base = loaded.get("data", loaded) if isinstance(loaded.get("data"), dict) else loaded
    extensions = dict(base.get("extensions") or {})
    extensions[EXTENSION] = {name: getattr(companion, name) for name in PERSONA_FIELDS}
    data = {
        **base,
        "name": companion.name,
        "nickname": companion.nickname,
        "description": companion.description,
        "personality": companion.traits,
        "scenario": companion.backstory,
        "first_mes": base.get("first_mes", ""),
        "mes_example": base.get("mes_example", ""),
        "tags": base.get("tags", []),
        "alternate_greetings": base.get("alternate_greetings", []),
        "group_only_greetings": base.get("group_only_greetings", []),
        "extensions": extensions,
    }
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}


def card_png(companion: Companion) -> bytes:
    """The persona as a character card PNG: its portrait (or a plain frame) with chara + ccv3."""
    portrait = db.session.get(StoredFile, companion.portrait_id) if companion.portrait_id else None
    return write_card_png(persona_card(companion), portrait.data if portrait else None)


def import_card(org_id: int, client_id: int, data: bytes, filename: str = "") -> Companion:
    """Read a card or ChatGPT export and save it as a new companion, without a preview."""
    try:
        parsed = read_any(data)
    except CardError as error:
        raise CompanionError("card", str(error)) from None
    pending = stage_import(org_id, client_id, None, parsed, filename)
    return confirm_import(pending, None)


def persona_of(companion: Companion) -> dict:
    """The persona as plain data (`flask persona show --json`)."""
    return {
        "id": companion.id,
        "name": companion.name,
        "nickname": companion.nickname,
        "pronouns": companion.pronouns,
        "first_person": companion.first_person,
        "calls_client": companion.calls_client,
        "tone": companion.tone,
        "traits": _list(companion.traits),
        "appearance": _list(companion.appearance),
        "description": companion.description,
        "backstory": companion.backstory,
        "catchphrases": _list(companion.catchphrases),
        "speech_samples": [s.strip() for s in companion.voice_samples.split("\n\n") if s.strip()],
        "voice": {
            "voice": companion.voice,
            "pitch": companion.voice_pitch,
            "speed": companion.voice_speed,
        },
    }


def _list(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


STORY_FIELDS = (
    "how_met",
    "client_calls_companion",
    "companion_calls_client",
    "moment_knew",
    "proposal_words",
    "promises",
    "for_guests",
)
# What the vows tell from the story (the names the couple call each other may be in any script).
STORY_TOLD = ("how_met", "moment_knew", "proposal_words", "promises", "for_guests")
STORY_ELSEWHERE = {
    "ja": _l(
        "Saved. There is no Japanese in these answers, and the Japanese vows are made from this "
        "page's answers: please enter answers in English on the English page."
    ),
    "en": _l(
        "Saved. The English vows leave out answers with Japanese in them: please write them in "
        "English here, or enter them on the Japanese page."
    ),
}


def story_language_warning(lang: str, answers: dict):
    """What to tell whoever saved a story the vows of its page's language cannot tell (an
    English planner's answers on the Japanese page made Japanese vows of English words; an
    answer on the English page with any Japanese in it is left out of the English vows), or
    None. Judged as the composer judges (has_japanese)."""
    told = [str(answers.get(name) or "") for name in STORY_TOLD]
    if lang == "en":
        elsewhere = any(has_japanese(text) for text in told)
    else:
        elsewhere = any(c.isalpha() for c in "".join(told)) and not any(map(has_japanese, told))
    return STORY_ELSEWHERE[lang] if elsewhere else None


def stories_of(companion_id: int) -> dict[str, CoupleStory]:
    """The couple's questionnaire by language."""
    rows = db.session.scalars(db.select(CoupleStory).filter_by(companion_id=companion_id))
    return {row.lang: row for row in rows}


def save_story(companion: Companion, lang: str, answers: dict, by: str) -> CoupleStory:
    """Keep the couple's answers in one language (the client in the portal, or the planner)."""
    if lang not in ("ja", "en"):
        raise CompanionError("lang", _l("Japanese or English."))
    story = stories_of(companion.id).get(lang)
    if story is None:
        story = CoupleStory(org_id=companion.org_id, companion_id=companion.id, lang=lang)
        db.session.add(story)
    for name in STORY_FIELDS:
        if name in answers:
            setattr(story, name, (answers[name] or "").strip())
    story.updated_by = by[:50]
    db.session.flush()
    return story


@eraser(order=60)
def erase_companions(scope: ClientScope) -> dict[str, int]:
    """Erasure: the client's companions and pending imports, with their portraits."""
    scope.files |= ids(
        db.select(Companion.portrait_id).where(Companion.id.in_(scope.companion_ids))
    )
    scope.files |= ids(db.select(Companion.cutout_id).where(Companion.id.in_(scope.companion_ids)))
    scope.files |= ids(
        db.select(PendingImport.portrait_id).where(PendingImport.client_id == scope.client_id)
    )
    return {
        "couple_stories": rowcount(
            db.delete(CoupleStory).where(CoupleStory.companion_id.in_(scope.companion_ids))
        ),
        "pending_imports": rowcount(
            db.delete(PendingImport).where(PendingImport.client_id == scope.client_id)
        ),
        "companions": rowcount(db.delete(Companion).where(Companion.id.in_(scope.companion_ids))),
    }
