"""Bad input gets a clear message next to the field, never a 500, and nothing is saved."""

import pytest

from tests.conftest import future_day
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.venues.models import Venue


@pytest.fixture
def planner(web, make_user):
    user = make_user(role="planner")
    web.login(user)
    return user


@pytest.fixture
def parties(planner, make_venue, make_companion):
    venue = make_venue(planner.org)
    companion = make_companion(planner.org)
    return {"venue_id": venue.id, "client_id": companion.client_id, "companion_id": companion.id}


DAY = future_day(60).isoformat()


def ceremony_form(parties, **overrides):
    return {
        **parties,
        "date": DAY,
        "start_time": "11:00",
        "duration_minutes": "90",
        "intent": "hold",
        "notes": "",
        **overrides,
    }


def count(app, model):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "2027-02-30"}, "2027-02-30 という日はありません"),  # not "a real date as…"
        ({"date": "yesterday"}, "正しい日付"),
        ({"date": "0001-01-01"}, "1990-01-01"),
        ({"date": ""}, "YYYY-MM-DD"),
        ({"start_time": "25:00"}, "HH:MM"),
        ({"duration_minutes": "45"}, "選択肢"),
        ({"duration_minutes": ""}, "無効な選択"),
        ({"start_time": "06:00"}, "会場の受付時間外"),
        ({"start_time": "19:30"}, "会場の受付時間外"),
        ({"date": "2020-01-01"}, "すでに過ぎています"),
        ({"notes": "あ" * 5001}, "5000"),
        ({"guest_count": "-1"}, "0〜100,000 の数を入力してください。"),  # not WTForms' 「…以上, …」
        ({"venue_id": "999999"}, "選択肢"),
        ({"client_id": "abc"}, "無効な選択"),
        ({"companion_id": "999999"}, "選択肢"),
    ],
)
def test_bad_ceremony_input(app, web, parties, overrides, message):
    response = web.post("/ceremonies/new", ceremony_form(parties, **overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error"' in page
    assert message in page
    assert count(app, Ceremony) == 0


def test_companion_of_another_client_is_refused(app, web, planner, parties, make_companion):
    other = make_companion(planner.org, name="Someone else's")
    response = web.post("/ceremonies/new", ceremony_form(parties, companion_id=other.id))
    assert "別のお客様のパートナー" in response.get_data(as_text=True)
    assert count(app, Ceremony) == 0


def test_good_ceremony_is_saved_in_the_venue_time_zone(app, web, parties):
    response = web.post("/ceremonies/new", ceremony_form(parties))
    assert response.status_code == 302
    with app.app_context():
        ceremony = db.session.scalar(db.select(Ceremony))
        assert ceremony.starts_at.isoformat() == f"{DAY}T02:00:00+00:00"  # 11:00 in Tokyo
        assert ceremony.ends_at.isoformat() == f"{DAY}T03:30:00+00:00"
        assert ceremony.status == "hold"


def test_failed_edit_keeps_the_old_record(app, web, planner, make_ceremony):
    ceremony = make_ceremony(planner.org, notes="original")
    with app.app_context():
        before = db.session.get(Ceremony, ceremony.id)
        starts_at = before.starts_at
    form = {
        "client_id": ceremony.client_id,
        "companion_id": ceremony.companion_id,
        "venue_id": ceremony.venue_id,
        "date": DAY,
        "start_time": "15:00",
        "duration_minutes": "75",
        "notes": "changed",
    }
    response = web.post(f"/ceremonies/{ceremony.id}", form)
    assert response.status_code == 200
    with app.app_context():
        after = db.session.get(Ceremony, ceremony.id)
        assert (after.notes, after.starts_at, after.status) == ("original", starts_at, "hold")


@pytest.mark.parametrize(
    ("url", "data", "model", "message"),
    [
        ("/venues/new", {"name": "", "timezone": "Asia/Tokyo"}, Venue, "必須"),
        ("/venues/new", {"name": "   ", "timezone": "Asia/Tokyo"}, Venue, "必須"),
        ("/venues/new", {"name": "x" * 201, "timezone": "Asia/Tokyo"}, Venue, "200"),
        ("/venues/new", {"name": "Hall", "timezone": "Mars/Olympus"}, Venue, "選択肢"),
        ("/venues/new", {"name": "Hall", "timezone": "Asia/Tokyo", "capacity": "0"}, Venue, "1"),
        (
            "/venues/new",
            {"name": "Hall", "timezone": "Asia/Tokyo", "capacity": "ten"},
            Venue,
            "整数",
        ),
        ("/clients/new", {"full_name": "", "language": "ja"}, Client, "必須"),
        ("/clients/new", {"full_name": "A", "language": "fr"}, Client, "選択肢"),
        (
            "/clients/new",
            {"full_name": "A", "language": "ja", "email": "not-mail"},
            Client,
            "メール",
        ),
        ("/clients/new", {"full_name": "A", "language": "ja", "phone": "call me"}, Client, "数字"),
    ],
)
def test_bad_record_input(app, web, planner, url, data, model, message):
    response = web.post(url, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error"' in page
    assert message in page
    assert count(app, model) == 0


def test_a_phone_number_typed_full_width_is_read_as_its_digits(app, web, planner):
    """０９０－１２３４－５６７８ as an input method types it was refused (「数字・…だけ」)."""
    response = web.post(
        "/clients/new",
        {"full_name": "高橋 あかり", "language": "ja", "phone": "（０９０）１２３４ー５６７８"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Client.phone)) == "(090)1234-5678"


def test_unknown_ids_are_404(web, planner):
    for url in ("/venues/999999", "/clients/999999", "/companions/999999", "/ceremonies/999999"):
        response = web.get(url)
        assert response.status_code == 404
        assert "見つかりません" in response.get_data(as_text=True)
    assert web.get("/venues/not-a-number").status_code == 404


def test_user_text_is_escaped(app, web, planner):
    web.post("/clients/new", {"full_name": "<script>alert(1)</script>", "language": "ja"})
    page = web.get("/clients/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
