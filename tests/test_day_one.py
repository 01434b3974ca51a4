"""Day one as a planner: the client's ceremony role, the run of show against the booking,
booking from a day page, closed weekdays, calendars for the client, PUBLIC_URL, the standee
cut-out, wording and the audit trail's names."""

import io
import re
from datetime import UTC, datetime, time

import pytest
from PIL import Image, ImageDraw

from tests.conftest import Web, app_config, future_day
from tests.images import png_claiming
from wedding import create_app
from wedding.booking.services import BookingError
from wedding.calendars.services import ceremony_calendar
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.jobs import Job, run_queued
from wedding.models import db, dispose_engines
from wedding.personas.models import Companion
from wedding.personas.services import set_portrait
from wedding.presentation.cutout import CutoutError, cut_out, has_own_transparency
from wedding.presentation.services import cutout_job, propose_cutout, standee_picture_id
from wedding.runofshow.services import apply_template, extend_to_cover, run_window, shift_items
from wedding.storage.models import StoredFile
from wedding.storage.services import store

TOKYO = "Asia/Tokyo"


def tokyo(day, hour, minute=0):
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(TOKYO)).astimezone(UTC)


@pytest.fixture
def planner(make_user):
    return make_user(role="planner", name="山田 花子")


def booked(app, make_venue, make_companion, make_ceremony, org, opens=10, **client):
    """A 10:00–11:30 hold at a venue open from ``opens`` to 18:00."""
    venue = make_venue(org, hours={d: (time(opens), time(18)) for d in range(7)})
    companion = make_companion(org)
    if client:
        with app.app_context():
            row = db.session.get(Client, companion.client_id)
            for name, value in client.items():
                setattr(row, name, value)
            db.session.commit()
    day = future_day(40)
    return make_ceremony(
        org,
        venue=venue,
        companion=companion,
        starts_at=tokyo(day, 10),
        blocked_until=tokyo(day, 12),
    ), venue


@pytest.mark.parametrize(
    ("role", "label", "pronouns", "ja", "en"),
    [
        ("groom", "", "he", "新郎入場", "beside him"),
        ("bride", "", "she", "新婦入場", "beside her"),
        ("partner", "", "they", "新人入場", "beside them"),
        ("custom", "花嫁さま", "they", "花嫁さま入場", "Entrance of the 花嫁さま"),
    ],
)
def test_templates_name_the_client_as_the_ceremony_does(
    app, planner, make_venue, make_companion, make_ceremony, role, label, pronouns, ja, en
):
    ceremony, _ = booked(
        app,
        make_venue,
        make_companion,
        make_ceremony,
        planner.org,
        ceremony_role=role,
        role_label=label,
        pronouns=pronouns,
    )
    with app.app_context():
        items = apply_template(db.session.get(Ceremony, ceremony.id), "jinzen")
        titles = " ".join(f"{i.title_ja} {i.title_en}" for i in items)
        assert ja in titles and en in titles and "{" not in titles


def test_the_client_form_keeps_role_and_pronouns(app, planner, make_client):
    client = make_client(planner.org)
    web = Web(app)
    web.login(planner)
    form = {"full_name": "佐藤 美咲", "language": "ja", "pronouns": "he"}
    page = web.post(
        f"/clients/{client.id}", form | {"ceremony_role": "custom"}, follow_redirects=True
    )
    assert page.status_code == 200
    with app.app_context():
        assert db.session.get(Client, client.id).ceremony_role == "partner"  # nothing saved
    web.post(f"/clients/{client.id}", form | {"ceremony_role": "groom"})
    with app.app_context():
        row = db.session.get(Client, client.id)
        assert (row.ceremony_role, row.pronouns, row.role_word("ja")) == ("groom", "he", "新郎")


