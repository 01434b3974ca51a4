"""A venue's closures that are over are history: the booking requests never load them (#20).

A venue gathers closures for years (a maintenance day a week is 150 in three years); loaded all,
each hold and each month grid grew slower with every year of it. What is still ahead keeps
barring bookings; the venue's own page still lists everything.
"""

from collections import Counter
from datetime import date, time, timedelta

import pytest
from sqlalchemy import event

from tests.conftest import future_day
from wedding.accounts.models import User
from wedding.accounts.services import create_api_token
from wedding.booking import services as booking
from wedding.ceremonies.models import Ceremony
from wedding.ceremonies.services import venue_instant
from wedding.models import db, utcnow
from wedding.venues.models import Closure, Venue

DAY = future_day(40)
PAST = 60  # closures over, a week apart, before today
AHEAD = (DAY, DAY + timedelta(days=14))  # closures still ahead


@pytest.fixture
def closures_loaded():
    """The closures loaded from the database while the test runs, by the day they start."""
    loaded = Counter()

    def count(target, context) -> None:
        loaded[target.starts_on] += 1

    event.listen(Closure, "load", count)
    yield loaded
    event.remove(Closure, "load", count)


@pytest.fixture
def venue(app, make_user, make_venue):
    user = make_user(role="planner")
    venue = make_venue(user.org, name="白鷺")
    today = utcnow().date()
    with app.app_context():
        for n in range(1, PAST + 1):
            day = today - timedelta(days=7 * n)
            db.session.add(Closure(venue_id=venue.id, starts_on=day, ends_on=day, reason="点検"))
        for day in AHEAD:
            db.session.add(Closure(venue_id=venue.id, starts_on=day, ends_on=day, reason="点検"))
        # One that began last week and is not over: it still bars its remaining days.
        db.session.add(
            Closure(
                venue_id=venue.id,
                starts_on=today - timedelta(days=7),
                ends_on=today + timedelta(days=3),
                reason="改装",
            )
        )
        _, secret = create_api_token(db.session.get(User, user.id), "website")
        db.session.commit()
    venue.user, venue.headers = user, {"Authorization": f"Bearer {secret}"}
    return venue


def _over(loaded: Counter) -> list[date]:
    yesterday = utcnow().date() - timedelta(days=1)
    return [day for day in loaded if day < yesterday - timedelta(days=7)]


def test_holds_and_availability_through_the_api_load_no_closure_that_is_over(
    app, venue, closures_loaded
):
    client = app.test_client()

    def hold(day: date):
        body = {
            "venue_id": venue.id,
            "start": f"{day.isoformat()}T11:00:00+09:00",
            "duration_minutes": 60,
            "status": "hold",
        }
        return client.post("/api/v1/bookings", json=body, headers=venue.headers)

    refused = hold(DAY)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "closed")
    assert hold(DAY + timedelta(days=1)).status_code == 201
    first = DAY.replace(day=1)
    answer = client.get(
        f"/api/v1/venues/{venue.id}/availability?from={first}&to={first + timedelta(days=30)}",
        headers=venue.headers,
    )
    assert answer.status_code == 200
    closed = {d["date"] for d in answer.get_json()["days"] if d.get("closed") == "closed"}
    assert DAY.isoformat() in closed
    assert closures_loaded, "the closures ahead are read"
    assert not _over(closures_loaded)


def test_the_month_grid_and_the_booking_form_load_no_closure_that_is_over(
    app, web, venue, make_companion, closures_loaded
):
    web.login(venue.user)
    assert web.get(f"/booking/?month={DAY:%Y-%m}").status_code == 200
    assert web.get(f"/booking/venues/{venue.id}?month={DAY:%Y-%m}").status_code == 200
    assert web.get(f"/booking/day/{DAY.isoformat()}").status_code == 200
    companion = make_companion(venue.user.org)
    form = {
        "client_id": companion.client_id,
        "companion_id": companion.id,
        "venue_id": venue.id,
        "start_time": "11:00",
        "duration_minutes": "60",
        "intent": "hold",
    }
    refused = web.post("/ceremonies/new", {**form, "date": DAY.isoformat()})
    assert refused.status_code == 200  # the form again, saying why
    assert "この日は会場の休業日です。" in refused.get_data(as_text=True)
    made = web.post("/ceremonies/new", {**form, "date": (DAY + timedelta(days=2)).isoformat()})
    assert made.status_code == 302
    assert closures_loaded
    assert not _over(closures_loaded)


def test_a_closure_that_began_before_today_still_bars_its_remaining_days(app, venue):
    with app.app_context():
        loaded = db.session.scalars(
            db.select(Venue).where(Venue.id == venue.id).options(*booking.rules_options())
        ).one()
        rules = booking.rules_of(loaded)
        today = utcnow().date()
        assert len(rules.closures) == len(AHEAD) + 1
        assert (today - timedelta(days=7), today + timedelta(days=3), "改装") in rules.closures
        noon = venue_instant(today + timedelta(days=2), time(12), "Asia/Tokyo")
        with pytest.raises(booking.SlotUnavailable) as refused:
            booking.hold(Ceremony(org_id=loaded.org_id), loaded, noon, 60)
        assert refused.value.code == "closed"


def test_the_venue_page_still_lists_every_closure(web, venue):
    web.login(venue.user)
    page = web.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert page.count("点検") == PAST + len(AHEAD)
    assert "改装" in page
