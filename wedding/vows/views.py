"""Vow pages: write drafts, edit them into new versions, approve the one that prints."""

import json
import secrets
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from wedding.accounts.access import editor_required, get_owned_or_404
from wedding.audit import audit
from wedding.ceremonies.models import Ceremony
from wedding.forms import ConfirmForm, error_summary
from wedding.i18n import current_lang, join_words
from wedding.models import db, utcnow
from wedding.storage.services import file_response
from wedding.vows.audio import (
    AudioError,
    audio_for,
    audio_of,
    names_spelled_out,
    record_voice_consent,
    request_audio,
    voice_consent,
    voice_label,
)
from wedding.vows.forms import ConsentForm, DraftForm, EditForm, VoiceConsentForm
from wedding.vows.models import LANGS, ROLES, LlmConsent, VowVersion
from wedding.vows.services import (
    VowError,
    ai_ready,
    approve_vow,
    comments_for,
    current_consent,
    draft_vows,
    edit_vow,
    endpoint_from_config,
    llm_messages,
    record_consent,
    share_vow,
    unshare_vow,
    versions_of,
    withdraw_consent,
)
from wedding.vows.tasks import latest_ai_job, queue_ai_drafts

bp = Blueprint("vows", __name__, url_prefix="/ceremonies/<int:ceremony_id>/vows")


def error_message(code: str) -> str:
    return {
        "needs_couple": _("Choose the client and their companion for this ceremony first."),
        "bad_choice": _("Choose whose vows and a language from the lists."),
        "empty": _("Write the vows."),
        "too_long": _("The vows are too long."),
        "who_agreed": _("Write the name of the person who agreed."),
        "no_voice_consent": _(
            "The client has not agreed to have the vows spoken by a synthetic voice: record "
            "their consent first."
        ),
        "not_configured": _("No AI composer is configured, so the built-in composer wrote these."),
        "no_consent": _(
            "The client has not agreed to send their story to the AI provider, so nothing was "
            "sent and the built-in composer wrote these."
        ),
    }.get(code, code)


def _fallback_message(fallback: str) -> str:
    if fallback in ("not_configured", "no_consent"):
        return error_message(fallback)
    return _(
        "The AI composer failed (%(reason)s), so the built-in composer wrote these.",
        reason=fallback,
    )


def _check_choice(ceremony: Ceremony, lang: str, role: str) -> None:
    """What draft_vows refuses before writing, refused before queueing too."""
    if role not in ROLES or lang not in LANGS:
        raise VowError("bad_choice")
    if ceremony.client is None or ceremony.companion is None:
        raise VowError("needs_couple")


def story_labels() -> dict[str, str]:
    """The questionnaire's questions, as the planner and the client see them."""
    return {
        "how_met": _("How you met"),
        "moment_knew": _("The moment you knew"),
        "proposal_words": _("The proposal, in its words"),
        "promises": _("Promises"),
        "for_guests": _("What the guests should know"),
    }


def vow_error_message(error: VowError) -> str:
    if str(error) == "no_story":
        labels = story_labels()
        return _(
            "There is nothing to tell yet in %(language)s. Add these answers to the couple's "
            "questionnaire in %(language)s: %(answers)s.",
            language=_("Japanese") if error.lang == "ja" else _("English"),
            answers=join_words(labels.get(name, name) for name in error.missing),
        )
    return error_message(str(error))


def _back(ceremony_id: int, anchor: str = ""):
    return redirect(url_for("vows.index", ceremony_id=ceremony_id) + anchor)


def _version_or_404(ceremony: Ceremony, version_id: int) -> VowVersion:
    version = db.session.get(VowVersion, version_id)
    if version is None or version.ceremony_id != ceremony.id:
        abort(404)
    return version


