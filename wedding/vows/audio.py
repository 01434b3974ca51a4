"""The companion's voice: vow versions spoken aloud in the background, with the client's consent.

`request_audio` (a service: no commit) queues a recording and its job; `synthesize_vows(audio_id)`
is the background job (wedding.jobs) that speaks it. A recording is either done with its whole
WAV file, or it has no file at all (queued, running, failed): the database refuses anything else.
"""

from wedding.ceremonies.models import Ceremony
from wedding.erasure import ClientScope, eraser, ids
from wedding.jobs import enqueue, report_progress, task
from wedding.models import db, utcnow
from wedding.personas.mapping import has_japanese
from wedding.personas.models import Companion
from wedding.personas.readings import Reading, ReadingError, parse_readings
from wedding.personas.services import stories_of
from wedding.storage.models import StoredFile
from wedding.storage.services import store
from wedding.vows.composer import en_voice, facts_of, given_name, ja_voice, name_forms
from wedding.vows.japanese import HONORIFICS
from wedding.vows.models import LlmConsent, VowAudio, VowVersion
from wedding.vows.speech import (
    SpeechError,
    VoiceSettings,
    heard,
    readings_digest,
    say_as,
    speak,
    spelled_out,
    spoken,
)

# Voice synthesis runs on our own machine; the consent names it like an AI provider.
VOICE_PROVIDER = "voice:offline"
VOICE_MODEL = "pyopenjtalk-plus / espeak-ng"


class AudioError(Exception):
    """A recording cannot be made; the message is a code for the page."""


def voice_of(companion: Companion) -> VoiceSettings:
    return VoiceSettings(companion.voice, companion.voice_pitch, companion.voice_speed)


def readings_of(companion: Companion) -> list[Reading]:
    """How the companion's voice says names (saved through a form that checks them; a list
    that no longer parses is read as none rather than stopping the recording)."""
    try:
        return parse_readings(companion.spoken_readings or "")
    except ReadingError:
        return []


def voice_label(companion: Companion, lang: str) -> str:
    """What a recording in ``lang`` is made with: the voice, its settings and its readings."""
    settings = voice_of(companion)
    label = f"{settings.for_lang(lang)} {settings.pitch:+d} {settings.speed}%"
    digest = readings_digest(readings_of(companion), lang)
    return f"{label} {digest}" if digest else label


def voice_consent(client_id: int) -> LlmConsent | None:
    """The client's standing consent to have the vows spoken by a synthetic voice."""
    return db.session.scalar(
        db.select(LlmConsent)
        .filter_by(client_id=client_id, provider=VOICE_PROVIDER, withdrawn_at=None)
        .order_by(LlmConsent.agreed_at.desc())
        .limit(1)
    )


def record_voice_consent(org_id: int, client_id: int, agreed_by: str, user_id: int | None):
    """Record that the client agreed to voice synthesis of the vows."""
    agreed_by = (agreed_by or "").strip()
    if not agreed_by:
        raise AudioError("who_agreed")
    consent = LlmConsent(
        org_id=org_id,
        client_id=client_id,
        provider=VOICE_PROVIDER,
        model=VOICE_MODEL,
        agreed_by=agreed_by[:200],
        agreed_at=utcnow(),
        recorded_by_id=user_id,
    )
    db.session.add(consent)
    return consent


def audio_of(version_id: int) -> VowAudio | None:
    return db.session.scalar(db.select(VowAudio).filter_by(version_id=version_id))


def audio_for(ceremony_id: int) -> dict[int, VowAudio]:
    """Recordings of a ceremony's vow versions, by version id."""
    rows = db.session.scalars(
        db.select(VowAudio)
        .join(VowVersion, VowVersion.id == VowAudio.version_id)
        .where(VowVersion.ceremony_id == ceremony_id)
    )
    return {row.version_id: row for row in rows}


def request_audio(version: VowVersion, companion: Companion, client_id: int) -> VowAudio:
    """Queue a recording of this version (again, when it was failed or the voice changed)."""
    if voice_consent(client_id) is None:
        raise AudioError("no_voice_consent")
    audio = audio_of(version.id)
    if audio is None:
        audio = VowAudio(org_id=version.org_id, version_id=version.id)
        db.session.add(audio)
    elif audio.status in ("queued", "running"):
        return audio
    audio.status, audio.progress, audio.reason = "queued", 0, ""
    audio.file_id, audio.seconds, audio.heard = None, None, ""
    audio.voice = voice_label(companion, version.lang)
    db.session.flush()
    enqueue(synthesize_vows, audio.id, org_id=audio.org_id)  # runs once this transaction commits
    return audio


def names_spelled_out(ceremony: Ceremony, versions) -> dict[int, list[str]]:
    """Per Japanese version, the names in Latin letters its voice would spell letter by letter
    (no reading given yet): the page asks the planner for one."""
    companion, client = ceremony.companion, ceremony.client
    if companion is None:
        return {}
    people = (client.full_name, client.display_name) if client else ()
    names = name_forms(companion.name, companion.nickname, companion.calls_client, *people)
    readings = readings_of(companion)
    found = {v.id: spelled_out(v.text, names, readings) for v in versions if v.lang == "ja"}
    return {key: words for key, words in found.items() if words}


def render_version(version: VowVersion, companion: Companion, progress=None) -> tuple[bytes, float]:
    """The version spoken in the companion's voice (slow: seconds). SpeechError on failure."""
    return speak(version.text, version.lang, voice_of(companion), progress, readings_of(companion))


