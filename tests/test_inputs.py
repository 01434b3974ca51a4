"""Values at the edges (issue 14, class 1): one parser per kind of value, each refusing with a
404 or one clear line, on SQLite and PostgreSQL."""

import json
from datetime import date

import pytest

from tests.conftest import PASSWORD, future_day
from wedding.accounts.services import create_api_token
from wedding.clients.models import Client
from wedding.inputs import (
    clean_text,
    is_blank,
    load_json,
    parse_date,
    parse_id,
    parse_month,
    safe_next,
)
from wedding.models import db

HUGE = "99999999999999999999"


def test_ids_are_ascii_digits_within_the_databases_integer():
    assert parse_id("42") == 42 and parse_id("2147483647") == 2**31 - 1
    for text in ("2147483648", HUGE, "²", "١٢", "-1", " 1", "1.0", "", None, "1" * 5000):
        assert parse_id(text) is None


def test_dates_and_months_only_within_the_supported_range():
    assert parse_date("2027-04-03") == date(2027, 4, 3)
    assert parse_month("2027-04") == date(2027, 4, 1)
    for text in ("9999-12-31", "0001-01-01", "20270403", "２０２７-０４-０３", "2027-02-30"):
        with pytest.raises(ValueError):
            parse_date(text)
    for text in ("9999-12", "0001-01", "2031-13", "2027-4"):
        with pytest.raises(ValueError):
            parse_month(text)


def test_text_is_cleaned_of_controls_and_normalised():
    assert clean_text("a\x00b\x07c\x9f") == "abc"
    assert clean_text("line\r\nnext\ttab") == "line\r\nnext\ttab"
    assert clean_text("e\u0301") == "é"  # NFC
    assert clean_text("\ud800x") == "x"
    assert is_blank("\u200b\u2060\ufeff \u3000\x00") and not is_blank("\u200bレン")


def test_json_deeper_than_the_limit_is_a_value_error():
    assert load_json("[[[1]]]") == [[[1]]]
    for text in ("[" * 100 + "]" * 100, "[" * 100_000 + "]" * 100_000):
        with pytest.raises(ValueError, match="nested too deeply"):
            load_json(text)


@pytest.mark.parametrize(
    "target",
    [
        "/\r\nSet-Cookie:x=1",
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\x00",
        "",
        None,
    ],
)
def test_redirects_go_only_to_paths_on_this_site(target):
    assert safe_next(target, "/home") == "/home"


def test_safe_paths_are_kept():
    assert safe_next("/clients/?q=%E3%81%82", "/") == "/clients/?q=%E3%81%82"


@pytest.fixture
def owner(web, make_user):
    user = make_user(role="owner")
    web.login(user)
    return user


def test_ids_beyond_the_database_integer_are_404(web, owner, make_client):
    client = make_client(owner.org)
    assert web.get(f"/clients/{client.id}").status_code == 200
    for value in ("2147483648", HUGE, "1" * 5000):
        assert web.get(f"/clients/{value}").status_code == 404
        assert web.post(f"/clients/{value}/archive").status_code == 404
    assert web.get(f"/clients/?page={HUGE}").status_code == 200
    assert web.get("/ceremonies/new?venue_id=2147483648&client_id=" + HUGE).status_code == 200


def test_unicode_digits_in_token_paths_are_404(web):
    for path in ("/ar/²-abc", "/portal/enter/²-abc", "/ar/١٢-abc", f"/ar/{HUGE}-abc"):
        assert web.get(path).status_code == 404


def test_dates_at_the_calendars_limits(web, owner, make_venue):
    venue = make_venue(owner.org)
    assert web.get("/booking/day/9999-12-31").status_code == 404
    assert web.get("/booking/day/0001-01-01").status_code == 404
    for month in ("9999-12", "0001-01"):
        page = web.get(f"/booking/?month={month}")
        assert page.status_code == 400
        assert "1990年1月" in page.get_data(as_text=True)  # the one line, saying why
        assert web.get(f"/booking/venues/{venue.id}?month={month}").status_code == 400
    assert web.get("/booking/?month=2100-12").status_code == 200  # the last month shows
    assert web.get("/booking/agenda?date=9999-12-31").status_code == 400
    assert web.get("/audit?from=9999-12-31").status_code == 400


def test_nul_and_control_characters_never_reach_the_database(app, web, owner):
    assert web.get("/clients/?q=%00").status_code == 200
    response = web.post("/clients/new", {"full_name": "佐藤\x00 美咲\x07", "language": "ja"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Client.full_name)) == "佐藤 美咲"


