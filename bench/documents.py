"""PDF figures: certificate, program and vow card (warm, same process), a floor, and the first
render in a fresh process."""

import subprocess
import sys
import tempfile
from datetime import date

from bench.common import dispose, migrated_app, timed, timed_against_reference
from wedding.ceremonies.models import Ceremony
from wedding.demo import load_demo
from wedding.documents.render import html_to_pdf
from wedding.documents.services import (
    certificate_number,
    document_data,
    render_pdf,
    settings_for,
)
from wedding.models import db

FLOOR_HTML = (
    '<html lang="ja"><body style="font-family: IPAexMincho">佐藤 美咲とレンの結婚式</body></html>'
)
FIRST_RENDER = """
import time
start = time.perf_counter()
from wedding import create_app
from wedding.ceremonies.models import Ceremony
from wedding.documents.services import certificate_number, document_data, render_pdf, settings_for
from wedding.models import db
app = create_app({{"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "{url}"}})
with app.app_context():
    ready = time.perf_counter()
    ceremony = db.session.scalars(db.select(Ceremony)).first()
    data = document_data(ceremony, settings_for(ceremony), certificate=certificate_number(ceremony))
    render_pdf("certificate", data)
    done = time.perf_counter()
print(f"{{(done - ready) * 1000:.0f}} {{(done - start) * 1000:.0f}}")
"""


def page_count(pdf: bytes) -> int:
    command = ["pdfinfo", "-"]  # poppler-utils, installed by the setup
    info = subprocess.run(command, input=pdf, capture_output=True, check=True).stdout  # noqa: S603
    return int(next(line for line in info.split(b"\n") if line.startswith(b"Pages:")).split()[1])


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/documents.sqlite"
        app = migrated_app(url)
        with app.app_context():
            load_demo(date(2026, 11, 27))
            db.session.commit()
            ceremony = db.session.scalars(db.select(Ceremony)).first()
            settings = settings_for(ceremony)
            floor_pdf = html_to_pdf(FLOOR_HTML)
            floor, _ = timed(lambda: html_to_pdf(FLOOR_HTML), repeat=20)
            print(
                f"documents  floor (one line of Japanese): median {floor:6.1f} ms  "
                f"{len(floor_pdf) / 1024:5.1f} KB"
            )
            targets = {
                "certificate": "≤ 6× floor, ≤ 80 KB",
                "program": "≤ 20× floor",
                "vow_card": "",
            }
            for theme in ("classic", "modern", "sakura"):
                settings.theme = theme
                for kind, target in targets.items():
                    certificate = certificate_number(ceremony) if kind == "certificate" else None
                    data = document_data(ceremony, settings, certificate=certificate)
                    pdf = render_pdf(kind, data)
                    # Each render beside the floor rendered right after it: a floor timed once
                    # at the start would make the ratio swing with the machine.
                    median, p95, ratio = timed_against_reference(
                        lambda kind=kind, data=data: render_pdf(kind, data),
                        reference=lambda: html_to_pdf(FLOOR_HTML),
                    )
                    pages = page_count(pdf)
                    print(
                        f"documents  {kind:11} {theme:7} {pages} p: median {median:6.1f} ms  "
                        f"p95 {p95:6.1f} ms  {len(pdf) / 1024:5.1f} KB  "
                        f"×{ratio:4.1f} floor  {f'(target {target})' if target else ''}"
                    )
            db.session.rollback()
        dispose(app)
        out = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", FIRST_RENDER.format(url=url)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        print(
            f"documents  first certificate in a fresh process: {out[0]} ms "
            f"({out[1]} ms with imports and app start) (target ≤ 1.5 s)"
        )
