"""The booking pages through HTTP: month grids, the day view, the agenda, the booking form."""

from datetime import time, timedelta

import lxml.html
import pytest

from tests.conftest import future_day, venue_form
from wedding.ceremonies.models import Ceremony
from wedding.models import db, utcnow
from wedding.venues.models import Venue

DAY = future_day(50)


@pytest.fixture
def planner(web, make_user):
    user = make_user(role="planner")
    web.login(user)
    return user


@pytest.fixture
def setup(planner, make_venue, make_companion):
    venue = make_venue(planner.org, name="白鷺", hours={d: (time(10), time(16)) for d in range(7)})
    companion = make_companion(planner.org)
    return venue, companion


def book(web, venue, companion, start="11:00", intent="hold", **extra):
    return web.post(
        "/ceremonies/new",
        {
            "client_id": companion.client_id,
            "companion_id": companion.id,
            "venue_id": venue.id,
            "date": DAY.isoformat(),
            "start_time": start,
            "duration_minutes": "60",
            "intent": intent,
            **extra,
        },
    )


def test_month_grids_show_rokuyo_and_counts(web, setup):
    venue, companion = setup
    book(web, venue, companion)
    month = DAY.strftime("%Y-%m")
    page = web.get(f"/booking/venues/{venue.id}?month={month}").get_data(as_text=True)
    assert page.count('class="rokuyo') >= 28
    assert "仮押さえ 1" in page
    overview = web.get(f"/booking/?month={month}").get_data(as_text=True)
    assert "仮押さえ 1" in overview and "空き" in overview
    lucky = web.get(f"/booking/?month={month}&lucky=1").get_data(as_text=True)
    assert "dim" in lucky  # days that are not 大安/友引 are greyed out
    assert web.get("/booking/?month=2031-13").status_code == 400  # with one line saying why


@pytest.mark.parametrize(
    ("lang", "month", "says"),
    [
        (
            "ja",
            "2027-13",
            "2027-13 という月はありません。YYYY-MM の形で、1990年1月から2100年12月までの月を"
            "指定してください。",
        ),
        ("ja", "9999-12", "9999-12 はカレンダーの範囲外です。1990年1月から2100年12月までの"),
        ("ja", "2027-4", "2027-4 という月はありません。YYYY-MM の形で"),
        (
            "en",
            "2027-13",
            "There is no month 2027-13. Give one as YYYY-MM, from January 1990 to December 2100.",
        ),
        ("en", "0001-01", "0001-01 is outside the calendar: choose a month from January 1990"),
        ("en", "<b>x</b>", "There is no month &lt;b&gt;x&lt;/b&gt;."),
    ],
)
def test_a_month_the_calendar_cannot_show_is_named_in_the_one_line(
    web, planner, make_venue, lang, month, says
):
    venue = make_venue(planner.org)
    web.post("/language", {"language": lang})
    for url in ("/booking/", f"/booking/venues/{venue.id}"):
        page = web.get(url, query_string={"month": month})
        assert page.status_code == 400
        assert says in page.get_data(as_text=True)


def test_day_view_lists_free_times_and_bookings(web, setup):
    venue, companion = setup
    book(web, venue, companion)
    page = web.get(f"/booking/day/{DAY.isoformat()}").get_data(as_text=True)
    assert "佐藤 美咲" in page  # the held ceremony
    assert "start_time=10:00" not in page  # 10:00 + 60 + 30 runs into the 11:00 hold
    assert "start_time=12:30" in page
    morning = web.get(f"/booking/day/{DAY.isoformat()}?part=afternoon").get_data(as_text=True)
    assert "start_time=10:" not in morning
    assert web.get("/booking/day/not-a-date").status_code == 404


def test_agenda_week_and_day(web, setup):
    venue, companion = setup
    book(web, venue, companion)
    week = web.get(f"/booking/agenda?date={DAY.isoformat()}").get_data(as_text=True)
    day = web.get(f"/booking/agenda?span=day&date={DAY.isoformat()}").get_data(as_text=True)
    assert "佐藤 美咲" in week and "佐藤 美咲" in day
    assert "11:00–12:00" in day


def test_a_taken_slot_offers_alternatives_and_the_waitlist(
    app, web, planner, setup, make_companion
):
    venue, companion = setup
    assert book(web, venue, companion).status_code == 302
    other = make_companion(planner.org, name="カイ")
    refused = book(web, venue, other)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "この枠はすでに埋まっています" in page
    assert (
        "空いている他の時間" in page
        and '<input type="hidden" name="start_time" value="12:30">' in page
    )
    assert "キャンセル待ちに登録" in page
    joined = book(web, venue, other, intent="waitlist")
    assert joined.status_code == 302
    with app.app_context():
        statuses = sorted(c.status for c in db.session.scalars(db.select(Ceremony)))
    assert statuses == ["hold", "waitlisted"]


