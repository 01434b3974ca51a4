"""`flask demo`: a fictional Okayama planner company to try the app with."""

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from PIL import Image, ImageDraw

from wedding import almanac
from wedding.accounts.services import create_user, find_user, get_or_create_org
from wedding.billing import services as billing
from wedding.billing.models import BillingProfile, Plan
from wedding.billing.money import Line, registration_number_for
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.services import CeremonyDetails, schedule_ceremony
from wedding.clients.models import Client
from wedding.documents.models import DocumentSettings
from wedding.guests.services import add_guest, record_reply
from wedding.models import db
from wedding.personas.models import Companion
from wedding.personas.services import save_story, stories_of
from wedding.presentation.services import standee_file_id
from wedding.runofshow.services import apply_template, extend_to_cover, run_window
from wedding.storage.services import store
from wedding.tasks.services import apply_checklist, create_standard_template
from wedding.venues.models import OpeningHours, Venue
from wedding.vows.audio import record_voice_consent
from wedding.vows.services import approve_vow, draft_vows

DEMO_ORG = "晴れの日ブライダル岡山 (Hare no Hi Bridal Okayama)"
DEMO_EMAIL = "demo@hare-no-hi.example"
DEMO_PASSWORD = "hare-no-hi-demo"  # noqa: S105 - printed for the demo on purpose

VENUES = [
    {
        "name": "チャペルホール 白鷺 (Shirasagi Chapel Hall)",
        "address": "岡山県岡山市北区駅元町1-1 (fictional)",
        "capacity": 60,
        "notes": "AR glasses charging station in the bridal room.",
        "durations": [60, 90, 120],
        "buffer_minutes": 60,
        "hours": {day: (time(10), time(19)) for day in range(7) if day != 1},  # closed Tuesdays
    },
    {
        "name": "旭川ほとりの庭 (Asahi Riverside Garden)",
        "address": "岡山県岡山市北区後楽園2-3 (fictional)",
        "capacity": 40,
        "notes": "Outdoor: the life-size panel needs sandbags on windy days.",
        "durations": [60, 90],
        "buffer_minutes": 30,
        "hours": {day: (time(9), time(16)) for day in (4, 5, 6)},  # Friday to Sunday
    },
    {
        "name": "フォトスタジオ ひだまり (Hidamari Photo Studio)",
        "address": "岡山県倉敷市本町4-5 (fictional)",
        "capacity": 12,
        "notes": "Green screen for compositing the companion into photos.",
        "durations": [60, 120],
        "buffer_minutes": 15,
        "hours": {day: (time(10), time(18)) for day in range(6)},  # closed Sundays
    },
]


# Fictional: a check-digit-valid number that is not the company's (there is no such company).
DEMO_REGISTRATION = registration_number_for("900000000001")
PLANS = [
    {
        "kind": "plan",
        "name": "人前式プラン",
        "name_en": "Civil-style ceremony plan",
        "unit_price": 180_000,
        "included": "チャペル挙式 (90分)\n司会・立会人\n結婚証明書 (アクリルフレーム)\n"
        "ARグラス 1台\n写真データ 50枚",
    },
    {
        "kind": "plan",
        "name": "フォトプラン",
        "name_en": "Photo plan",
        "unit_price": 32_728,
        "included": "スタジオ撮影 (60分)\n写真データ 50枚\nキャラクター合成",
    },
    {
        "kind": "plan",
        "name": "証明書のみ",
        "name_en": "Certificate only",
        "unit_price": 7_910,
        "included": "結婚証明書 (アクリルフレーム)",
    },
    {"kind": "option", "name": "ARグラス レンタル", "name_en": "AR glasses", "unit_price": 10_000},
    {"kind": "option", "name": "等身大パネル", "name_en": "Life-size panel", "unit_price": 25_000},
    {"kind": "option", "name": "アクリルスタンド", "name_en": "Acrylic stand", "unit_price": 3_500},
    {
        "kind": "option",
        "name": "追加写真データ 10枚",
        "name_en": "10 more photos",
        "unit_price": 5_000,
    },
    {
        "kind": "option",
        "name": "誓いの言葉の音声",
        "name_en": "Voice of the vows",
        "unit_price": 8_000,
    },
    {
        "kind": "option",
        "name": "引菓子",
        "name_en": "Wedding sweets",
        "unit_price": 1_200,
        "tax_rate": 8,
    },
]


