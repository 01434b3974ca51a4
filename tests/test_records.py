"""Listing, searching, paging, creating, editing and archiving the company's records."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tests.conftest import future_day, venue_form
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.personas.models import Companion
from wedding.venues.models import Venue


@pytest.fixture
def planner(web, make_user):
    user = make_user(role="planner")
    web.login(user)
    return user


def test_create_and_edit_each_kind_of_record(app, web, planner):
    response = web.post(
        "/venues/new", venue_form(name="白鷺ホール", address="岡山市", capacity="60")
    )
    assert response.status_code == 302
    response = web.post(
        "/clients/new",
        {"full_name": "佐藤 美咲", "preferred_name": "美咲", "language": "ja", "phone": "090-1"},
    )
    assert response.status_code == 200  # phone too short
    response = web.post(
        "/clients/new",
        {"full_name": "佐藤 美咲", "preferred_name": "美咲", "language": "ja", "phone": "090-1234"},
    )
    assert response.status_code == 302
    with app.app_context():
        venue = db.session.scalar(db.select(Venue))
        client = db.session.scalar(db.select(Client))
        assert (venue.capacity, venue.org_id) == (60, planner.org_id)
        assert client.preferred_name == "美咲"
    response = web.post("/companions/new", {"client_id": client.id, "name": "レン"})
    assert response.status_code == 302
    with app.app_context():
        companion = db.session.scalar(db.select(Companion))
    response = web.post(f"/venues/{venue.id}", venue_form(name="白鷺チャペル", capacity="60"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Venue, venue.id).name == "白鷺チャペル"
    page = web.get(f"/clients/{client.id}").get_data(as_text=True)
    assert "レン" in page  # the client page lists their companion
    assert companion.client_id == client.id


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_new_client_speaks_the_planners_language_until_told(web, planner, language):
    web.post("/language", {"language": language})
    page = web.get("/clients/new").get_data(as_text=True)
    (menu,) = re.findall(r'<select id="language" name="language"[^>]*>(.*?)</select>', page, re.S)
    assert re.findall(r'<option selected value="(\w+)"', menu) == [language]


def test_lists_page_through_records(app, web, planner, make_venue):
    for i in range(23):
        make_venue(planner.org, name=f"Hall {i:02d}")
    first = web.get("/venues/").get_data(as_text=True)
    second = web.get("/venues/?page=2").get_data(as_text=True)
    assert first.count("/venues/") - second.count("/venues/") > 0
    assert "Hall 00" in first and "Hall 19" in first and "Hall 20" not in first
    assert "Hall 20" in second and "Hall 22" in second and "Hall 00" not in second
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert web.get("/venues/?page=99").status_code == 200  # past the end: an empty page


def test_search_filters_and_treats_wildcards_literally(web, planner, make_client):
    make_client(planner.org, full_name="佐藤 美咲")
    make_client(planner.org, full_name="田中 100% 様")
    make_client(planner.org, full_name="Nobody")
    page = web.get("/clients/?q=佐藤").get_data(as_text=True)
    assert "佐藤 美咲" in page and "Nobody" not in page
    page = web.get("/clients/?q=%25").get_data(as_text=True)  # a literal %
    assert "田中 100% 様" in page and "Nobody" not in page


def test_archive_hides_then_restore_brings_back(app, web, planner, make_venue):
    venue = make_venue(planner.org, name="Old Garden")
    assert web.post(f"/venues/{venue.id}/archive").status_code == 302
    assert "Old Garden" not in web.get("/venues/").get_data(as_text=True)
    assert "Old Garden" in web.get("/venues/?archived=1").get_data(as_text=True)
    assert "Old Garden" not in web.get("/ceremonies/new").get_data(as_text=True)  # not offered
    with app.app_context():
        assert db.session.get(Venue, venue.id).archived_at is not None  # kept, not deleted
    web.post(f"/venues/{venue.id}/restore")
    assert "Old Garden" in web.get("/venues/").get_data(as_text=True)


def test_archived_venue_cannot_be_booked_but_existing_ceremony_keeps_it(
    app, web, planner, make_ceremony
):
    ceremony = make_ceremony(planner.org)
    web.post(f"/venues/{ceremony.venue_id}/archive")
    form = {
        "client_id": ceremony.client_id,
        "companion_id": ceremony.companion_id,
        "venue_id": ceremony.venue_id,
        "date": future_day(40).isoformat(),
        "start_time": "10:00",
        "duration_minutes": "60",
        "intent": "hold",
    }
    assert web.post(f"/ceremonies/{ceremony.id}", form).status_code == 302  # keeps its venue
    response = web.post("/ceremonies/new", form)
    assert "選択肢" in response.get_data(as_text=True)  # archived venues are not offered
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 1


def test_companion_in_a_ceremony_keeps_its_client(app, web, planner, make_ceremony, make_client):
    ceremony = make_ceremony(planner.org)
    other = make_client(planner.org, full_name="Other")
    response = web.post(
        f"/companions/{ceremony.companion_id}", {"client_id": other.id, "name": "レン"}
    )
    assert response.status_code == 200
    assert "お客様を変更できません" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Companion, ceremony.companion_id).client_id == ceremony.client_id


def test_dashboard_shows_upcoming_ceremonies_in_order(web, planner, make_ceremony, make_venue):
    now = datetime.now(UTC)
    hall = make_venue(planner.org, name="Hall")
    make_ceremony(planner.org, venue=hall, starts_at=now + timedelta(days=20), notes="later")
    make_ceremony(planner.org, venue=hall, starts_at=now + timedelta(days=2))
    make_ceremony(planner.org, venue=hall, starts_at=now - timedelta(days=3))  # past
    make_ceremony(planner.org, venue=hall, starts_at=now + timedelta(days=5), status="cancelled")
    page = web.get("/").get_data(as_text=True)
    assert page.count('class="card upcoming-item"') == 2


class TestDatabaseConstraints:
    """The database itself refuses what the forms would never send."""

    def test_ceremony_cannot_point_at_another_company(self, app, make_org, make_ceremony):
        ours = make_ceremony(make_org())
        theirs = make_ceremony(make_org())
        with app.app_context():
            ceremony = db.session.get(Ceremony, ours.id)
            ceremony.venue_id = theirs.venue_id
            with pytest.raises(IntegrityError):
                db.session.commit()

    def test_ceremony_companion_must_be_the_client_s(self, app, make_org, make_ceremony):
        org = make_org()
        first, second = make_ceremony(org), make_ceremony(org)
        with app.app_context():
            ceremony = db.session.get(Ceremony, first.id)
            ceremony.companion_id = second.companion_id
            with pytest.raises(IntegrityError):
                db.session.commit()

    def test_ceremony_must_end_after_it_starts(self, app, make_org, make_ceremony):
        ceremony = make_ceremony(make_org())
        with app.app_context():
            row = db.session.get(Ceremony, ceremony.id)
            row.ends_at = row.starts_at - timedelta(minutes=1)
            with pytest.raises(IntegrityError):
                db.session.commit()

    def test_status_and_language_are_checked(self, app, make_org, make_ceremony):
        ceremony = make_ceremony(make_org())
        with app.app_context():
            db.session.get(Ceremony, ceremony.id).status = "eloped"
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
            db.session.get(Client, ceremony.client_id).language = "fr"
            with pytest.raises(IntegrityError):
                db.session.commit()

    def test_naive_datetimes_are_refused(self, app, make_org, make_ceremony):
        ceremony = make_ceremony(make_org())
        with app.app_context():
            db.session.get(Ceremony, ceremony.id).starts_at = datetime(2030, 1, 1, 10)
            with pytest.raises(Exception, match="naive datetime"):
                db.session.commit()

    def test_times_come_back_aware_and_equal(self, app, make_org, make_ceremony):
        instant = datetime(2030, 6, 1, 1, 30, tzinfo=UTC)
        ceremony = make_ceremony(make_org(), starts_at=instant)
        with app.app_context():
            stored = db.session.get(Ceremony, ceremony.id).starts_at
        assert stored == instant
        assert stored.utcoffset() == timedelta(0)
