"""The booking form through HTTP: what it offers for the chosen venue."""

from datetime import time, timedelta

import lxml.html
import pytest

from tests.conftest import future_day
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.services import venue_instant
from wedding.models import db
from wedding.venues.models import Closure

DAY = future_day(40)


@pytest.fixture
def planner(web, make_user):
    user = make_user(role="planner")
    web.login(user)
    return user


def lengths(page: str) -> tuple[list[str], list[str]]:
    """The length menu's options a planner can choose, and the one chosen."""
    menu = lxml.html.fromstring(page).get_element_by_id("duration_minutes")
    offered = [o.get("value") for o in menu.xpath("option[not(@disabled)]")]
    return offered, [o.get("value") for o in menu.xpath("option[@selected]")]


def test_the_length_menu_offers_the_chosen_venues_lengths(web, planner, make_venue):
    hall = make_venue(planner.org, name="Hall")  # 60, 90 and 120 minutes
    studio = make_venue(planner.org, name="Studio", durations=[120, 60])

    assert lengths(web.get(f"/ceremonies/new?venue_id={studio.id}").get_data(as_text=True)) == (
        ["60", "120"],
        ["60"],
    )
    assert lengths(web.get(f"/ceremonies/new?venue_id={hall.id}").get_data(as_text=True)) == (
        ["60", "90", "120"],
        ["60"],
    )
    # A length from a link that this venue does not offer is not chosen for the planner.
    page = web.get(f"/ceremonies/new?venue_id={studio.id}&duration_minutes=90").get_data(
        as_text=True
    )
    assert lengths(page) == (["60", "120"], ["60"])
    # Each venue says what it offers, for static/js/durations.js when the venue changes.
    venues = lxml.html.fromstring(page).get_element_by_id("venue_id")
    assert {o.text: o.get("data-durations") for o in venues.xpath("option")} == {
        "Hall": "60 90 120",
        "Studio": "60 120",
    }
    assert "js/durations.js" in page


