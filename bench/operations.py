"""Operations figures: the dashboard over 200 ceremonies and 3,000 tasks, thumbnails per
second, and a 300-photo zip streamed with its memory measured."""

import io
import random
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from PIL import Image

from bench.common import databases, dispose, settle, timed
from wedding import create_app
from wedding.accounts.services import create_user, get_or_create_org
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.photos.models import Photo
from wedding.photos.services import photo_entries, thumbnail_bytes, zip_chunks
from wedding.storage.services import store
from wedding.tasks.models import Task
from wedding.venues.models import Venue
from wedding.vows.models import VowComment, VowVersion

PASSWORD = "bench-password-1"  # noqa: S105 - a throw-away database


def bench_app(url: str):
    from flask_migrate import upgrade

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RESPONSE_CACHE": False,  # the making of each page, not a kept copy
        }
    )
    with app.app_context():
        upgrade()
    return app


def seed_dashboard(app, ceremonies: int = 200, tasks_each: int = 15) -> str:
    with app.app_context():
        org = get_or_create_org("Bench Co")
        user = create_user(org, "bench@example.com", PASSWORD, role="planner")
        venues = [Venue(org_id=org.id, name=f"Hall {n}") for n in range(5)]
        db.session.add_all(venues)
        db.session.flush()
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        today = now.date()
        rng = random.Random(7)  # noqa: S311 - test data
        for n in range(ceremonies):
            client = Client(org_id=org.id, full_name=f"佐藤 {n}", language="ja")
            db.session.add(client)
            db.session.flush()
            starts = now + timedelta(days=1 + n // 5, hours=3 * (n % 5))
            ceremony = Ceremony(
                org_id=org.id,
                client_id=client.id,
                venue_id=venues[n % 5].id,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=90),
                blocked_until=starts + timedelta(minutes=120),
                status="hold" if n % 4 == 0 else "confirmed",
                hold_expires_at=now + timedelta(days=1 if n % 8 == 0 else 6),
                planner_id=user.id,
            )
            db.session.add(ceremony)
            db.session.flush()
            for k in range(tasks_each):
                offset = rng.randint(-60, 14)
                due = max(today - timedelta(days=5), starts.date() + timedelta(days=offset))
                db.session.add(
                    Task(
                        org_id=org.id,
                        ceremony_id=ceremony.id,
                        title=f"タスク {k}",
                        offset_days=offset,
                        due_on=due,
                        role="planner",
                        assignee_id=user.id if k % 3 else None,
                        status="open" if k % 4 else "done",
                        closed_at=None if k % 4 else now,
                    )
                )
            if n % 10 == 0:
                version = VowVersion(
                    org_id=org.id,
                    ceremony_id=ceremony.id,
                    role="companion",
                    lang="ja",
                    number=1,
                    text="誓い",
                    source="builtin",
                )
                db.session.add(version)
                db.session.flush()
                db.session.add(
                    VowComment(
                        org_id=org.id,
                        ceremony_id=ceremony.id,
                        version_id=version.id,
                        author="client",
                        text="もう少し短く",
                    )
                )
        db.session.commit()
        return user.email


def dashboard_figures() -> None:
    with databases() as targets:
        for label, url in targets:
            app = bench_app(url)
            email = seed_dashboard(app)
            settle(app)
            client = app.test_client()
            client.post("/login", data={"email": email, "password": PASSWORD})
            assert client.get("/").status_code == 200
            median, p95 = timed(lambda client=client: client.get("/"), repeat=30)
            print(
                f"ops        dashboard made, 200 ceremonies and 3,000 tasks ({label}): "
                f"median {median:6.1f} ms  p95 {p95:6.1f} ms"
            )
            dispose(app)


def camera_jpeg(size=(4000, 3000)) -> bytes:
    rng = random.Random(5)  # noqa: S311 - pixels
    small = Image.frombytes("RGB", (400, 300), rng.randbytes(400 * 300 * 3))
    out = io.BytesIO()
    small.resize(size).save(out, "JPEG", quality=88)
    return out.getvalue()


def thumbnail_figures() -> None:
    photo = camera_jpeg()
    thumbnail_bytes(photo)
    count, start = 20, time.perf_counter()
    for _ in range(count):
        thumbnail_bytes(photo)
    rate = count / (time.perf_counter() - start)
    print(
        f"ops        thumbnails of a 4000×3000 JPEG ({len(photo) / 1e6:.1f} MB): "
        f"{rate:5.1f} per second (one process)"
    )


def zip_figures(photos: int = 300) -> None:
    with databases() as targets:
        label, url = targets[0]  # SQLite: the file-backed case
        app = bench_app(url)
        data = camera_jpeg((2000, 1500))
        with app.app_context():
            org = get_or_create_org("Zip Co")
            venue = Venue(org_id=org.id, name="Hall")
            db.session.add(venue)
            db.session.flush()
            now = datetime.now(UTC)
            ceremony = Ceremony(
                org_id=org.id,
                venue_id=venue.id,
                starts_at=now,
                ends_at=now + timedelta(hours=1),
                blocked_until=now + timedelta(hours=1),
                status="completed",
            )
            db.session.add(ceremony)
            db.session.flush()
            for n in range(photos):
                stored = store(org.id, data, "image/jpeg", f"{n}.jpg")
                db.session.add(
                    Photo(
                        org_id=org.id,
                        ceremony_id=ceremony.id,
                        file_id=stored.id,
                        filename=f"{n}.jpg",
                        width=2000,
                        height=1500,
                    )
                )
                if n % 50 == 0:
                    db.session.commit()
            db.session.commit()
            entries = photo_entries(list(db.session.scalars(db.select(Photo))))
            db.session.rollback()
            db.session.expunge_all()
            tracemalloc.start()
            start, total = time.perf_counter(), 0
            for chunk in zip_chunks(entries):
                total += len(chunk)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        print(
            f"ops        zip of {photos} photos ({label}, {total / 1e6:.0f} MB): "
            f"{seconds * 1000:6.0f} ms, {total / 1e6 / seconds:5.0f} MB/s, "
            f"peak Python memory {peak / 1e6:.1f} MB (one photo is {len(data) / 1e6:.1f} MB)"
        )
        dispose(app)


def run() -> None:
    dashboard_figures()
    thumbnail_figures()
    zip_figures()
