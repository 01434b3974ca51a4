"""The booking form through HTTP: what it offers for the chosen venue."""

import lxml.html
import pytest

from tests.conftest import future_day

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
    assert "この会場ではこの長さの挙式を受け付けていません" in page
    assert lengths(page) == (["60", "120"], ["90"])  # what was sent stays shown, refused