def test_the_server_still_refuses_a_length_the_venue_does_not_offer(
    web, planner, make_venue, make_companion
):
    make_venue(planner.org, name="Hall")
    studio = make_venue(planner.org, name="Studio", durations=[60, 120])
    companion = make_companion(planner.org)
    response = web.post(
        "/ceremonies/new",
        {
            "client_id": companion.client_id,
            "venue_id": studio.id,
            "date": DAY.isoformat(),
            "start_time": "11:00",
            "duration_minutes": "90",
            "intent": "hold",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "この会場で受け付けている挙式の長さは60、120分です。" in page
    assert lengths(page) == (["60", "120"], ["90"])  # what was sent stays shown, refused


def shown_errors(page: str) -> dict[str, str]:
    """Each field's error message on the page, by field id."""
    return {
        p.get("id").removesuffix("-error"): p.text_content()
        for p in lxml.html.fromstring(page).xpath("//p[@class='error']")
    }


@pytest.fixture
def closed_studio(app, planner, make_venue):
    """A venue closed on DAY, offering an hour and two, for forty guests; and a Hall (whose
    90 minutes keep that length in the menu, as a choice the form accepts)."""
    make_venue(planner.org, name="Hall")
    studio = make_venue(planner.org, name="Studio", durations=[60, 120], capacity=40)
    with app.app_context():
        db.session.add(Closure(venue_id=studio.id, starts_on=DAY, ends_on=DAY, reason="工事"))
        db.session.commit()
    return studio


def test_the_form_names_every_problem_at_once_and_books_nothing(
    app, web, planner, closed_studio, make_companion
):
    companion = make_companion(planner.org)
    response = web.post(
        "/ceremonies/new",
        {
            "client_id": companion.client_id,
            "companion_id": companion.id,
            "venue_id": closed_studio.id,
            "date": DAY.isoformat(),
            "start_time": "11:00",
            "duration_minutes": "90",
            "guest_count": "41",
            "intent": "hold",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shown_errors(page) == {
        "date": "この日は会場の休業日です。",
        "duration_minutes": "この会場で受け付けている挙式の長さは60、120分です。",
        "guest_count": "ゲスト数が会場の定員（40名）を超えています。",
    }
    # The closed day still comes with other days to choose, of a length the venue offers.
    suggested = lxml.html.fromstring(page).xpath("//section[@aria-labelledby='suggestions-title']")
    assert suggested and suggested[0].xpath(".//button[@name='pick']")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 0


def test_editing_names_every_problem_at_once_and_keeps_the_booking(
    app, web, planner, closed_studio, make_companion, make_ceremony
):
    companion = make_companion(planner.org)
    other = make_companion(planner.org, name="カイ")  # another client's companion
    starts_at = venue_instant(DAY + timedelta(days=1), time(11), "Asia/Tokyo")
    ceremony = make_ceremony(
        planner.org, venue=closed_studio, companion=companion, starts_at=starts_at, minutes=60
    )
    response = web.post(
        f"/ceremonies/{ceremony.id}",
        {
            "client_id": companion.client_id,
            "companion_id": other.id,
            "venue_id": closed_studio.id,
            "date": DAY.isoformat(),
            "start_time": "11:00",
            "duration_minutes": "90",
            "guest_count": "",
        },
    )
    assert response.status_code == 200
    assert shown_errors(response.get_data(as_text=True)) == {
        "companion_id": "このパートナーは別のお客様のパートナーです。",
        "date": "この日は会場の休業日です。",
        "duration_minutes": "この会場で受け付けている挙式の長さは60、120分です。",
    }
    with app.app_context():
        kept = db.session.get(Ceremony, ceremony.id)
        assert (kept.starts_at, kept.companion_id, kept.status) == (
            starts_at,
            companion.id,
            "hold",
        )


def test_the_venues_figures_are_named_in_english_too(web, planner, closed_studio, make_companion):
    companion = make_companion(planner.org)
    web.post("/language", {"language": "en"})
    response = web.post(
        "/ceremonies/new",
        {
            "client_id": companion.client_id,
            "venue_id": closed_studio.id,
            "date": DAY.isoformat(),
            "start_time": "11:00",
            "duration_minutes": "90",
            "guest_count": "41",
            "intent": "hold",
        },
    )
    assert shown_errors(response.get_data(as_text=True)) == {
        "date": "The venue is closed on this day.",
        "duration_minutes": "The venue offers ceremonies of 60 and 120 minutes.",
        "guest_count": "More guests than the venue holds (40).",
    }


def test_more_guests_on_a_kept_slot_names_the_venues_capacity(
    app, web, planner, closed_studio, make_companion, make_ceremony
):
    companion = make_companion(planner.org)
    starts_at = venue_instant(DAY + timedelta(days=1), time(11), "Asia/Tokyo")
    ceremony = make_ceremony(
        planner.org, venue=closed_studio, companion=companion, starts_at=starts_at, minutes=60
    )
    response = web.post(
        f"/ceremonies/{ceremony.id}",
        {
            "client_id": companion.client_id,
            "companion_id": companion.id,
            "venue_id": closed_studio.id,
            "date": (DAY + timedelta(days=1)).isoformat(),
            "start_time": "11:00",
            "duration_minutes": "60",
            "guest_count": "41",
        },
    )
    assert shown_errors(response.get_data(as_text=True)) == {
        "guest_count": "ゲスト数が会場の定員（40名）を超えています。"
    }


DAY_OFF = future_day(41)  # the weekly day off of the venue below, not DAY's weekday


@pytest.mark.parametrize(
    ("day", "start", "shown"),
    [
        (future_day(-3), "11:00", {"date": "この日時はすでに過ぎています。"}),
        (future_day(800), "11:00", {"date": "この会場はそこまで先の予約を受け付けていません。"}),
        (DAY_OFF, "11:00", {"date": "この曜日は会場の定休日です。"}),
        (DAY, "07:00", {"start_time": "この時間は会場の受付時間外です。"}),
        (DAY, "19:30", {"start_time": "この時間は会場の受付時間外です。"}),
    ],
    ids=["past", "too_far", "no_hours", "before_opening", "after_closing"],
)
def test_a_problem_with_the_day_is_shown_on_the_date_one_with_the_time_on_the_start(
    web, planner, make_venue, make_companion, day, start, shown
):
    """The planner changes the field the problem is about: another day, or another time."""
    hours = {d: (time(9), time(20)) for d in range(7) if d != DAY_OFF.weekday()}
    venue = make_venue(planner.org, hours=hours)
    companion = make_companion(planner.org)
    response = web.post(
        "/ceremonies/new",
        {
            "client_id": companion.client_id,
            "venue_id": venue.id,
            "date": day.isoformat(),
            "start_time": start,
            "duration_minutes": "60",
            "intent": "hold",
        },
    )
    assert response.status_code == 200
    assert shown_errors(response.get_data(as_text=True)) == shown