def test_confirm_with_deposit_cancel_and_promote(app, web, planner, setup, make_companion):
    venue, companion = setup
    book(web, venue, companion)
    other = make_companion(planner.org, name="カイ")
    book(web, venue, other, intent="waitlist")
    with app.app_context():
        held, waiting = db.session.scalars(db.select(Ceremony).order_by(Ceremony.id)).all()
    page = web.get(f"/ceremonies/{held.id}").get_data(as_text=True)
    assert "まで仮押さえ中" in page and "進行表" in page
    assert web.post(f"/ceremonies/{held.id}/confirm", {"deposit": "-1"}).status_code == 302
    with app.app_context():
        assert db.session.get(Ceremony, held.id).status == "hold"  # refused, nothing changed
    web.post(f"/ceremonies/{held.id}/confirm", {"deposit": "50000"})
    with app.app_context():
        row = db.session.get(Ceremony, held.id)
        assert (row.status, row.deposit_amount) == ("confirmed", 50000)
    page = web.get(f"/ceremonies/{held.id}").get_data(as_text=True)
    assert "¥50,000" in page
    # A confirmed ceremony's cancel button is behind a question, not one click away.
    cancels = lxml.html.fromstring(page).xpath(f"//form[@action='/ceremonies/{held.id}/cancel']")
    assert len(cancels) == 1
    asking = cancels[0].getparent()
    assert asking.tag == "details" and "confirm-step" in asking.get("class")
    assert asking.xpath("string(summary)") == "キャンセル"
    assert cancels[0].xpath("string(.//button)") == "はい、この挙式をキャンセルします"
    web.post(f"/ceremonies/{held.id}/cancel")
    with app.app_context():
        assert db.session.get(Ceremony, held.id).status == "cancelled"
        assert db.session.get(Ceremony, waiting.id).status == "hold"  # moved up


def test_rescheduling_through_the_form_keeps_the_old_slot_when_taken(
    app, web, planner, setup, make_companion
):
    venue, companion = setup
    book(web, venue, companion, start="11:00")
    other = make_companion(planner.org, name="カイ")
    book(web, venue, other, start="14:00")
    with app.app_context():
        mine = db.session.scalars(db.select(Ceremony).order_by(Ceremony.id)).first()
        before = mine.starts_at
    form = {
        "client_id": companion.client_id,
        "companion_id": companion.id,
        "venue_id": venue.id,
        "date": DAY.isoformat(),
        "start_time": "14:00",
        "duration_minutes": "60",
        "notes": "",
    }
    response = web.post(f"/ceremonies/{mine.id}", form)
    assert response.status_code == 200
    assert "この枠はすでに埋まっています" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Ceremony, mine.id).starts_at == before
    form["start_time"] = "12:30"
    assert web.post(f"/ceremonies/{mine.id}", form).status_code == 302
    with app.app_context():
        assert db.session.get(Ceremony, mine.id).starts_at != before


def test_venue_rules_and_closures_through_the_venue_page(app, web, setup):
    venue, _ = setup

    response = web.post(
        f"/venues/{venue.id}",
        venue_form(
            name="白鷺", durations="60, 75", **{"hours-1-open": "", "hours-2-closes": "09:00"}
        ),
    )
    assert response.status_code == 200  # Wednesday closes before it opens
    assert "終了時刻は開始時刻より後" in response.get_data(as_text=True)
    form = venue_form(name="白鷺", durations="60, 75, 60")
    del form["hours-1-open"]  # closed on Tuesdays
    assert web.post(f"/venues/{venue.id}", form).status_code == 302
    with app.app_context():
        row = db.session.get(Venue, venue.id)
        assert row.durations == [60, 75]
        assert sorted(h.weekday for h in row.hours) == [0, 2, 3, 4, 5, 6]
    closed = web.post(
        f"/venues/{venue.id}/closures",
        {"starts_on": DAY.isoformat(), "ends_on": DAY.isoformat(), "reason": "改装"},
    )
    assert closed.status_code == 302
    page = web.get(f"/booking/venues/{venue.id}?month={DAY.strftime('%Y-%m')}").get_data(
        as_text=True
    )
    assert "休業" in page
    bad = web.post(
        f"/venues/{venue.id}/closures",
        {"starts_on": DAY.isoformat(), "ends_on": "2000-01-01", "reason": ""},
    )
    assert bad.status_code == 302
    with app.app_context():
        assert len(db.session.get(Venue, venue.id).closures) == 1


def test_sweep_command(app, web, setup):
    venue, companion = setup
    book(web, venue, companion)
    result = app.test_cli_runner().invoke(args=["bookings", "sweep"])
    assert result.exit_code == 0
    assert "expired 0, promoted 0" in result.output


def test_dashboard_lists_holds_that_lapse_soon(app, web, setup):
    venue, companion = setup
    book(web, venue, companion)
    assert "まもなく期限" not in web.get("/").get_data(as_text=True)
    with app.app_context():
        ceremony = db.session.scalar(db.select(Ceremony))
        ceremony.hold_expires_at = utcnow() + timedelta(days=1)  # inside the 2-day window
        db.session.commit()
    page = web.get("/").get_data(as_text=True)
    assert "まもなく期限" in page and "佐藤 美咲" in page


def test_a_venue_abroad_shows_its_own_countrys_holidays(web, planner, make_venue):
    seattle = make_venue(planner.org, name="Lakeside", timezone="America/Los_Angeles")
    tokyo = make_venue(planner.org, name="白鷺")
    web.post("/language", {"language": "en"})
    abroad = web.get(f"/booking/venues/{seattle.id}?month=2031-01").get_data(as_text=True)
    assert "Martin Luther King Jr. Day" in abroad and "Coming of Age Day" not in abroad
    home = web.get(f"/booking/venues/{tokyo.id}?month=2031-01").get_data(as_text=True)
    assert "Coming of Age Day" in home and "Martin Luther King" not in home