@task(retries=1, lease=900)
def synthesize_vows(audio_id: int) -> None:
    """The background job: speak one queued recording, telling its progress as it goes.

    Commits as it goes (it runs outside any request). The file is stored only once it is whole;
    any failure leaves a failed recording with its reason and no file, for the planner to see
    and try again."""
    audio = db.session.get(VowAudio, audio_id)
    if audio is None or audio.status not in ("queued", "running"):
        return
    version = db.session.get(VowVersion, audio.version_id)
    ceremony = db.session.get(Ceremony, version.ceremony_id) if version else None
    companion = ceremony.companion if ceremony else None
    if companion is None:
        audio.status, audio.reason = "failed", "the ceremony has no companion"
        db.session.commit()
        return
    audio.status, audio.progress = "running", 0
    db.session.commit()
    audio_key = audio.id

    def progress(percent: int) -> None:
        # Each step is its own short transaction, so pages that poll see it move.
        db.session.execute(
            db.update(VowAudio)
            .where(VowAudio.id == audio_key)
            .values(progress=min(99, percent), updated_at=utcnow())
        )
        db.session.commit()
        report_progress(min(99, percent))

    try:
        wav, seconds = render_version(version, companion, progress)
    except Exception as error:  # the page must never wait for a recording that cannot come
        db.session.rollback()
        audio = db.session.get(VowAudio, audio_key)
        reason = str(error) if isinstance(error, SpeechError) else type(error).__name__
        audio.status, audio.reason, audio.progress = "failed", reason[:500], 0
        db.session.commit()
        return
    said = (
        heard(spoken(version.text, "ja", readings_of(companion)), "ja")
        if version.lang == "ja"
        else ""
    )
    audio = db.session.get(VowAudio, audio_key)
    audio.heard = said
    name = f"vows-{version.ceremony_id}-{version.role}-{version.lang}-v{version.number}.wav"
    stored = store(audio.org_id, wav, "audio/wav", name)
    audio.file_id, audio.seconds = stored.id, round(seconds, 2)
    audio.status, audio.progress, audio.reason = "done", 100, ""
    db.session.commit()


def spoken_vows(ceremony_id: int, lang: str) -> VowAudio | None:
    """The recording of the approved companion vows, in ``lang`` if there is one, else the other
    language's: what the AR viewer and the venue screen play."""
    for wanted in (lang, "en" if lang == "ja" else "ja"):
        audio = db.session.scalar(
            db.select(VowAudio)
            .join(VowVersion, VowVersion.id == VowAudio.version_id)
            .where(
                VowVersion.ceremony_id == ceremony_id,
                VowVersion.role == "companion",
                VowVersion.lang == wanted,
                VowVersion.approved_at.is_not(None),
                VowAudio.status == "done",
            )
        )
        if audio is not None:
            return audio
    return None


def preview_name(companion_id: int, lang: str) -> str:
    return f"voice-preview-{companion_id}-{lang}.wav"


def preview_text(companion: Companion, lang: str) -> str:
    """The preview's words: the companion greets the client by the name the vows use (the
    questionnaire's, else what the companion calls them, else the given name) and says their
    own name (without an honorific: nobody calls themself レンくん). Spoken with the companion's
    readings, so a name written in Japanese that has a Latin reading is said in English too."""
    client = companion.client
    stories = stories_of(companion.id).values()
    facts = facts_of(
        companion, client.display_name, stories, client.full_name, client.ceremony_role
    )
    readings = readings_of(companion)
    you = (ja_voice if lang == "ja" else en_voice)(facts, "companion").name
    you = you or given_name(client.display_name)  # a Japanese name may have a Latin reading

    def sayable(text: str) -> bool:
        return lang == "ja" or not has_japanese(say_as(text, "en", readings))

    forms = [f for f in name_forms(companion.nickname, companion.name) if sayable(f)]
    name = next((f for f in forms if has_japanese(f) == (lang == "ja")), forms[0] if forms else "")
    if lang == "ja":
        name = next((name[: -len(h)] for h in HONORIFICS if name.endswith(h) and name != h), name)
        return f"{you}、{name}です。今日は、来てくれてありがとう。" if you else f"{name}です。"
    greeting = f"{you}, " if you and sayable(you) else ""
    return f"{greeting}I am {name or 'your companion'}. Thank you for being here today."


@task(retries=0, lease=120)
def speak_preview(companion_id: int, lang: str) -> dict:
    """The background job behind the companion page's preview: one short sentence in the saved
    voice, kept (replacing the last preview) as a stored file whose id is the job's result,
    with what the voice pronounced (katakana for the Japanese voice) for the planner to read."""
    companion = db.session.get(Companion, companion_id)
    if companion is None:
        raise LookupError("the companion is gone")
    text, readings = preview_text(companion, lang), readings_of(companion)
    wav, _seconds = speak(text, lang, voice_of(companion), readings=readings)  # or SpeechError
    name = preview_name(companion.id, lang)
    db.session.execute(
        db.delete(StoredFile).where(
            StoredFile.org_id == companion.org_id, StoredFile.filename == name
        )
    )
    stored = store(companion.org_id, wav, "audio/wav", name)
    db.session.commit()
    return {"file_id": stored.id, "lang": lang, "heard": heard(spoken(text, lang, readings), lang)}


@eraser(order=10)
def erase_voice_previews(scope: ClientScope) -> dict[str, int]:
    """Erasure: the voice previews of the client's companions (deleted with the stored files)."""
    names = [preview_name(c, lang) for c in scope.companion_ids for lang in ("ja", "en")]
    found = ids(
        db.select(StoredFile.id).where(
            StoredFile.org_id == scope.org_id, StoredFile.filename.in_(names)
        )
    )
    scope.files |= found
    return {"voice_previews": len(found)}
