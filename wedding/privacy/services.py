"""The client's own data: everything we hold as one zip, and erasure that leaves nothing of
them but anonymous bookings for the venue's books."""

import io
import json
import re
import zipfile
from dataclasses import replace
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, select, update

from wedding.calendars.ics import build_calendar
from wedding.calendars.models import Feed
from wedding.calendars.services import ceremony_calendar
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.documents.models import DocumentSettings, IssuedDocument
from wedding.documents.services import file_name
from wedding.models import db, utcnow
from wedding.personas.models import Companion, CoupleStory, PendingImport
from wedding.personas.services import PERSONA_FIELDS, STORY_FIELDS, card_png, stories_of
from wedding.portal.models import PortalLink
from wedding.presentation.models import Presentation, Standee
from wedding.runofshow.models import RunItem
from wedding.runofshow.services import item_start, items_of
from wedding.storage.models import StoredFile
from wedding.vows.audio import preview_name
from wedding.vows.models import LlmConsent, VowAudio, VowComment, VowVersion


def _ceremonies(client_id: int) -> list[Ceremony]:
    return list(
        db.session.scalars(
            db.select(Ceremony).where(Ceremony.client_id == client_id).order_by(Ceremony.starts_at)
        )
    )


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("_")[:60] or "companion"


def export_client(client: Client) -> bytes:
    """A zip of everything we hold about a client: records as JSON, each companion as a
    character card, every vow version, issued documents as PDF, the calendar as .ics."""
    companions = db.session.scalars(db.select(Companion).filter_by(client_id=client.id)).all()
    ceremonies = _ceremonies(client.id)
    buffer = io.BytesIO()
    record = {
        "exported_at": utcnow().isoformat(),
        "client": {
            name: getattr(client, name)
            for name in ("id", "full_name", "preferred_name", "email", "phone", "language", "notes")
        },
        "companions": [
            {
                "id": c.id,
                "name": c.name,
                "description": c.description,
                **{name: getattr(c, name) for name in PERSONA_FIELDS},
                "story": {
                    story.lang: {name: getattr(story, name) for name in STORY_FIELDS}
                    for story in stories_of(c.id).values()
                },
            }
            for c in companions
        ],
        "ceremonies": [],
        "consents": [
            {
                "provider": c.provider,
                "model": c.model,
                "agreed_by": c.agreed_by,
                "agreed_at": c.agreed_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in db.session.scalars(db.select(LlmConsent).filter_by(client_id=client.id))
        ],
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for companion in companions:
            archive.writestr(
                f"companions/{_safe(companion.name)}-{companion.id}.png", card_png(companion)
            )
        for ceremony in ceremonies:
            zone = ZoneInfo(ceremony.venue.timezone)
            versions = db.session.scalars(
                db.select(VowVersion).filter_by(ceremony_id=ceremony.id).order_by(VowVersion.id)
            ).all()
            documents = db.session.scalars(
                db.select(IssuedDocument).filter_by(ceremony_id=ceremony.id)
            ).all()
            record["ceremonies"].append(
                {
                    "id": ceremony.id,
                    "starts_at": ceremony.starts_at.astimezone(zone).isoformat(),
                    "ends_at": ceremony.ends_at.astimezone(zone).isoformat(),
                    "venue": ceremony.venue.name,
                    "status": ceremony.status,
                    "run_of_show": [
                        {
                            "time": item_start(ceremony, item).astimezone(zone).isoformat(),
                            "title_ja": item.title_ja,
                            "title_en": item.title_en,
                        }
                        for item in items_of(ceremony)
                    ],
                    "vows": [
                        {
                            "role": v.role,
                            "lang": v.lang,
                            "version": v.number,
                            "text": v.text,
                            "approved": v.approved,
                        }
                        for v in versions
                    ],
                    "comments": [
                        {"author": c.author, "text": c.text, "at": c.created_at.isoformat()}
                        for c in db.session.scalars(
                            db.select(VowComment).filter_by(ceremony_id=ceremony.id)
                        )
                    ],
                    "documents": [
                        {
                            "kind": d.kind,
                            "version": d.version,
                            "number": d.number,
                            "file": f"documents/{file_name(ceremony, d.kind, d.version)}",
                        }
                        for d in documents
                    ],
                }
            )
            recordings = {
                audio.version_id: audio
                for audio in db.session.scalars(
                    db.select(VowAudio).where(
                        VowAudio.version_id.in_([v.id for v in versions]),
                        VowAudio.file_id.is_not(None),
                    )
                )
            }
            for version in versions:
                stem = (
                    f"vows/ceremony-{ceremony.id}-{version.role}-{version.lang}-v{version.number}"
                )
                archive.writestr(f"{stem}.txt", version.text)
                if version.id in recordings:  # the companion's voice speaking them
                    data = db.session.scalar(
                        select(StoredFile.data).filter_by(id=recordings[version.id].file_id)
                    )
                    archive.writestr(f"{stem}.wav", data)
            for document in documents:
                data = db.session.scalar(select(StoredFile.data).filter_by(id=document.file_id))
                archive.writestr(
                    f"documents/{file_name(ceremony, document.kind, document.version)}", data
                )
        if ceremonies:
            domain = current_app.config["CALENDAR_UID_DOMAIN"]
            calendars = [
                ceremony_calendar(ceremony, client.language, domain, private=False)
                for ceremony in ceremonies
            ]
            merged = replace(
                calendars[0], events=[event for cal in calendars for event in cal.events]
            )
            archive.writestr("calendar.ics", build_calendar(merged, utcnow()))
        archive.writestr(
            "client.json", json.dumps(record, ensure_ascii=False, indent=2, default=str)
        )
    return buffer.getvalue()


def erase_client(client: Client) -> dict[str, int]:
    """Delete the client, their companions and images, vows, documents and every link; keep
    their bookings as anonymous records. Returns what was removed, by kind."""
    ceremony_ids = [c.id for c in _ceremonies(client.id)]
    companion_ids = list(db.session.scalars(select(Companion.id).filter_by(client_id=client.id)))
    files: set[int] = set()
    files.update(
        db.session.scalars(
            select(Companion.portrait_id).where(
                Companion.id.in_(companion_ids), Companion.portrait_id.is_not(None)
            )
        )
    )
    files.update(
        db.session.scalars(
            select(PendingImport.portrait_id).where(
                PendingImport.client_id == client.id, PendingImport.portrait_id.is_not(None)
            )
        )
    )
    files.update(
        db.session.scalars(select(Standee.file_id).where(Standee.companion_id.in_(companion_ids)))
    )
    files.update(
        db.session.scalars(
            select(IssuedDocument.file_id).where(IssuedDocument.ceremony_id.in_(ceremony_ids))
        )
    )
    files.update(
        db.session.scalars(
            select(Presentation.model_file_id).where(
                Presentation.ceremony_id.in_(ceremony_ids), Presentation.model_file_id.is_not(None)
            )
        )
    )
    files.update(
        db.session.scalars(
            select(VowAudio.file_id)
            .join(VowVersion, VowVersion.id == VowAudio.version_id)
            .where(VowVersion.ceremony_id.in_(ceremony_ids), VowAudio.file_id.is_not(None))
        )
    )
    previews = [preview_name(c, lang) for c in companion_ids for lang in ("ja", "en")]
    files.update(
        db.session.scalars(
            select(StoredFile.id).where(
                StoredFile.org_id == client.org_id, StoredFile.filename.in_(previews)
            )
        )
    )
    removed = {}

    def run(name, statement):
        removed[name] = db.session.execute(statement).rowcount

    in_ceremonies = lambda model: model.ceremony_id.in_(ceremony_ids)  # noqa: E731
    run("vow_comments", delete(VowComment).where(in_ceremonies(VowComment)))
    run(
        "vow_audio",
        delete(VowAudio).where(
            VowAudio.version_id.in_(select(VowVersion.id).where(in_ceremonies(VowVersion)))
        ),
    )
    run("couple_stories", delete(CoupleStory).where(CoupleStory.companion_id.in_(companion_ids)))
    run("vow_versions", delete(VowVersion).where(in_ceremonies(VowVersion)))
    run("issued_documents", delete(IssuedDocument).where(in_ceremonies(IssuedDocument)))
    run("document_settings", delete(DocumentSettings).where(in_ceremonies(DocumentSettings)))
    run("presentations", delete(Presentation).where(in_ceremonies(Presentation)))
    run("standees", delete(Standee).where(Standee.companion_id.in_(companion_ids)))
    run("llm_consents", delete(LlmConsent).where(LlmConsent.client_id == client.id))
    run("portal_links", delete(PortalLink).where(PortalLink.client_id == client.id))
    run(
        "feeds",
        delete(Feed).where(
            Feed.kind == "client", Feed.subject_id == client.id, Feed.org_id == client.org_id
        ),
    )
    run("pending_imports", delete(PendingImport).where(PendingImport.client_id == client.id))
    # The bookings stay, anonymous: no client, no companion, no notes.
    run(
        "ceremonies_anonymised",
        update(Ceremony)
        .where(Ceremony.id.in_(ceremony_ids))
        .values(
            client_id=None,
            companion_id=None,
            notes="",
            updated_at=utcnow(),
            sequence=Ceremony.sequence + 1,
        ),
    )
    run("run_item_notes", update(RunItem).where(in_ceremonies(RunItem)).values(notes=""))
    run("companions", delete(Companion).where(Companion.id.in_(companion_ids)))
    run("clients", delete(Client).where(Client.id == client.id))
    run("stored_files", delete(StoredFile).where(StoredFile.id.in_(files)))
    db.session.expire_all()
    return removed
