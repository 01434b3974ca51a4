"""Pages a planner waits for: the dashboard, lists and search with 500 ceremonies."""

from datetime import UTC, datetime, timedelta

from bench.common import databases, dispose, migrated_app, reset_postgresql, timed
from wedding.accounts.services import create_user, get_or_create_org
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.personas.models import Companion
from wedding.venues.models import Venue

PASSWORD = "bench-password-123"  # noqa: S105


def seed(ceremonies: int = 500) -> str:
    org = get_or_create_org("Bench Bridal")
    user = create_user(org, "bench@example.com", PASSWORD, role="owner")
    venues = [Venue(org_id=org.id, name=f"Hall {i}") for i in range(20)]
    clients = [Client(org_id=org.id, full_name=f"客 {i}") for i in range(ceremonies)]
    db.session.add_all(venues + clients)
    db.session.flush()
    companions = [Companion(org_id=org.id, client_id=c.id, name=f"伴 {c.id}") for c in clients]
    db.session.add_all(companions)
    db.session.flush()
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for i, companion in enumerate(companions):
        begins = start + timedelta(hours=3 * i)
        db.session.add(
            Ceremony(
                org_id=org.id,
                client_id=companion.client_id,
                companion_id=companion.id,
                venue_id=venues[i % 20].id,
                starts_at=begins,
                ends_at=begins + timedelta(minutes=90),
                blocked_until=begins + timedelta(minutes=90),
                status="confirmed",
            )
        )
    db.session.commit()
    return user.email


def run() -> None:
    print("== Pages (500 ceremonies, warm, in process, each made: the response cache off) ==")
    with databases() as targets:
        for label, url in targets:
            if label == "postgresql":
                reset_postgresql(url)
            app = migrated_app(url)
            app.config["WTF_CSRF_ENABLED"] = False
            app.config["RESPONSE_CACHE"] = False  # the making of each page, not a kept copy
            with app.app_context():
                email = seed()
            client = app.test_client()
            client.post("/login", data={"email": email, "password": PASSWORD})
            for name, path in (
                ("dashboard", "/"),
                ("ceremony list page", "/ceremonies/"),
                ("client search", "/clients/?q=%E5%AE%A2%2012"),
            ):
                median, p95 = timed(lambda path=path, client=client: client.get(path))
                print(f"{label:10} {name:28} median {median:6.1f} ms   p95 {p95:6.1f} ms")
            dispose(app)
