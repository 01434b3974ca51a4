"""The free times offered when a slot is refused: each fills the same form in (a new booking
or the ceremony being moved) with everything the planner entered, and a length the venue
offers, and books nothing until the planner asks."""

from datetime import time

import lxml.html
import pytest

from tests.conftest import future_day
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.services import details_of, venue_instant
from wedding.models import db
from wedding.venues.models import Closure

DAY = future_day(40)
NOTES = "ご両親は車椅子でいらっしゃいます。\n花は白 & 紫 <淡く>" + "。" * 3000  # too long for a URL


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


def chips(page: str) -> list[dict[str, str]]:
    """What each suggestion sends when pressed (its form's fields and its button)."""
    tree = lxml.html.fromstring(page)
    sent = []
    for form in tree.xpath(
        "//section[contains(@class, 'suggestions')]//form[.//button[@name='pick']]"
    ):
        assert form.get("action") is None and form.get("method") == "post"  # this very page
        button = form.xpath(".//button[@name='pick']")[0]
        sent.append({**dict(form.form_values()), "pick": button.get("value")})
    return sent


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
    offered = chips(refused.get_data(as_text=True))
    assert len(offered) > 3  # the nearest times and the next lucky days
    entered = {
        "client_id": str(companion.client_id),
        "companion_id": str(companion.id),
        "planner_id": str(colleague.id),
        "venue_id": str(studio.id),
        "duration_minutes": "60",
        "guest_count": "30",
        "notes": NOTES,
    }
    for chip in offered:
        assert {key: chip[key] for key in entered} == entered
        assert chip["date"] != DAY.isoformat()  # the closed day is not offered again
    chip = offered[0]

    # Pressed: the form shows the picked time with the rest, and nothing is booked yet.
    picked = web.post("/ceremonies/new", chip)
    assert picked.status_code == 200
    shown = form_as_shown(picked.get_data(as_text=True))
    assert {key: shown[key] for key in (*entered, "date", "start_time")} == {
        key: chip[key] for key in (*entered, "date", "start_time")
    }
    assert 'class="error"' not in picked.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 0

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
    chip = chips(page)[0]
    assert (chip["duration_minutes"], chip["planner_id"]) == ("120", "")
    assert "guest_count" not in chip and "notes" not in chip  # none entered
    shown = form_as_shown(web.post("/ceremonies/new", chip).get_data(as_text=True))
    assert (shown["planner_id"], shown["duration_minutes"]) == ("", "120")
    assert shown["companion_id"] == str(companion.id)


def test_a_suggestion_on_a_ceremonys_page_moves_that_ceremony(
    app, web, planner, studio, make_companion, make_ceremony
):
    """Refused a move, the planner picks a free time: it fills this ceremony's form (no new
    booking is started), and saving moves the ceremony there."""
    companion = make_companion(planner.org)
    first, taken = future_day(50), future_day(51)
    ceremony = make_ceremony(
        planner.org,
        venue=studio,
        companion=companion,
        starts_at=venue_instant(first, time(11), "Asia/Tokyo"),
        minutes=60,
    )
    make_ceremony(
        planner.org,
        venue=studio,
        starts_at=venue_instant(taken, time(11), "Asia/Tokyo"),
        minutes=60,
    )
    with app.app_context():
        fields = details_of(db.session.get(Ceremony, ceremony.id))
    form = form_as_shown(web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True))
    refused = web.post(
        f"/ceremonies/{ceremony.id}", {**form, "date": taken.isoformat(), "start_time": "11:00"}
    )
    chip = chips(refused.get_data(as_text=True))[0]
    picked = web.post(f"/ceremonies/{ceremony.id}", chip)
    shown = form_as_shown(picked.get_data(as_text=True))
    assert (shown["date"], shown["start_time"]) == (chip["date"], chip["start_time"])
    assert web.post(f"/ceremonies/{ceremony.id}", shown).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 2  # no third
        moved = details_of(db.session.get(Ceremony, ceremony.id))
        assert moved["date"].isoformat() == chip["date"] != fields["date"].isoformat()
        assert moved["companion_id"] == companion.id


@pytest.mark.parametrize(
    ("language", "names"), [("en", ("Taian", "Tomobiki")), ("ja", ("大安", "友引"))]
)
def test_the_lucky_days_offered_are_named_in_the_readers_language(
    web, planner, studio, make_companion, language, names
):
    """An English planner read 「Mon 14 Jun 2027 · 友引 · 10:00 AM」 while the month said
    Tomobiki."""
    companion = make_companion(planner.org)
    web.post("/language", {"language": language})
    refused = web.post(
        "/ceremonies/new",
        {
            "client_id": companion.client_id,
            "companion_id": companion.id,
            "venue_id": studio.id,
            "date": DAY.isoformat(),
            "start_time": "11:00",
            "duration_minutes": "60",
            "intent": "hold",
        },
    ).get_data(as_text=True)
    tree = lxml.html.fromstring(refused)
    (nearest, _) = tree.xpath("//ul[@class='chips']")
    times = [
        (
            form.xpath(".//input[@name='date']/@value")[0],
            form.xpath(".//input[@name='start_time']/@value")[0],
        )
        for form in nearest.xpath(".//form")
    ]
    assert len(times) > 1 and times == sorted(times)  # in time order (they came nearest first)
    lucky = tree.xpath("//*[contains(@class, 'chip-lucky')]")
    labels = [chip.text_content() for chip in lucky]
    assert labels and all(any(f" · {n} · " in label for n in names) for label in labels), labels
