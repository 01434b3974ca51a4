"""The client's own data: everything we hold as one zip, and erasure that leaves nothing of
them but anonymous bookings for the venue's books."""

import io
import json
import re
import zipfile
from dataclasses import replace
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, select

from wedding.calendars.ics import build_calendar
from wedding.calendars.services import ceremony_calendar
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.documents.models import IssuedDocument
from wedding.documents.services import file_name
from wedding.erasure import ClientScope, erase
from wedding.models import db, utcnow
from wedding.personas.models import Companion
from wedding.personas.services import PERSONA_FIELDS, card_png
from wedding.privacy import tasks  # noqa: F401 - registers the export files' eraser
from wedding.runofshow.services import item_start, items_of
from wedding.storage.models import StoredFile
from wedding.vows.models import LlmConsent, VowComment, VowVersion


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
            for version in versions:
                archive.writestr(
                    f"vows/ceremony-{ceremony.id}-{version.role}-{version.lang}-v{version.number}.txt",
                    version.text,
                )
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
    their bookings as anonymous records. Each capability erases its own rows (wedding.erasure);
    this asks them all, then removes the client. Returns what was removed, by kind."""
    scope = ClientScope(
        org_id=client.org_id,
        client_id=client.id,
        companion_ids=list(db.session.scalars(select(Companion.id).filter_by(client_id=client.id))),
        ceremony_ids=[c.id for c in _ceremonies(client.id)],
    )
    removed = erase(scope)
    removed["clients"] = db.session.execute(delete(Client).where(Client.id == client.id)).rowcount
    db.session.expire_all()
    return removed