@bp.get("")
@login_required
def index(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    endpoint = endpoint_from_config(current_app.config)
    consent = current_consent(ceremony.client_id, endpoint) if ceremony.client_id else None
    client_lang = ceremony.client.language if ceremony.client else current_lang()
    form = DraftForm(lang=client_lang if client_lang in LANGS else "ja")
    consent_form = ConsentForm(agreed_by=ceremony.client.display_name if ceremony.client else "")
    audit("view", "vows", ceremony.id)
    db.session.commit()
    ai_job = latest_ai_job(ceremony.id)
    groups = versions_of(ceremony.id)
    return render_template(
        "vows/index.html",
        ai_job=ai_job,
        ai_job_recent=ai_job is not None
        and ai_job.finished_at is not None
        and utcnow() - ai_job.finished_at < timedelta(minutes=10),
        ai_fallback_message=_fallback_message,
        ceremony=ceremony,
        groups=groups,
        spelled={
            key: join_words(words)
            for key, words in names_spelled_out(
                ceremony, [v for versions in groups.values() for v in versions]
            ).items()
        },
        comments=comments_for(ceremony.id),
        form=form,
        endpoint=endpoint,
        consent=consent,
        consent_form=consent_form,
        voice_consent=voice_consent(ceremony.client_id) if ceremony.client_id else None,
        voice_form=VoiceConsentForm(
            agreed_by=ceremony.client.display_name if ceremony.client else ""
        ),
        audio=audio_for(ceremony.id),
        voice_now={lang: voice_label(ceremony.companion, lang) for lang in LANGS}
        if ceremony.companion
        else {},
        button_form=ConfirmForm(),
        roles=ROLES,
        langs=LANGS,
    )


@bp.post("/draft")
@editor_required
def draft(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    form = DraftForm()
    if not form.validate():
        flash(error_summary(form), "error")
        return _back(ceremony_id)
    # A variation number a planner can read out and type again (four digits are plenty of
    # variety for three drafts at a time).
    seed = form.seed.data if form.seed.data is not None else 1 + secrets.randbelow(9999)
    endpoint = endpoint_from_config(current_app.config)
    if form.use_llm.data and ai_ready(ceremony, endpoint):
        try:
            _check_choice(ceremony, form.lang.data, form.role.data)
        except VowError as error:
            flash(error_message(str(error)), "error")
            return _back(ceremony_id)
        queue_ai_drafts(ceremony, form.lang.data, form.role.data, seed, current_user.id)
        audit("change", "vows", ceremony.id, f"draft-ai:{form.role.data}:{form.lang.data}")
        db.session.commit()
        return _back(ceremony_id)
    try:
        result = draft_vows(
            ceremony,
            form.lang.data,
            form.role.data,
            seed,
            current_user.id,
            endpoint_from_config(current_app.config),
            use_llm=form.use_llm.data,
        )
        audit("change", "vows", ceremony.id, f"draft:{form.role.data}:{form.lang.data}")
        db.session.commit()
    except VowError as error:
        db.session.rollback()
        flash(vow_error_message(error), "error")
        return _back(ceremony_id)
    except IntegrityError:
        db.session.rollback()
        flash(_("Someone else added drafts at the same moment. Please try again."), "error")
        return _back(ceremony_id)
    if result.fallback:
        flash(_fallback_message(result.fallback), "info")
    flash(
        ngettext(
            "%(num)d new draft (seed %(seed)d).",
            "%(num)d new drafts (seed %(seed)d).",
            len(result.versions),
            seed=seed,
        ),
        "success",
    )
    return _back(ceremony_id, f"#vows-{form.role.data}-{form.lang.data}")


@bp.route("/<int:version_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(ceremony_id: int, version_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    version = _version_or_404(ceremony, version_id)
    form = EditForm(data=None if request.method == "POST" else {"text": version.text})
    if form.validate_on_submit():
        try:
            edited = edit_vow(version, form.text.data, current_user.id)
            audit("change", "vows", ceremony.id, f"edit:v{edited.number}")
            db.session.commit()
        except VowError as error:
            db.session.rollback()
            form.text.errors.append(error_message(str(error)))
        except IntegrityError:
            db.session.rollback()
            form.text.errors.append(_("Someone else saved a version at the same moment."))
        else:
            flash(_("Saved as version %(number)d.", number=edited.number), "success")
            return _back(ceremony_id, f"#vow-{edited.id}")
    return render_template("vows/edit.html", ceremony=ceremony, version=version, form=form)


@bp.post("/<int:version_id>/approve")
@editor_required
def approve(ceremony_id: int, version_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    version = _version_or_404(ceremony, version_id)
    if ConfirmForm().validate():
        approve_vow(version, f"planner:{current_user.id}")
        audit("change", "vows", ceremony.id, f"approve:{version.id}")
        db.session.commit()
        flash(
            _(
                "Version %(number)d is approved: it is what the program prints.",
                number=version.number,
            ),
            "success",
        )
    return _back(ceremony_id, f"#vow-{version.id}")


@bp.get("/ai-request")
@login_required
def ai_request(ceremony_id: int):
    """Exactly what would be sent to the AI provider, and to whom."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    role = request.args.get("role", "companion")
    lang = request.args.get("lang", "ja")
    if role not in ROLES or lang not in LANGS:
        abort(404)
    try:
        messages = llm_messages(ceremony, lang, role)
    except VowError as error:
        flash(error_message(str(error)), "error")
        return _back(ceremony_id)
    endpoint = endpoint_from_config(current_app.config)
    return render_template(
        "vows/ai_request.html",
        ceremony=ceremony,
        endpoint=endpoint,
        consent=current_consent(ceremony.client_id, endpoint),
        body=json.dumps(
            {"model": endpoint.model if endpoint else "", "messages": messages},
            ensure_ascii=False,
            indent=2,
        ),
        role=role,
        lang=lang,
    )


@bp.post("/consent")
@editor_required
def consent(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    endpoint = endpoint_from_config(current_app.config)
    form = ConsentForm()
    if endpoint is None or ceremony.client_id is None:
        flash(error_message("not_configured" if endpoint is None else "needs_couple"), "error")
    elif not form.validate():
        flash(error_summary(form), "error")
    else:
        record_consent(ceremony, endpoint, form.agreed_by.data, current_user.id)
        db.session.commit()
        flash(_("Consent recorded."), "success")
    return _back(ceremony_id, "#ai-composer")


@bp.post("/consent/<int:consent_id>/withdraw")
@editor_required
def withdraw(ceremony_id: int, consent_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    consent = db.session.get(LlmConsent, consent_id)
    if (
        consent is None
        or consent.client_id != ceremony.client_id
        or consent.org_id != ceremony.org_id
    ):
        abort(404)
    if ConfirmForm().validate():
        withdraw_consent(consent)
        db.session.commit()
        flash(_("Consent withdrawn: nothing more will be sent."), "success")
    return _back(ceremony_id, "#ai-composer")


@bp.post("/<int:version_id>/share")
@editor_required
def share(ceremony_id: int, version_id: int):
    """Show this version to the client in the portal (or take it back)."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    version = _version_or_404(ceremony, version_id)
    if ConfirmForm().validate():
        if request.form.get("action") == "unshare":
            unshare_vow(version)
            flash(_("Version %(number)d is private again.", number=version.number), "success")
        else:
            share_vow(version)
            flash(
                _("Version %(number)d is shared with the client.", number=version.number),
                "success",
            )
        audit("change", "vows", ceremony.id, f"share:{version.id}")
        db.session.commit()
    return _back(ceremony_id, f"#vow-{version.id}")


@bp.post("/<int:version_id>/speak")
@editor_required
def speak(ceremony_id: int, version_id: int):
    """Queue this version to be spoken in the companion's voice (in the background)."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    version = _version_or_404(ceremony, version_id)
    if ConfirmForm().validate():
        if ceremony.companion is None:
            flash(error_message("needs_couple"), "error")
            return _back(ceremony_id)
        try:
            request_audio(version, ceremony.companion, ceremony.client_id)
        except AudioError as error:
            db.session.rollback()
            flash(error_message(str(error)), "error")
            return _back(ceremony_id, "#voice")
        audit("change", "vows", ceremony.id, f"speak:{version.id}")
        db.session.commit()
        flash(_("The recording is being made; this page shows its progress."), "success")
    return _back(ceremony_id, f"#vow-{version.id}")


@bp.get("/<int:version_id>/audio")
@login_required
def audio_status(ceremony_id: int, version_id: int):
    """The recording's progress, for the page to poll."""
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    version = _version_or_404(ceremony, version_id)
    audio = audio_of(version.id)
    if audio is None:
        abort(404)
    return {"status": audio.status, "progress": audio.progress, "reason": audio.reason}


@bp.get("/<int:version_id>/audio.wav")
@login_required
def audio_file(ceremony_id: int, version_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    version = _version_or_404(ceremony, version_id)
    audio = audio_of(version.id)
    if audio is None or audio.file_id is None:
        abort(404)
    audit("export", "vows", ceremony.id, f"audio:{version.id}")
    db.session.commit()
    name = f"vows-{ceremony.id}-{version.role}-{version.lang}-v{version.number}.wav"
    return file_response(audio.file_id, name if request.args.get("download") else "")


@bp.post("/voice-consent")
@editor_required
def consent_voice(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    form = VoiceConsentForm()
    if ceremony.client_id is None:
        flash(error_message("needs_couple"), "error")
    elif not form.validate():
        flash(error_summary(form), "error")
    else:
        record_voice_consent(
            ceremony.org_id, ceremony.client_id, form.agreed_by.data, current_user.id
        )
        db.session.commit()
        flash(_("Consent to voice synthesis recorded."), "success")
    return _back(ceremony_id, "#voice")
