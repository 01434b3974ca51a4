"""Vows for a ceremony: drafts as versions, edits, one approved version, and the AI composer
used only with the client's recorded consent."""

from dataclasses import dataclass

from sqlalchemy import func

from wedding.ceremonies.models import Ceremony
from wedding.erasure import ClientScope, eraser, ids, rowcount
from wedding.models import db, utcnow
from wedding.personas.services import persona_card, persona_of, stories_of
from wedding.vows.composer import ComposeError, compose, facts_of
from wedding.vows.llm import Endpoint, LlmError, build_messages, request_drafts
from wedding.vows.models import LANGS, ROLES, LlmConsent, VowAudio, VowComment, VowVersion

MAX_TEXT = 6000
DRAFT_COUNT = 3


class VowError(Exception):
    """A request about vows that cannot be done; the message is for the planner.

    ``missing`` names the questionnaire answers to add (in ``lang``) when there was nothing
    to say."""

    def __init__(self, code: str, missing: list[str] | None = None, lang: str = "") -> None:
        super().__init__(code)
        self.missing = missing or []
        self.lang = lang


def ceremony_facts(ceremony: Ceremony):
    """The composer's facts: the persona and the couple's questionnaire."""
    return facts_of(
        ceremony.companion,
        ceremony.client.display_name,
        stories_of(ceremony.companion.id).values(),
        ceremony.client.full_name,
        ceremony.client.ceremony_role,
    )


@dataclass
class DraftResult:
    versions: list[VowVersion]
    # Why the built-in composer wrote them although the AI composer was asked for:
    # "not_configured", "no_consent", or the endpoint's failure in a few words.
    fallback: str = ""


def endpoint_from_config(config) -> Endpoint | None:
    """The configured AI endpoint (VOWS_LLM_BASE_URL, _MODEL, _API_KEY, _TIMEOUT), if any."""
    base_url = (config.get("VOWS_LLM_BASE_URL") or "").strip()
    model = (config.get("VOWS_LLM_MODEL") or "").strip()
    if not base_url or not model:
        return None
    return Endpoint(
        base_url=base_url,
        model=model,
        api_key=config.get("VOWS_LLM_API_KEY") or "",
        timeout=float(config.get("VOWS_LLM_TIMEOUT", 30)),
    )


def current_consent(client_id: int, endpoint: Endpoint | None) -> LlmConsent | None:
    """The client's standing consent for exactly this provider and model."""
    if endpoint is None:
        return None
    return db.session.scalar(
        db.select(LlmConsent)
        .filter_by(
            client_id=client_id,
            provider=endpoint.base_url,
            model=endpoint.model,
            withdrawn_at=None,
        )
        .order_by(LlmConsent.agreed_at.desc())
        .limit(1)
    )


def record_consent(ceremony: Ceremony, endpoint: Endpoint, agreed_by: str, user_id: int):
    """Record that the client agreed to send their persona and story to this provider."""
    agreed_by = agreed_by.strip()
    if not agreed_by:
        raise VowError("who_agreed")
    consent = LlmConsent(
        org_id=ceremony.org_id,
        client_id=ceremony.client_id,
        provider=endpoint.base_url,
        model=endpoint.model,
        agreed_by=agreed_by[:200],
        agreed_at=utcnow(),
        recorded_by_id=user_id,
    )
    db.session.add(consent)
    return consent


def withdraw_consent(consent: LlmConsent) -> None:
    consent.withdrawn_at = utcnow()


def _require_couple(ceremony: Ceremony) -> None:
    if ceremony.client is None or ceremony.companion is None:
        raise VowError("needs_couple")


def llm_messages(ceremony: Ceremony, lang: str, role: str) -> list[dict]:
    """Exactly what the AI composer would be sent for this ceremony."""
    _require_couple(ceremony)
    facts = ceremony_facts(ceremony)
    who = {
        k: v
        for k, v in persona_of(ceremony.companion).items()
        if k not in ("id", "voice", "description", "backstory")
    }
    return build_messages(
        persona_card(ceremony.companion)["data"], facts, lang, role, persona_fields=who
    )


def _next_number(ceremony_id: int, role: str, lang: str) -> int:
    latest = db.session.scalar(
        db.select(func.max(VowVersion.number)).filter_by(
            ceremony_id=ceremony_id, role=role, lang=lang
        )
    )
    return (latest or 0) + 1


def _check(role: str, lang: str) -> None:
    if role not in ROLES or lang not in LANGS:
        raise VowError("bad_choice")


def draft_vows(
    ceremony: Ceremony,
    lang: str,
    role: str,
    seed: int,
    user_id: int | None,
    endpoint: Endpoint | None = None,
    use_llm: bool = False,
) -> DraftResult:
    """Write three drafts and keep each as a new version (AI composer only with consent)."""
    _check(role, lang)
    _require_couple(ceremony)
    facts = ceremony_facts(ceremony)
    texts: list[str] = []
    fallback = ""
    source, model = "builtin", ""
    if use_llm:
        if endpoint is None:
            fallback = "not_configured"
        elif current_consent(ceremony.client_id, endpoint) is None:
            fallback = "no_consent"
        else:
            messages = llm_messages(ceremony, lang, role)
            try:
                texts = request_drafts(endpoint, messages, lang, DRAFT_COUNT, seed)
                source, model = "llm", endpoint.model
            except LlmError as error:
                fallback = str(error)
    if not texts:
        try:
            texts = compose(facts, lang, role, seed, DRAFT_COUNT)
        except ComposeError as error:
            raise VowError("no_story", error.missing, lang) from None
    return DraftResult(
        save_drafts(ceremony, lang, role, texts, source, model, seed, user_id), fallback
    )


