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

from wedding.accounts.models import User
from wedding.billing.export import money_of_ceremony
from wedding.calendars.ics import build_calendar
from wedding.calendars.services import ceremony_calendar
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.documents.models import IssuedDocument
from wedding.documents.services import file_name
from wedding.erasure import ClientScope, erase
from wedding.models import db, utcnow
from wedding.personas.models import Companion
from wedding.personas.services import PERSONA_FIELDS, STORY_FIELDS, card_png, stories_of
from wedding.privacy import tasks  # noqa: F401 - registers the export files' eraser
from wedding.runofshow.services import item_start, items_of
from wedding.storage.models import StoredFile
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
    character card, every vow version, issued documents as PDF (with the invoices, credit
    notes, receipts and signed agreements), the calendar as .ics."""
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
            money, money_files = money_of_ceremony(ceremony.id)
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
                    **money,
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
            for path, data in money_files:  # invoices, credit notes, receipts, agreements
                archive.writestr(path, data)
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


def audit_names(org_id: int, events) -> dict[tuple[str, int], str]:
    """Names for the people and records an audit page mentions, looked up as it is shown (the
    trail keeps only ids): ("user", 3) -> "山田 花子". Erased records have no name."""
    wanted: dict[str, set[int]] = {"user": set(), "client": set(), "companion": set()}
    ceremonies: set[int] = set()
    for event in events:
        kind, _, number = (event.actor or "").partition(":")
        if kind in wanted and number.isdigit():
            wanted[kind].add(int(number))
        if event.subject_id is not None:
            if event.subject_type in ("client", "companion"):
                wanted[event.subject_type].add(event.subject_id)
            elif event.subject_type == "account":
                wanted["user"].add(event.subject_id)
            elif event.subject_type in ("ceremony", "vows", "document"):
                ceremonies.add(event.subject_id)
    names: dict[tuple[str, int], str] = {}
    if wanted["user"]:
        for user in db.session.scalars(
            select(User).where(User.org_id == org_id, User.id.in_(wanted["user"]))
        ):
            names["user", user.id] = user.display_name
    if wanted["client"]:
        for client in db.session.scalars(
            select(Client).where(Client.org_id == org_id, Client.id.in_(wanted["client"]))
        ):
            names["client", client.id] = client.full_name
    if wanted["companion"]:
        for row in db.session.execute(
            select(Companion.id, Companion.name).where(
                Companion.org_id == org_id, Companion.id.in_(wanted["companion"])
            )
        ):
            names["companion", row.id] = row.name
    if ceremonies:
        for ceremony in db.session.scalars(
            select(Ceremony).where(Ceremony.org_id == org_id, Ceremony.id.in_(ceremonies))
        ).unique():
            if ceremony.client is not None:
                names["ceremony", ceremony.id] = ceremony.client.full_name
    return names