@pytest.mark.parametrize(
    ("lang", "says", "not_says"),
    [
        ("ja", "性別を問わない呼び方（進行表・書類では「新人」）", "新人（"),
        ("en", "Gender-neutral", "Neutral ("),
    ],
)
def test_the_neutral_ceremony_role_reads_as_what_it_means(app, planner, lang, says, not_says):
    """新人 alone reads as "rookie": the choice says it is the gender-neutral word."""
    web = Web(app)
    web.login(planner)
    web.post("/language", {"language": lang})
    page = web.get("/clients/new").get_data(as_text=True)
    label = re.search(r'<option[^>]*value="partner"[^>]*>([^<]*)</option>', page).group(1)
    assert says in label and not_says not in label


def test_items_outside_the_booking_warn_and_the_booking_extends(
    app, planner, make_venue, make_companion, make_ceremony
):
    ceremony, _venue = booked(app, make_venue, make_companion, make_ceremony, planner.org, opens=9)
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        apply_template(row, "jinzen")  # 受付 at 9:30, AR at 9:50, photographs until 11:10
        window = run_window(row)
        assert (window.early, window.late, window.before_opening) == (30, 0, 0)
        assert window.can_extend
        db.session.commit()
    web = Web(app)
    web.login(planner)
    page = web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)
    section = page[page.index('id="run-of-show"') :][:3000]
    assert 'id="run-window"' in section and "9:30〜11:30" in section, section
    web.post(f"/ceremonies/{ceremony.id}/run-of-show/extend")
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        local_day = row.starts_at.astimezone(venue_zone()).date()
        assert row.setup_minutes == 30 and row.blocked_from == tokyo(local_day, 9, 30)
        assert run_window(row).fits
    assert 'id="run-window"' not in web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)


def venue_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(TOKYO)


def test_preparation_time_is_blocked_by_the_database(
    app, planner, make_venue, make_companion, make_ceremony
):
    ceremony, venue = booked(app, make_venue, make_companion, make_ceremony, planner.org, opens=8)
    day = ceremony.starts_at.astimezone(venue_zone()).date()
    # Someone else holds 8:15–9:15, blocked with its buffer until 9:45.
    make_ceremony(
        planner.org,
        venue=venue,
        starts_at=tokyo(day, 8, 15),
        minutes=60,
        blocked_until=tokyo(day, 9, 45),
    )
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        apply_template(row, "jinzen")
        db.session.commit()
        # Preparation from 9:30 overlaps that block: only the database can tell, and does.
        with pytest.raises(BookingError) as refused:
            extend_to_cover(row)
        assert refused.value.code == "taken"
        db.session.rollback()
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        assert (row.setup_minutes, row.blocked_from) == (0, row.starts_at)


def test_items_before_opening_offer_a_shift_not_an_extension(
    app, planner, make_venue, make_companion, make_ceremony
):
    ceremony, _ = booked(app, make_venue, make_companion, make_ceremony, planner.org, opens=10)
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        apply_template(row, "jinzen")
        window = run_window(row)
        assert window.before_opening == 30 and not window.can_extend and window.shift == 30
        shift_items(row, window.shift)
        # 10:00–11:40 now: inside the opening hours, ten minutes past the booked end.
        moved = run_window(row)
        assert (moved.before_opening, moved.early, moved.late) == (0, 0, 10)
        assert moved.can_extend
        extend_to_cover(row)
        assert run_window(row).fits and row.wrapup_minutes == 10
        db.session.rollback()


