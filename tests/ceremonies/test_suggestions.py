"""The free times offered when a slot is refused: each leads back to the booking form with
everything the planner entered, and a length the venue offers."""

from datetime import time
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

from tests.conftest import future_day
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.services import details_of, venue_instant
from wedding.models import db
from wedding.venues.models import Closure

DAY = future_day(40)
NOTES = "ご両親は車椅子でいらっしゃいます。\n花は白 & 紫 <淡く>"


@pytest.fixture
def planner(web, make_user):
    user = make_user(role="planner", name="高橋")
    web.login(user)
    return user


@pytest.fixture
def studio(app, planner, make_venue):
    """A venue offering an hour or two, closed on DAY; and a Hall, whose 90 minutes keep that
    length in the menu (a choice the form takes, which the studio refuses)."""
    make_venue(planner.org, name="Hall")
    venue = make_venue(planner.org, name="Studio", durations=[60, 120], capacity=40)
    with app.app_context():
        db.session.add(Closure(venue_id=venue.id, starts_on=DAY, ends_on=DAY, reason="工事"))
        db.session.commit()
    return venue


def chips(page: str) -> list[str]:
    """The suggestions' links, as the browser follows them."""
    tree = lxml.html.fromstring(page)
    return [a.get("href") for a in tree.xpath("//section[contains(@class, 'suggestions')]//a")]


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def form_as_shown(page: str) -> dict[str, str]:
    """What the booking form would send as it is filled in on the page."""
    form = lxml.html.fromstring(page).xpath("//form[.//*[@name='venue_id']]")[0]
    values = dict(form.form_values())
    for area in form.xpath(".//textarea"):  # a browser drops the newline after <textarea>
        values[area.get("name")] = values[area.get("name")].removeprefix("\n")
    return values


def test_a_suggestion_keeps_everything_entered_and_a_length_the_venue_offers(
    app, web, planner, studio, make_user, make_companion
):
    colleague = make_user(planner.org, role="planner", name="中村")
    companion = make_companion(planner.org)
    refused = web.post(
        "/ceremonies/new",
        {
            "client_id": companion.client_id,
            "companion_id": companion.id,
            "planner_id": colleague.id,
            "venue_id": studio.id,
            "date": DAY.isoformat(),
            "start_time": "11:00",
            "duration_minutes": "90",  # not the studio's: the free times are found for 60
            "guest_count": "30",
            "notes": NOTES,
            "intent": "hold",
        },
    )
    links = chips(refused.get_data(as_text=True))
    assert len(links) > 3  # the nearest times and the next lucky days
    for link in links:
        assert {
            key: value for key, value in query(link).items() if key not in ("date", "start_time")
        } == {
            "client_id": str(companion.client_id),
            "companion_id": str(companion.id),
            "planner_id": str(colleague.id),
            "venue_id": str(studio.id),
            "duration_minutes": "60",
            "guest_count": "30",
            "notes": NOTES,
        }

    chip = query(links[0])
    shown = form_as_shown(web.get(links[0]).get_data(as_text=True))
    assert {key: shown[key] for key in chip} == chip

    # Booked from the form as the suggestion filled it: the partner and the rest come along.
    booked = web.post("/ceremonies/new", {**shown, "intent": "hold"})
    assert booked.status_code == 302
    with app.app_context():
        ceremony = db.session.scalars(db.select(Ceremony)).one()
        details = details_of(ceremony)
        assert (ceremony.status, details["duration_minutes"]) == ("hold", 60)
        assert (details["companion_id"], details["planner_id"]) == (companion.id, colleague.id)
        assert (details["guest_count"], details["notes"]) == (30, NOTES)
        assert details["date"].isoformat() == chip["date"]


def test_a_suggestion_keeps_the_length_and_no_planner_when_none_was_chosen(
    app, web, planner, studio, make_companion, make_ceremony
):
    companion = make_companion(planner.org)
    day = future_day(45)
    make_ceremony(
        planner.org,
        venue=studio,
        starts_at=venue_instant(day, time(11), "Asia/Tokyo"),
        minutes=120,
    )
    refused = web.post(
        "/ceremonies/new",
        {
            "client_id": companion.client_id,
            "companion_id": companion.id,
            "planner_id": "",  # not chosen yet
            "venue_id": studio.id,
            "date": day.isoformat(),
            "start_time": "11:00",
            "duration_minutes": "120",
            "intent": "hold",
        },
    )
    page = refused.get_data(as_text=True)
    taken = lxml.html.fromstring(page).get_element_by_id("start_time-error")
    assert taken.text_content() == "この枠はすでに埋まっています。"  # on the time, not the day
    link = chips(page)[0]
    chip = query(link)
    assert chip["duration_minutes"] == "120"
    assert "guest_count" not in chip and "notes" not in chip
    assert "planner_id=&" in link or link.endswith("planner_id=")
    shown = form_as_shown(web.get(link).get_data(as_text=True))
    assert (shown["planner_id"], shown["duration_minutes"]) == ("", "120")
    assert shown["companion_id"] == str(companion.id)
