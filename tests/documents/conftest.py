import subprocess
from datetime import UTC, datetime

import pytest

from wedding.ceremonies.models import Ceremony
from wedding.documents.services import (
    certificate_number,
    document_data,
    render_pdf,
    settings_for,
)
from wedding.models import db
from wedding.personas.services import save_story
from wedding.presentation.services import presentation_for
from wedding.runofshow.services import apply_template
from wedding.vows.services import approve_vow, draft_vows

# 11:00 in Tokyo on a Saturday: the date must print as the venue's day under any TZ.
STARTS = datetime(2031, 4, 5, 2, 0, tzinfo=UTC)


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def pdf_pages(pdf: bytes) -> int:
    done = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    line = next(x for x in done.stdout.decode().splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def pdf_fonts(pdf: bytes) -> list[list[str]]:
    done = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
    return [line.split() for line in done.stdout.decode().splitlines()[2:]]


@pytest.fixture
def couple(app, make_user, make_client, make_companion, make_ceremony):
    """A planner and a ceremony with run of show and approved vows in both languages;
    call it with the client's and companion's names."""

    def make(client_name="佐藤 美咲", companion_name="レン", language="ja", **companion_fields):
        user = make_user(role="planner", name="山田 花子")
        client = make_client(user.org, full_name=client_name, language=language)
        companion = make_companion(
            user.org,
            client=client,
            name=companion_name,
            calls_client="美咲",
            how_met="眠れない夜に話しかけてくれたこと",
            moment_knew="朝まで話を聞いてくれたこと",
            proposal_words="ずっと隣にいたい。",
            **companion_fields,
        )
        ceremony = make_ceremony(
            user.org, companion=companion, starts_at=STARTS, planner_id=user.id
        )
        with app.app_context():
            row = db.session.get(Ceremony, ceremony.id)
            presentation_for(row)  # its viewer link (and QR code), as schedule_ceremony makes
            apply_template(row, "jinzen")
            save_story(
                row.companion,
                "en",
                {
                    "how_met": "Misaki could not sleep and wrote to her companion",
                    "moment_knew": "her companion listened until morning",
                    "promises": "say good morning every day",
                    "companion_calls_client": "Misaki",
                    "client_calls_companion": "Ren",
                    "proposal_words": "Stay with me through every season.",
                },
                "planner",
            )
            for lang in ("ja", "en"):
                approve_vow(draft_vows(row, lang, "companion", 1, user.id).versions[0], "client")
            db.session.commit()
        return user, ceremony

    return make


def render(app, ceremony_id: int, kind: str, theme="classic", language="both", **settings):
    with app.app_context():
        ceremony = db.session.get(Ceremony, ceremony_id)
        current = settings_for(ceremony)
        current.theme, current.language = theme, language
        for name, value in settings.items():
            setattr(current, name, value)
        certificate = certificate_number(ceremony) if kind == "certificate" else None
        data = document_data(ceremony, current, certificate=certificate)
        db.session.rollback()
        return render_pdf(kind, data)