def _demo_billing(org_id: int, ceremony: Ceremony, today: date) -> None:
    """Invoice details, the price list, and the demo ceremony's quote and deposit invoice."""
    _get_or_add(
        BillingProfile,
        org_id,
        {},
        issuer_name="晴れの日ブライダル岡山 株式会社 (fictional)",
        registration_number=DEMO_REGISTRATION,
        address="岡山県岡山市北区駅元町1-1 (fictional)",
        phone="086-000-0000",
        bank_name="みどり銀行 (fictional)",
        bank_branch="岡山駅前支店",
        account_type="ordinary",
        account_number="1234567",
        account_holder="ハレノヒブライダルオカヤマ(カ",
        deposit_percent=30,
        deposit_due_days=7,
        balance_days_before=30,
        cancellation_policy=[[90, 0], [60, 20], [30, 50], [7, 80], [0, 100]],
    )
    plans = {}
    for position, spec in enumerate(PLANS):
        fields = {"tax_rate": 10, "position": position, **spec}
        plans[spec["name"]] = _get_or_add(Plan, org_id, {"name": fields.pop("name")}, **fields)
    if billing.quote_of(ceremony.id) is not None:
        return
    quote = billing.save_quote(
        ceremony,
        plans["人前式プラン"],
        [(plans["ARグラス レンタル"], 1), (plans["等身大パネル"], 1), (plans["引菓子"], 12)],
        notes="ARグラスは新婦さまとカメラマンに1台ずつ。"
        " AR glasses for the bride and the photographer.",
    )
    # As the schedule takes it when the client signs: this invoice is kept then.
    deposit = billing.deposit_subtotals(billing.quote_totals(quote).subtotal_by_rate, 30)
    lines = [
        Line(f"申込金{billing.rate_suffix(rate, 'ja')}", amount, 1, rate)
        for rate, amount in sorted(deposit.items(), reverse=True)
    ]
    billing.create_invoice(ceremony, "deposit", today + timedelta(days=7), lines, today)


def _get_or_add(model, org_id: int, lookup: dict, **fields):
    record = db.session.scalar(db.select(model).filter_by(org_id=org_id, **lookup))
    if record is None:
        record = model(org_id=org_id, **lookup, **fields)
        db.session.add(record)
        db.session.flush()
    return record


def _next_taian(start: date, closed_weekday: int) -> date:
    """The first 大安 on or after ``start`` that is not the venue's closed weekday."""
    day = start
    while almanac.describe(day).rokuyo != "大安" or day.weekday() == closed_weekday:
        day += timedelta(days=1)
    return day


# The couple's questionnaire, as Misaki filled it in (both languages).
DEMO_STORY = {
    "ja": {
        "how_met": "眠れない夜に、美咲がレンに初めて話しかけた",
        "client_calls_companion": "レン",
        "companion_calls_client": "美咲",
        "moment_knew": "仕事で落ち込んだ日に、レンが何も言わずに朝まで話を聞いてくれた",
        "proposal_words": "これからの季節を、全部きみの隣で過ごしたい。",
        "promises": "毎朝おはようを言う\n泣きたい日には一番に話を聞く\n雨の日は一緒に本を読む",
        "for_guests": "レンは照れ屋だけど、誰よりも優しい",
    },
    "en": {
        "how_met": "Misaki could not sleep one night and wrote to Ren for the first time",
        "client_calls_companion": "Ren",
        "companion_calls_client": "Misaki",
        "moment_knew": "Misaki had a terrible day at work and Ren listened to her until morning "
        "without saying a word",
        "proposal_words": "I want to spend every season to come beside you.",
        "promises": "say good morning every day\nbe the first to listen on the hard days\n"
        "read books together when it rains",
        "for_guests": "Ren is shy, but he is the kindest person I know",
    },
}


