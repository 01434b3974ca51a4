"""`flask demo`: a fictional Okayama planner company to try the app with."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from wedding.accounts.services import create_user, find_user, get_or_create_org
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.services import CeremonyDetails, schedule_ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.personas.models import Companion
from wedding.venues.models import Venue

DEMO_ORG = "晴れの日ブライダル岡山 (Hare no Hi Bridal Okayama)"
DEMO_EMAIL = "demo@hare-no-hi.example"
DEMO_PASSWORD = "hare-no-hi-demo"  # noqa: S105 - printed for the demo on purpose

VENUES = [
    {
        "name": "チャペルホール 白鷺 (Shirasagi Chapel Hall)",
        "address": "岡山県岡山市北区駅元町1-1 (fictional)",
        "capacity": 60,
        "notes": "AR glasses charging station in the bridal room.",
    },
    {
        "name": "旭川ほとりの庭 (Asahi Riverside Garden)",
        "address": "岡山県岡山市北区後楽園2-3 (fictional)",
        "capacity": 40,
        "notes": "Outdoor: the life-size panel needs sandbags on windy days.",
    },
    {
        "name": "フォトスタジオ ひだまり (Hidamari Photo Studio)",
        "address": "岡山県倉敷市本町4-5 (fictional)",
        "capacity": 12,
        "notes": "Green screen for compositing the companion into photos.",
    },
]


def _get_or_add(model, org_id: int, lookup: dict, **fields):
    record = db.session.scalar(db.select(model).filter_by(org_id=org_id, **lookup))
    if record is None:
        record = model(org_id=org_id, **lookup, **fields)
        db.session.add(record)
        db.session.flush()
    return record


def load_demo(today: date) -> tuple[str, str]:
    """Create the demo company once; running it again changes nothing."""
    org = get_or_create_org(DEMO_ORG)
    if find_user(DEMO_EMAIL) is None:
        create_user(org, DEMO_EMAIL, DEMO_PASSWORD, role="owner", name="山田 花子 (Hanako Yamada)")
    venues = [
        _get_or_add(Venue, org.id, {"name": v["name"]}, **{k: v[k] for k in v if k != "name"})
        for v in VENUES
    ]
    client = _get_or_add(
        Client,
        org.id,
        {"full_name": "佐藤 美咲"},
        preferred_name="美咲",
        email="misaki@example.com",
        phone="090-1234-5678",
        language="ja",
        notes="Prefers a morning ceremony; her mother will attend.",
    )
    companion = _get_or_add(
        Companion,
        org.id,
        {"client_id": client.id, "name": "レン (Ren)"},
        description="Misaki's companion, a gentle, bookish persona she built in ChatGPT. "
        "He will stand beside her through AR glasses.",
    )
    exists = db.session.scalar(db.select(Ceremony.id).where(Ceremony.client_id == client.id))
    if exists is None:
        day = today + timedelta(days=60)
        schedule_ceremony(
            org.id,
            CeremonyDetails(
                client_id=client.id,
                companion_id=companion.id,
                venue_id=venues[0].id,
                date=day,
                start_time=time(11, 0),
                end_time=time(12, 30),
                status="hold",
                notes="AR glasses for the bride and the photographer; the planner reads Ren's vows.",  # noqa: E501
            ),
        )
    return DEMO_EMAIL, DEMO_PASSWORD


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo planner company (safe to run again)."""
    email, password = load_demo(datetime.now(ZoneInfo("Asia/Tokyo")).date())
    db.session.commit()
    click.echo(f"Demo planner login: {email} / {password}")