def ai_ready(ceremony: Ceremony, endpoint: Endpoint | None) -> bool:
    """Whether the AI composer may write for this ceremony (configured, and consented to)."""
    return (
        endpoint is not None
        and ceremony.client_id is not None
        and current_consent(ceremony.client_id, endpoint) is not None
    )


def save_drafts(
    ceremony: Ceremony,
    lang: str,
    role: str,
    texts: list[str],
    source: str,
    model: str,
    seed: int,
    user_id: int | None,
) -> list[VowVersion]:
    """Keep each text as the next numbered version."""
    number = _next_number(ceremony.id, role, lang)
    versions = []
    for offset, text in enumerate(texts):
        version = VowVersion(
            org_id=ceremony.org_id,
            ceremony_id=ceremony.id,
            role=role,
            lang=lang,
            number=number + offset,
            text=text,
            source=source,
            seed=seed if source == "builtin" else None,
            model=model,
            created_by_id=user_id,
        )
        db.session.add(version)
        versions.append(version)
    db.session.flush()
    return versions


def clean_text(text: str) -> str:
    """Vow text as typed, with line endings made plain; VowError when empty or too long."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise VowError("empty")
    if len(text) > MAX_TEXT:
        raise VowError("too_long")
    return text


def edit_vow(version: VowVersion, text: str, user_id: int | None) -> VowVersion:
    """A planner's edit becomes a new version; the old one stays as it was."""
    text = clean_text(text)
    edited = VowVersion(
        org_id=version.org_id,
        ceremony_id=version.ceremony_id,
        role=version.role,
        lang=version.lang,
        number=_next_number(version.ceremony_id, version.role, version.lang),
        text=text,
        source="edited",
        based_on=version.number,
        created_by_id=user_id,
    )
    db.session.add(edited)
    db.session.flush()
    return edited


def approve_vow(version: VowVersion, approved_by: str) -> None:
    """Mark this version as the one that prints; any other approval for it is lifted."""
    others = db.session.scalars(
        db.select(VowVersion).where(
            VowVersion.ceremony_id == version.ceremony_id,
            VowVersion.role == version.role,
            VowVersion.lang == version.lang,
            VowVersion.approved_at.is_not(None),
            VowVersion.id != version.id,
        )
    )
    for other in others:
        other.approved_at, other.approved_by = None, ""
    db.session.flush()
    version.approved_at, version.approved_by = utcnow(), approved_by
    version.shared_at = version.shared_at or version.approved_at


def share_vow(version: VowVersion) -> None:
    """Let the client see this version in the portal."""
    version.shared_at = version.shared_at or utcnow()


def unshare_vow(version: VowVersion) -> None:
    """Take a version back out of the portal (an approved one stays visible)."""
    version.shared_at = None


def visible_to_client(ceremony_id: int) -> list[VowVersion]:
    """What the portal shows: shared versions and the approved ones, newest first."""
    return list(
        db.session.scalars(
            db.select(VowVersion)
            .where(
                VowVersion.ceremony_id == ceremony_id,
                (VowVersion.shared_at.is_not(None)) | (VowVersion.approved_at.is_not(None)),
            )
            .order_by(VowVersion.created_at.desc(), VowVersion.id.desc())
        )
    )


def versions_of(ceremony_id: int) -> dict[tuple[str, str], list[VowVersion]]:
    """Every version of a ceremony's vows by (role, lang), newest first."""
    grouped: dict[tuple[str, str], list[VowVersion]] = {}
    rows = db.session.scalars(
        db.select(VowVersion)
        .filter_by(ceremony_id=ceremony_id)
        .order_by(VowVersion.role, VowVersion.lang, VowVersion.number.desc())
    )
    for row in rows:
        grouped.setdefault((row.role, row.lang), []).append(row)
    return grouped


def version_count(ceremony_id: int) -> int:
    """How many versions a ceremony's vows have (counted, not loaded)."""
    return db.session.scalar(
        db.select(func.count(VowVersion.id)).where(VowVersion.ceremony_id == ceremony_id)
    )


def approved_vows(ceremony_id: int) -> dict[tuple[str, str], VowVersion]:
    """The approved version for each (role, lang) that has one: what the documents print."""
    rows = db.session.scalars(
        db.select(VowVersion).where(
            VowVersion.ceremony_id == ceremony_id, VowVersion.approved_at.is_not(None)
        )
    )
    return {(row.role, row.lang): row for row in rows}


def comments_for(ceremony_id: int) -> dict[int, list[VowComment]]:
    """Comments on a ceremony's vow versions, by version id, oldest first."""
    grouped: dict[int, list[VowComment]] = {}
    for note in db.session.scalars(
        db.select(VowComment).filter_by(ceremony_id=ceremony_id).order_by(VowComment.id)
    ):
        grouped.setdefault(note.version_id, []).append(note)
    return grouped


@eraser(order=10)
def erase_vows(scope: ClientScope) -> dict[str, int]:
    """Erasure: every vow version and comment of the client's ceremonies, and their consents."""
    in_ceremonies = VowVersion.ceremony_id.in_(scope.ceremony_ids)
    versions = db.select(VowVersion.id).where(in_ceremonies)
    scope.files |= ids(db.select(VowAudio.file_id).where(VowAudio.version_id.in_(versions)))
    return {
        "vow_audio": rowcount(db.delete(VowAudio).where(VowAudio.version_id.in_(versions))),
        "vow_comments": rowcount(
            db.delete(VowComment).where(VowComment.ceremony_id.in_(scope.ceremony_ids))
        ),
        "vow_versions": rowcount(db.delete(VowVersion).where(in_ceremonies)),
        "llm_consents": rowcount(
            db.delete(LlmConsent).where(LlmConsent.client_id == scope.client_id)
        ),
    }