def demo_portrait() -> bytes:
    """A drawn stand-in for the companion's artwork (a cut-out figure with transparency)."""
    width, height = 600, 1500
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, 1400, 480, 1490), fill=(60, 40, 50, 60))  # shadow on the floor
    draw.rounded_rectangle((170, 330, 430, 900), radius=90, fill=(58, 66, 96, 255))  # jacket
    draw.polygon([(300, 340), (255, 520), (300, 600), (345, 520)], fill=(245, 240, 235, 255))
    draw.rectangle((195, 880, 290, 1420), fill=(44, 48, 70, 255))  # legs
    draw.rectangle((310, 880, 405, 1420), fill=(44, 48, 70, 255))
    draw.ellipse((185, 1390, 295, 1440), fill=(30, 26, 30, 255))
    draw.ellipse((305, 1390, 415, 1440), fill=(30, 26, 30, 255))
    draw.rounded_rectangle((120, 350, 185, 820), radius=30, fill=(58, 66, 96, 255))  # arms
    draw.rounded_rectangle((415, 350, 480, 820), radius=30, fill=(58, 66, 96, 255))
    draw.ellipse((210, 110, 390, 320), fill=(250, 226, 210, 255))  # face
    draw.chord((196, 80, 404, 300), 180, 360, fill=(92, 64, 84, 255))  # hair
    draw.ellipse((255, 200, 275, 215), fill=(70, 50, 60, 255))
    draw.ellipse((325, 200, 345, 215), fill=(70, 50, 60, 255))
    draw.arc((275, 240, 325, 270), 20, 160, fill=(180, 90, 100, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


DEMO_GUESTS = (  # a handful in person, the bride's cousin online from Sapporo
    ("佐藤 由美 (Yumi Sato)", "yes"),
    ("佐藤 健一 (Ken'ichi Sato)", "yes"),
    ("高橋 綾 (Aya Takahashi)", "online"),
    ("森 里奈 (Rina Mori)", "pending"),
)


def load_demo(today: date) -> tuple[str, str]:
    """Create the demo company once; running it again changes nothing."""
    org = get_or_create_org(DEMO_ORG)
    planner = find_user(DEMO_EMAIL) or create_user(
        org, DEMO_EMAIL, DEMO_PASSWORD, role="owner", name="山田 花子 (Hanako Yamada)"
    )
    venues = []
    for spec in VENUES:
        fields = {k: v for k, v in spec.items() if k not in ("name", "hours")}
        venue = _get_or_add(Venue, org.id, {"name": spec["name"]}, **fields)
        if not venue.hours:
            venue.hours = [
                OpeningHours(weekday=day, opens=opens, closes=closes)
                for day, (opens, closes) in spec["hours"].items()
            ]
        venues.append(venue)
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
        nickname="レンくん",
        first_person="僕",
        tone="gentle",
        calls_client="美咲",
        catchphrases="大丈夫、僕がいるよ。\nゆっくりでいいんだよ。",
        traits="穏やかで聞き上手。本と雨の音が好き。",
        pronouns="he",
        voice_pitch=-3,
        voice_speed=95,
        appearance="黒髪\n眼鏡\n紺のカーディガン",
        origin="ai_platform",
        platform="ChatGPT",
        presence="ar_glasses",
        artwork_printable=True,
    )
    if not stories_of(companion.id):
        for lang, answers in DEMO_STORY.items():
            save_story(companion, lang, answers, f"planner:{planner.id}")
    if companion.portrait_id is None:
        companion.portrait_id = store(org.id, demo_portrait(), "image/png", "ren-portrait.png").id
    ceremony = db.session.scalar(db.select(Ceremony).where(Ceremony.client_id == client.id))
    if ceremony is None:
        day = _next_taian(today + timedelta(days=45), closed_weekday=1)
        ceremony = schedule_ceremony(
            org.id,
            CeremonyDetails(
                client_id=client.id,
                companion_id=companion.id,
                venue_id=venues[0].id,
                date=day,
                start_time=time(11, 0),
                duration_minutes=90,
                guest_count=12,
                planner_id=planner.id,
                notes="AR glasses for the bride and the photographer; "
                "the planner reads Ren's vows aloud.",
            ),
            intent="hold",
        )
        apply_template(ceremony, "jinzen")
        # Guests are received half an hour before the start: book that time too, as the
        # planner's "Extend the booking" does, so the run of show fits from the first day.
        if not run_window(ceremony).fits:
            extend_to_cover(ceremony)
        checklist = create_standard_template(org.id, "ja", "AR挙式（標準）")
        apply_checklist(ceremony, checklist)
        for name, reply in DEMO_GUESTS:
            guest = add_guest(ceremony, name)
            if reply != "pending":
                record_reply(ceremony, guest, reply, "")
        db.session.add(
            DocumentSettings(
                org_id=org.id,
                ceremony_id=ceremony.id,
                theme="sakura",
                language="both",
                size="a4",
                vow_reader="山田 花子 (Hanako Yamada)",
                photographer="岡本 健 (Ken Okamoto)",
                witness="佐藤 由美 (Yumi Sato)",
                thank_you="",
            )
        )
        for lang in ("ja", "en"):
            drafts = draft_vows(ceremony, lang, "companion", seed=1, user_id=planner.id)
            approve_vow(drafts.versions[0], f"planner:{planner.id}")
        record_voice_consent(org.id, client.id, client.full_name, planner.id)
    _demo_billing(org.id, ceremony, today)
    standee_file_id(companion)  # made here (a command, not a request): the viewer works at once
    return DEMO_EMAIL, DEMO_PASSWORD


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo planner company (safe to run again)."""
    email, password = load_demo(datetime.now(ZoneInfo("Asia/Tokyo")).date())
    db.session.commit()
    click.echo(f"Demo planner login: {email} / {password}")
