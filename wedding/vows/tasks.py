"""The AI composer as a background job: the page shows progress, then the drafts. The
built-in composer is local and quick, so it still writes in the request."""

import uuid

from flask import current_app

from wedding.ceremonies.models import Ceremony
from wedding.jobs import Job, enqueue, report_progress, task
from wedding.models import db
from wedding.vows.composer import ComposeError, compose
from wedding.vows.llm import LlmError, request_drafts
from wedding.vows.services import (
    DRAFT_COUNT,
    ai_ready,
    ceremony_facts,
    endpoint_from_config,
    llm_messages,
    save_drafts,
)

KEY = "vows-ai:{ceremony_id}:"


def queue_ai_drafts(ceremony: Ceremony, lang: str, role: str, seed: int, user_id: int) -> Job:
    """Queue three AI drafts for this ceremony (committed with the caller's transaction)."""
    key = KEY.format(ceremony_id=ceremony.id) + uuid.uuid4().hex[:12]
    return enqueue(
        write_ai_drafts, ceremony.id, lang, role, seed, user_id, org_id=ceremony.org_id, key=key
    )


def latest_ai_job(ceremony_id: int) -> Job | None:
    prefix = KEY.format(ceremony_id=ceremony_id)
    return db.session.scalar(
        db.select(Job).where(Job.key.startswith(prefix)).order_by(Job.created_at.desc()).limit(1)
    )


@task(retries=0, lease=180)
def write_ai_drafts(ceremony_id: int, lang: str, role: str, seed: int, user_id: int) -> dict:
    """Background job: ask the AI endpoint for drafts (outside any transaction); on failure,
    or when consent was withdrawn meanwhile, the built-in composer writes them."""
    ceremony = db.session.get(Ceremony, ceremony_id)
    if ceremony is None:
        return {"count": 0}
    endpoint = endpoint_from_config(current_app.config)
    texts: list[str] = []
    fallback = ""
    source, model = "builtin", ""
    if not ai_ready(ceremony, endpoint):
        fallback = "no_consent"
    else:
        messages = llm_messages(ceremony, lang, role)
        report_progress(10)  # commits: no transaction stays open during the call
        try:
            texts = request_drafts(endpoint, messages, lang, DRAFT_COUNT, seed)
            source, model = "llm", endpoint.model
        except LlmError as error:
            fallback = str(error)
        report_progress(90)
        ceremony = db.session.get(Ceremony, ceremony_id)
    if not texts:
        try:
            texts = compose(ceremony_facts(ceremony), lang, role, seed, DRAFT_COUNT)
        except ComposeError as error:
            # Nothing to tell in this language: the job ends failed, naming the answers to add.
            raise RuntimeError(
                f"{fallback or 'no drafts'}; add to the questionnaire: {', '.join(error.missing)}"
            ) from None
    versions = save_drafts(ceremony, lang, role, texts, source, model, seed, user_id)
    return {"count": len(versions), "fallback": fallback, "role": role, "lang": lang}
