"""Rules for companions: keeping a persona, importing it from a card, exporting it as one."""

import json

from flask_babel import lazy_gettext as _l

from wedding.ceremonies.models import Ceremony
from wedding.erasure import ClientScope, eraser, ids, rowcount
from wedding.models import db
from wedding.personas.cards import ParsedCard, write_card_png
from wedding.personas.models import Companion, PendingImport
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
    return stored


def stage_import(
    org_id: int, client_id: int, companion_id: int | None, parsed: ParsedCard, filename: str
) -> PendingImport:
    """Keep what was read until the planner confirms the preview (no persona changes yet)."""
    pending = PendingImport(
        org_id=org_id,
        client_id=client_id,
        companion_id=companion_id,
        source=parsed.source,
        card_json=json.dumps(parsed.card, ensure_ascii=False),
        original=(parsed.original or b"").decode("utf-8", errors="replace"),
        filename=filename[:255],
    )
    if parsed.portrait:
        pending.portrait_id = store(
            org_id, parsed.portrait, sniff_image_type(parsed.portrait) or "image/png", filename
        ).id
    db.session.add(pending)
    db.session.flush()
    return pending


def fields_from_card(card: dict, source: str) -> dict:
    """What a card says about the persona, in our fields."""
    data = card["data"]
    ours = data.get("extensions", {}).get(EXTENSION)
    fields = {
        "name": data.get("name", ""),
        "nickname": data.get("nickname", ""),
        "description": data.get("description", ""),
        "traits": data.get("personality", ""),
        "backstory": data.get("scenario", ""),
        "voice_samples": data.get("first_mes", ""),
        "origin": "sillytavern",
        "platform": "",
    }
    chatgpt = data.get("extensions", {}).get("chatgpt_export")
    if source == "chatgpt" and isinstance(chatgpt, dict):
        fields.update(
            name="",
            origin="ai_platform",
            platform="ChatGPT",
            voice_samples="\n\n".join(chatgpt.get("voice_samples") or []),
        )
    if isinstance(ours, dict):  # our own export: everything comes back as it was
        fields.update({k: ours[k] for k in PERSONA_FIELDS if _acceptable(k, ours.get(k))})
    return fields


# What our own extension may carry back in: anything else in a card (edited by hand, or made
# to hurt) is ignored rather than allowed to break a database rule.
CHOICES = {
    "tone": ("gentle", "playful", "formal", "tsundere", "poetic", "cool", "cheerful"),
    "origin": ("original", "licensed", "ai_platform", "sillytavern", "other"),
    "presence": ("ar_glasses", "panel", "phone", "plush", "screen", "other"),
}
SHORT_FIELDS = {"nickname": 200, "first_person": 20, "calls_client": 100, "platform": 100}


def _acceptable(name: str, value) -> bool:
    if name in CHOICES:
        return value in CHOICES[name]
    if name == "artwork_printable":
        return isinstance(value, bool)
    if name == "height_cm":
        return isinstance(value, int) and not isinstance(value, bool) and 30 <= value <= 300
    return isinstance(value, str) and len(value) <= SHORT_FIELDS.get(name, 100_000)


def confirm_import(pending: PendingImport, companion: Companion | None) -> Companion:
    """Apply a previewed import to a companion (a new one when None)."""
    card = json.loads(pending.card_json)
    fields = fields_from_card(card, pending.source)
    if companion is None:
        companion = Companion(org_id=pending.org_id, client_id=pending.client_id, name="")
        db.session.add(companion)
    if not fields["name"]:
        fields.pop("name")
    for name, value in fields.items():
        setattr(companion, name, value)
    if not companion.name:
        companion.name = card["data"].get("name") or "?"
    companion.card_json = pending.original or pending.card_json
    companion.card_source = pending.source
    if pending.portrait_id:
        companion.portrait_id = pending.portrait_id
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


@eraser(order=60)
def erase_companions(scope: ClientScope) -> dict[str, int]:
    """Erasure: the client's companions and pending imports, with their portraits."""
    scope.files |= ids(
        db.select(Companion.portrait_id).where(Companion.id.in_(scope.companion_ids))
    )
    scope.files |= ids(
        db.select(PendingImport.portrait_id).where(PendingImport.client_id == scope.client_id)
    )
    return {
        "pending_imports": rowcount(
            db.delete(PendingImport).where(PendingImport.client_id == scope.client_id)
        ),
        "companions": rowcount(db.delete(Companion).where(Companion.id.in_(scope.companion_ids))),
    }