def test_book_this_slot_keeps_the_client_and_the_planner(
    app, planner, make_client, make_companion, make_venue
):
    first = make_client(planner.org, full_name="青木 一")
    chosen = make_client(planner.org, full_name="渡辺 結衣")
    theirs = make_companion(planner.org, client=first, name="Other")
    mine = make_companion(planner.org, client=chosen, name="Seraphina")
    venue = make_venue(planner.org)
    web = Web(app)
    web.login(planner)
    day = future_day(30).isoformat()
    # From the client's form to the availability, the day and back: the client travels along.
    form = web.get(f"/ceremonies/new?client_id={chosen.id}").get_data(as_text=True)
    assert f'href="/booking/?client_id={chosen.id}"' in form  # "See free days"
    page = web.get(f"/booking/day/{day}?venue_id={venue.id}&client_id={chosen.id}")
    chip = re.search(r'class="chip" href="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert f"client_id={chosen.id}" in chip
    form = web.get(chip.replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(
        rf'<option selected value="{chosen.id}">|<option value="{chosen.id}" selected', form
    )
    assert re.search(
        rf'<option[^>]*selected[^>]*value="{planner.id}"|<option value="{planner.id}"[^>]*selected',
        form,
    )
    form = form[form.index('id="companion_id"') :]
    other = re.search(rf'<option[^>]*value="{theirs.id}"[^>]*>', form).group(0)
    assert "hidden" in other and "disabled" in other
    own = re.search(rf'<option[^>]*value="{mine.id}"[^>]*>', form).group(0)
    assert "hidden" not in own
    assert "js/companions.js" in form


def test_a_weekly_closing_day_says_closed(app, planner, make_venue):
    make_venue(planner.org, hours={d: (time(10), time(18)) for d in range(6)})  # no Sundays
    web = Web(app)
    web.login(planner)
    sunday = future_day(30, weekday=6).isoformat()
    assert "定休日" in web.get(f"/booking/day/{sunday}").get_data(as_text=True)
    web.post("/language", {"language": "en"})
    page = web.get(f"/booking/day/{sunday}").get_data(as_text=True)
    assert "closed (regular day off)" not in page and ">closed<" in page


def test_the_english_day_page_gives_rokuyo_in_romaji(app, planner, make_venue):
    make_venue(planner.org)
    web = Web(app)
    web.login(planner)
    web.post("/language", {"language": "en"})
    page = web.get("/booking/day/2031-04-06").get_data(as_text=True)  # 大安
    line = re.search(r'<p class="almanac-line">(.*?)</p>', page, re.S).group(1)
    assert "Taian" in line and "lucky all day" in line and "大安" not in line
    assert "month 3, day 15" in line or re.search(r"month \d+, day \d+", line)
    assert "令和" not in line and "Reiwa 13" in line


def test_english_month_cells_give_rokuyo_in_romaji(app, planner, make_venue):
    venue = make_venue(planner.org)
    web = Web(app)
    web.login(planner)
    web.post("/language", {"language": "en"})
    for url in ("/booking/?month=2031-04", f"/booking/venues/{venue.id}?month=2031-04"):
        page = web.get(url).get_data(as_text=True)
        cells = re.findall(r'<span class="rokuyo rokuyo-(\w+)"[^>]*>([^<]*)</span>', page)
        assert len(cells) >= 30, url
        assert ("taian", "Taian") in cells  # 2031-04-06
        assert not [name for _, name in cells if re.search(r"[\u3040-\u9fff]", name)]
    web.post("/language", {"language": "ja"})
    page = web.get("/booking/?month=2031-04").get_data(as_text=True)
    assert re.search(r'<span class="rokuyo rokuyo-taian"[^>]*>大安</span>', page)


def test_the_client_gets_one_event_with_the_order_staff_get_every_item(
    app, planner, make_venue, make_companion, make_ceremony, tmp_path
):
    ceremony, _ = booked(app, make_venue, make_companion, make_ceremony, planner.org)
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        items = apply_template(row, "jinzen")
        db.session.commit()
        client = ceremony_calendar(row, "ja", "example.test", private=False)
        staff = ceremony_calendar(row, "ja", "example.test")
        assert len(client.events) == 1 and len(staff.events) == len(items) + 1
        assert "10:00 開式の辞" in client.events[0].description
        assert "ARグラス" in client.events[0].description  # the order, not separate events
    runner = app.test_cli_runner()
    for audience, count in (("client", 1), ("staff", len(items) + 1)):
        out = tmp_path / f"{audience}.ics"
        result = runner.invoke(
            args=["calendar", "export", str(ceremony.id), "--for", audience, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert out.read_text().count("BEGIN:VEVENT") == count


def test_public_url_is_used_for_what_is_printed_or_sent(
    app, planner, make_venue, make_companion, make_ceremony
):
    ceremony, _ = booked(app, make_venue, make_companion, make_ceremony, planner.org)
    app.config["PUBLIC_URL"] = "https://wedding.example.jp/"
    web = Web(app)
    web.login(planner)
    ics = web.get(f"/ceremonies/{ceremony.id}/calendar.ics").get_data(as_text=True)
    assert "https://wedding.example.jp/ceremonies/" in ics.replace("\r\n ", "")
    assert "localhost" not in ics
    app.config["PUBLIC_URL"] = ""
    ics = web.get(f"/ceremonies/{ceremony.id}/calendar.ics").get_data(as_text=True)
    assert "http://localhost/ceremonies/" in ics.replace("\r\n ", "")


def test_without_public_url_the_log_says_so_at_start(database_url, caplog):
    """Started for real (not testing, not debug) without PUBLIC_URL: one warning naming it;
    with it configured, or while testing, none."""
    production = {"TESTING": False, "SECRET_KEY": "a-real-secret"}
    for config, warned in (
        (app_config(database_url, **production), True),
        (app_config(database_url, **production, PUBLIC_URL="https://wedding.example.jp"), False),
        (app_config(database_url), False),
    ):
        caplog.clear()
        with caplog.at_level("WARNING", logger="wedding.urls"):
            create_app(config)
        said = [r.getMessage() for r in caplog.records if "FLASK_PUBLIC_URL" in r.getMessage()]
        assert bool(said) is warned, (config, said)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "not configured (PUBLIC_URL)"), ("ja", "PUBLIC_URL）が設定されていません")],
)
def test_the_branding_page_tells_owners_when_public_url_is_missing(app, make_user, language, words):
    owner = make_user(role="owner")
    web = Web(app)
    web.login(owner)
    web.post("/language", {"language": language, "next": "/"})
    app.config["PUBLIC_URL"] = ""
    page = web.get("/company/branding").get_data(as_text=True)
    assert 'id="public-url-note"' in page and words in page
    assert "http://localhost" in page  # the address links use now
    assert "FLASK_PUBLIC_URL" in page
    app.config["PUBLIC_URL"] = "https://wedding.example.jp"
    assert 'id="public-url-note"' not in web.get("/company/branding").get_data(as_text=True)


def picture(background, alpha=False) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", (200, 300), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 30, 140, 110), fill=(250, 210, 180, 255) if alpha else (250, 210, 180))
    draw.rectangle((65, 105, 135, 290), fill=(40, 40, 90, 255) if alpha else (40, 40, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_the_cut_out_keeps_the_figure_and_drops_a_flat_background():
    flat = picture((200, 230, 250))
    assert not has_own_transparency(flat)
    result = Image.open(io.BytesIO(cut_out(flat))).convert("RGBA")
    assert result.getpixel((0, result.height - 1))[3] == 0  # corner: background gone
    assert result.getpixel((result.width // 2, result.height // 2))[3] == 255  # the figure
    assert result.height < 300  # cropped to the figure
    own = picture((0, 0, 0, 0), alpha=True)
    assert has_own_transparency(own)


def test_the_cut_out_of_a_busy_background_uses_grabcut():
    image = Image.new("RGB", (160, 240))
    image.putdata(
        [
            ((x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256)
            for y in range(240)
            for x in range(160)
        ]
    )
    draw = ImageDraw.Draw(image)
    draw.rectangle((55, 40, 105, 220), fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    result = Image.open(io.BytesIO(cut_out(out.getvalue()))).convert("RGBA")
    alpha = result.getchannel("A")
    assert alpha.getextrema()[0] == 0 and alpha.getextrema()[1] == 255


def with_portrait(app, planner, ceremony, colour=(255, 255, 255)) -> int:
    with app.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        companion.portrait_id = store(planner.org_id, picture(colour), "image/png").id
        db.session.commit()
        return companion.portrait_id


def stored_file_ids(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(db.select(StoredFile.id)))


def test_the_planner_accepts_the_cut_out_or_uploads_their_own(
    app, planner, make_venue, make_companion, make_ceremony
):
    ceremony, _ = booked(app, make_venue, make_companion, make_ceremony, planner.org)
    portrait_id = with_portrait(app, planner, ceremony)
    web = Web(app)
    web.login(planner)
    base = f"/ceremonies/{ceremony.id}/presentation"
    assert "cutout/make" in web.get(base).get_data(as_text=True)
    web.post(f"{base}/cutout/make")  # a job (run when the request commits, in tests)
    with app.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        assert companion.cutout_state == "proposed"
        assert standee_picture_id(companion) == portrait_id  # not used before it is accepted
        job = cutout_job(companion)
        assert job.status == "done" and job.result == {"cutout_id": companion.cutout_id}
    assert web.get(f"{base}/cutout.png").mimetype == "image/png"
    web.post(f"{base}/cutout/accept")
    with app.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        assert standee_picture_id(companion) == companion.cutout_id != portrait_id
        accepted = companion.cutout_id
    page = web.post(
        f"{base}/cutout/upload",
        {"cutout": (io.BytesIO(picture((10, 10, 10))), "opaque.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "透過" in page or "transparent" in page
    # Its header is read, never its pixels (it was decoded in the request); 90 million is above
    # Pillow's own warning, and refused as ours all the same.
    for height in (5_000, 9_000):
        huge = web.post(
            f"{base}/cutout/upload",
            {"cutout": (io.BytesIO(png_claiming(10_000, height)), "huge.png")},
            content_type="multipart/form-data",
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "画像が大きすぎます（4000万画素まで。例：5000 × 8000）。" in huge, height
    with app.app_context():
        assert db.session.get(Companion, ceremony.companion_id).cutout_id == accepted
    web.post(
        f"{base}/cutout/upload",
        {"cutout": (io.BytesIO(picture((0, 0, 0, 0), alpha=True)), "mine.png")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        assert companion.cutout_state == "uploaded"
        assert companion.cutout_id != accepted or (
            db.session.get(StoredFile, accepted).filename == "mine.png"  # SQLite reuses ids
        )
        mine = companion.cutout_id
    assert stored_file_ids(app) == {portrait_id, mine}  # the replaced cut-out is gone


def test_the_cut_out_runs_as_a_job_the_page_follows(
    app, database_url, planner, make_venue, make_companion, make_ceremony
):
    ceremony, _ = booked(app, make_venue, make_companion, make_ceremony, planner.org)
    with_portrait(app, planner, ceremony)
    # A queue nobody consumes: the job waits until run_queued plays the worker.
    queued = create_app(app_config(database_url, JOB_QUEUE_URL="memory://"))
    web = Web(queued)
    web.login(planner)
    base = f"/ceremonies/{ceremony.id}/presentation"
    web.post(f"{base}/cutout/make")
    web.post(f"{base}/cutout/make")  # a second click while it waits queues nothing more
    with queued.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        assert companion.cutout_id is None
        job = cutout_job(companion)
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 1
    page = web.get(base).get_data(as_text=True)
    assert f'data-job="/jobs/{job.id}"' in page and "<progress" in page
    assert "cutout/make" not in page
    assert web.get(f"/jobs/{job.id}").get_json()["status"] == "queued"
    assert run_queued(queued) == 1
    page = web.get(base).get_data(as_text=True)
    assert "data-job=" not in page and "cutout/accept" in page
    with queued.app_context():
        db.session.remove()
        dispose_engines()


def test_a_figure_that_cannot_be_cut_out_is_said_not_retried(
    app, planner, make_venue, make_companion, make_ceremony, monkeypatch
):
    ceremony, _ = booked(app, make_venue, make_companion, make_ceremony, planner.org)
    with_portrait(app, planner, ceremony)

    def nothing_left(data):
        raise CutoutError("no figure found")

    monkeypatch.setattr("wedding.presentation.services.cut_out", nothing_left)
    web = Web(app)
    web.login(planner)
    web.post("/language", {"language": "en"})
    base = f"/ceremonies/{ceremony.id}/presentation"
    web.post(f"{base}/cutout/make")
    with app.app_context():
        job = cutout_job(db.session.get(Companion, ceremony.companion_id))
        assert (job.status, job.attempts) == ("done", 1)
    page = web.get(base).get_data(as_text=True)
    assert "No figure could be told from the background" in page


def test_a_new_portrait_deletes_the_old_cut_out(
    app, planner, make_venue, make_companion, make_ceremony
):
    ceremony, _ = booked(app, make_venue, make_companion, make_ceremony, planner.org)
    with_portrait(app, planner, ceremony)
    with app.app_context():
        propose_cutout(ceremony.companion_id)
        db.session.commit()
        old = db.session.get(Companion, ceremony.companion_id).cutout_id
    before = stored_file_ids(app)
    assert old in before
    with app.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        set_portrait(companion, picture((0, 0, 0)), "new.png")
        db.session.commit()
        assert (companion.cutout_id, companion.cutout_state) == (None, "")
        new_portrait = companion.portrait_id
    assert stored_file_ids(app) == before - {old} | {new_portrait}


def test_wording_in_the_catalogs():
    from pathlib import Path

    ja = (Path(__file__).parents[1] / "wedding/translations/ja/LC_MESSAGES/messages.po").read_text()
    strings = re.findall(r'^msgstr "(.*)"$', ja, re.M)
    assert not [s for s in strings if re.search(r"\)s (様|さん)", s)]
    assert not [s for s in strings if "シード" in s]
    assert "%(name)sを取り込みました。" in strings


def test_the_model_upload_is_not_marked_required(
    app, planner, make_venue, make_companion, make_ceremony
):
    ceremony, _ = booked(app, make_venue, make_companion, make_ceremony, planner.org)
    web = Web(app)
    web.login(planner)
    page = web.get(f"/ceremonies/{ceremony.id}/presentation").get_data(as_text=True)
    model = re.search(r'<input[^>]*id="model"[^>]*>', page).group(0)
    assert "required" not in model


def test_the_audit_trail_names_people_and_clients(app, make_user, make_client):
    owner = make_user(role="owner", name="オーナー 太郎")
    client = make_client(owner.org, full_name="渡辺 結衣")
    web = Web(app)
    web.login(owner)
    web.get(f"/clients/{client.id}")
    page = web.get("/audit").get_data(as_text=True)
    assert "オーナー 太郎" in page and "渡辺 結衣" in page


def colour_value(page: str) -> str:
    tag = re.search(r'<input[^>]*type="color"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1) if "value=" in tag else ""


def test_the_branding_colour_field_always_has_a_colour(app, make_user):
    # Only owners reach /company/branding (the documents' couple fixture is a planner: 403).
    owner = make_user(role="owner")
    web = Web(app)
    web.login(owner)
    fresh = web.get("/company/branding")
    assert fresh.status_code == 200
    assert re.fullmatch(r"#[0-9a-f]{6}", colour_value(fresh.get_data(as_text=True)), re.I)
    saved = web.post("/company/branding", {"color": "", "logo": (io.BytesIO(b""), "")})
    assert saved.status_code == 302  # no colour: the theme's own
    assert re.fullmatch(r"#[0-9a-f]{6}", colour_value(web.get("/company/branding").get_data(True)))
    web.post("/company/branding", {"color": "#c9637f", "logo": (io.BytesIO(b""), "")})
    bad = web.post("/company/branding", {"color": "red", "logo": (io.BytesIO(b""), "")})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and ("#a8883f" in page)  # the message names the form
    assert colour_value(page) == "#c9637f"  # the input shows the saved colour, not "red"