def test_names_of_only_invisible_characters_are_refused(app, web, owner):
    page = web.post("/clients/new", {"full_name": "\u200b\u2060\ufeff", "language": "ja"})
    assert page.status_code == 200 and "必須" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Client)) == 0


def test_a_nul_in_the_login_email_is_a_wrong_login_not_a_500(web, make_user):
    user = make_user()
    page = web.post("/login", {"email": user.email + "\x00", "password": "wrong password"})
    assert page.status_code == 200


def test_crlf_in_next_or_the_language_switch_goes_home(web, make_user):
    user = make_user()
    response = web.post(
        "/login?next=%2F%0D%0ASet-Cookie:x=1", {"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and "\r" not in response.headers["Location"]
    assert "x=1" not in response.headers.get("Set-Cookie", "").split(";")[0]
    switched = web.post("/language", {"language": "en", "next": "/\r\nSet-Cookie:x=1"})
    assert switched.status_code == 302 and "\r" not in switched.headers["Location"]


@pytest.fixture
def api(app, owner, make_venue):
    venue = make_venue(owner.org)
    with app.app_context():
        from wedding.accounts.models import User

        _, secret = create_api_token(db.session.get(User, owner.id))
        db.session.commit()
    return venue, {"Authorization": f"Bearer {secret}"}


def test_api_refuses_values_at_the_edges_with_problems(web, api):
    venue, auth = api
    day = future_day(40).isoformat()
    start = f"{day}T11:00:00+09:00"

    def book(**body):
        body = {"venue_id": venue.id, "start": start, "duration_minutes": 60, **body}
        return web.client.post("/api/v1/bookings", json=body, headers=auth)

    for body, field in (
        ({"venue_id": 2**70}, "venue_id"),
        ({"client_id": 2**31}, "client_id"),
        ({"duration_minutes": 2**70}, "duration_minutes"),
        ({"start": "9999-12-31T23:00:00+09:00"}, "start"),
        ({"start": "0001-01-01T00:00:00+09:00"}, "start"),
    ):
        refused = book(**body)
        assert refused.status_code == 422, body
        assert refused.mimetype == "application/problem+json" and refused.json["field"] == field
    availability = f"/api/v1/venues/{venue.id}/availability?from=9999-12-31&to=9999-12-31"
    assert web.client.get(availability, headers=auth).status_code == 400
    deep = "[" * 50_000 + "]" * 50_000
    refused = web.client.post(
        "/api/v1/bookings", data=deep, content_type="application/json", headers=auth
    )
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    named = book(guest_count=None, start=start, client_id=None)
    assert named.status_code == 201


def test_api_start_with_seconds_is_refused_never_booked_off_the_grid(app, web, api):
    venue, auth = api
    day = future_day(41).isoformat()
    for start in (f"{day}T11:00:00.5+09:00", f"{day}T11:00:30+09:00"):
        refused = web.client.post(
            "/api/v1/bookings",
            json={"venue_id": venue.id, "start": start, "duration_minutes": 60},
            headers=auth,
        )
        assert refused.status_code == 422 and refused.json["code"] == "whole_minute"
    with app.app_context():
        from wedding.ceremonies.models import Ceremony

        assert db.session.scalar(db.select(db.func.count()).select_from(Ceremony)) == 0


def test_json_bodies_are_cleaned_like_forms(web, api):
    venue, auth = api
    body = json.dumps({"venue_id": venue.id, "start": "\u0000", "duration_minutes": 60})
    refused = web.client.post(
        "/api/v1/bookings", data=body, content_type="application/json", headers=auth
    )
    assert refused.status_code == 422 and refused.json["field"] == "start"


def test_a_card_whose_name_holds_nul_is_staged_and_confirmed_clean(app, web, owner, make_client):
    from tests.personas.test_persona_pages import upload
    from wedding.personas.models import Companion

    client = make_client(owner.org)
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {"name": "Ren\u0000", "description": "calm\u0000 and kind \ud800", "tags": []},
    }
    data = json.dumps(card).encode()
    staged = upload(web, "/companions/import", data, name="ren.json", client_id=client.id)
    assert staged.status_code == 302
    assert web.get(staged.headers["Location"]).status_code == 200
    assert web.post(staged.headers["Location"], {"action": "confirm"}).status_code == 302
    with app.app_context():
        companion = db.session.scalar(db.select(Companion))
        assert companion.name == "Ren" and companion.description == "calm and kind"
