"""The JSON API: token auth, problem details, bookings, and an OpenAPI document that is true."""

from datetime import time

import pytest
from flask import g
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from tests.conftest import future_day
from wedding.accounts.models import User
from wedding.accounts.services import create_api_token, revoke_api_token
from wedding.api.openapi import openapi_document
from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.venues.models import Closure

SPEC = openapi_document("http://localhost")
DAY = future_day(40)


def check(response, schema: str, status: int):
    """The response has the status and matches the named schema of the OpenAPI document."""
    assert response.status_code == status, response.get_data(as_text=True)
    kind = "application/problem+json" if status >= 400 else "application/json"
    assert response.mimetype == kind
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{schema}", **SPEC})
    validator.validate(response.get_json())
    return response.get_json()


@pytest.fixture
def api(app, make_user, make_venue):
    """A client with a planner's token, and a venue of the planner's company."""
    user = make_user(role="planner")
    venue = make_venue(user.org, name="白鷺", hours={d: (time(10), time(18)) for d in range(7)})
    with app.app_context():
        _, secret = create_api_token(db.session.get(User, user.id), "tests")
        db.session.commit()

    class Api:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}

        def get(self, url, **kw):
            return self.client.get(url, headers=self.headers, **kw)

        def post(self, url, json=None, **kw):
            return self.client.post(url, headers=self.headers, json=json, **kw)

    Api.user, Api.venue, Api.secret = user, venue, secret
    return Api()


def hold_body(api, hour="11:00", **overrides):
    return {
        "venue_id": api.venue.id,
        "start": f"{DAY.isoformat()}T{hour}:00+09:00",
        "duration_minutes": 60,
        "status": "hold",
        **overrides,
    }


def test_the_openapi_document_is_valid_and_public(app):
    validate_spec(SPEC)
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["paths"] == SPEC["paths"]


def test_the_document_describes_every_route_and_only_those(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    documented = {(path, method) for path, item in SPEC["paths"].items() for method in item}
    assert routes == documented


def test_no_token_no_entry(app, api):
    client = app.test_client()
    for response in (
        client.get("/api/v1/venues"),
        client.get("/api/v1/venues", headers={"Authorization": "Bearer wpt_not-a-token"}),
        client.get("/api/v1/venues", headers={"Authorization": f"Basic {api.secret}"}),
    ):
        check(response, "Problem", 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Set-Cookie" not in client.get("/api/v1/venues").headers


def test_a_browser_session_does_not_open_the_api(app, web, make_user):
    web.login(make_user())
    check(web.get("/api/v1/venues"), "Problem", 401)
    # Not even with any bearer header beside it: only a live token opens the API.
    junk = {"Authorization": "Bearer wpt_not-a-token"}
    check(web.get("/api/v1/venues", headers=junk), "Problem", 401)


def test_revoked_token_stops_working(app, api):
    assert api.get("/api/v1/venues").status_code == 200
    with app.app_context():
        token = db.session.scalar(db.select(db.text("id FROM api_tokens")))
        revoke_api_token(token)
        db.session.commit()
    check(api.get("/api/v1/venues"), "Problem", 401)


def test_the_caller_is_forgotten_when_its_request_ends(app, api):
    """A test (or anything) keeping one app context over several requests: the page after an
    API call must not be answered, or cached, as the API's caller."""
    with app.app_context():
        assert api.get("/api/v1/venues").status_code == 200
        assert g.get("api_caller") is None


def test_venues_and_availability(api):
    listing = api.get("/api/v1/venues")
    assert listing.status_code == 200
    data = listing.get_json()
    assert [v["name"] for v in data["venues"]] == ["白鷺"]
    Draft202012Validator({"$ref": "#/components/schemas/Venue", **SPEC}).validate(data["venues"][0])
    url = f"/api/v1/venues/{api.venue.id}/availability?from={DAY}&to={DAY}"
    availability = check(api.get(url), "Availability", 200)
    (day,) = availability["days"]
    assert day["date"] == DAY.isoformat()
    assert day["free"][0] == f"{DAY.isoformat()}T10:00:00+09:00"
    assert day["rokuyo"] in ("大安", "赤口", "先勝", "友引", "先負", "仏滅")


def test_a_days_holiday_is_the_venues_countrys(app, api, make_venue):
    seattle = make_venue(api.user.org, name="Lakeside", timezone="America/Los_Angeles")
    holidays = {}
    for venue in (seattle, api.venue):
        url = f"/api/v1/venues/{venue.id}/availability?from=2031-01-13&to=2031-01-20"
        days = check(api.get(url), "Availability", 200)["days"]
        holidays[venue.name] = {d["date"]: d["holiday"] for d in days if d["holiday"]}
    assert holidays == {
        "Lakeside": {"2031-01-20": "Martin Luther King Jr. Day"},
        "白鷺": {"2031-01-13": "成人の日"},
    }


@pytest.mark.parametrize(
    "query",
    [
        "from=2027-01-01",
        "from=yesterday&to=2027-01-02",
        "from=2027-02-01&to=2027-01-01",
        "from=2027-01-01&to=2027-06-01",
        "from=2027-01-01&to=2027-01-02&duration_minutes=-5",
        "from=2027-01-01&to=2027-01-02&duration_minutes=99999999999",
        "from=2027-01-01&to=2027-01-02&duration_minutes=an+hour",
    ],
)
def test_bad_availability_queries(api, query):
    check(api.get(f"/api/v1/venues/{api.venue.id}/availability?{query}"), "Problem", 400)


def test_hold_then_conflict_then_confirm_and_cancel(app, api):
    created = api.post("/api/v1/bookings", hold_body(api))
    booking = check(created, "Booking", 201)
    assert created.headers["Location"].endswith(f"/api/v1/bookings/{booking['id']}")
    assert booking["status"] == "hold" and booking["start"].endswith("+09:00")

    taken = check(api.post("/api/v1/bookings", hold_body(api)), "SlotProblem", 409)
    assert taken["code"] == "taken"
    assert (
        taken["alternatives"] and f"{DAY.isoformat()}T11:00:00+09:00" not in taken["alternatives"]
    )

    confirmed = check(
        api.post(f"/api/v1/bookings/{booking['id']}/confirm", {"deposit_amount": 30000}),
        "Booking",
        200,
    )
    assert (confirmed["status"], confirmed["deposit_amount"]) == ("confirmed", 30000)
    check(api.post(f"/api/v1/bookings/{booking['id']}/confirm"), "Problem", 409)
    cancelled = check(api.post(f"/api/v1/bookings/{booking['id']}/cancel"), "Booking", 200)
    assert cancelled["status"] == "cancelled"
    check(api.get(f"/api/v1/bookings/{booking['id']}"), "Booking", 200)


@pytest.mark.parametrize("body", [[30000], "30000", 30000])
def test_a_confirmation_whose_body_is_not_an_object_confirms_nothing(app, api, body):
    """A body, when sent, is a JSON object: a list or a number was ignored and the hold
    confirmed without the deposit it meant to give."""
    booking = check(api.post("/api/v1/bookings", hold_body(api)), "Booking", 201)
    check(api.post(f"/api/v1/bookings/{booking['id']}/confirm", body), "Problem", 400)
    assert check(api.get(f"/api/v1/bookings/{booking['id']}"), "Booking", 200)["status"] == "hold"
    check(api.post(f"/api/v1/bookings/{booking['id']}/confirm"), "Booking", 200)  # no body: fine


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"venue_id": "one"}, 422),
        ({"start": "2027-04-03T11:00:00"}, 422),  # no offset
        ({"start": "not a date"}, 422),
        ({"duration_minutes": 45}, 422),
        ({"duration_minutes": True}, 422),
        ({"status": "confirmed"}, 422),
        ({"venue_id": 999999}, 422),
        ({"client_id": 999999}, 422),
        ({"guest_count": -1}, 422),
    ],
)
def test_invalid_bookings_are_problems_and_save_nothing(app, api, body, status):
    check(api.post("/api/v1/bookings", hold_body(api, **body)), "Problem", status)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 0


def test_rule_breaking_slot_gets_alternatives(api):
    problem = check(api.post("/api/v1/bookings", hold_body(api, hour="07:00")), "SlotProblem", 422)
    assert problem["code"] == "outside_hours"
    assert problem["alternatives"]


def test_a_closed_day_is_answered_as_before(app, api):
    """The booking form shows a problem with the day on its date field; the API's answer
    names no field and keeps its code and alternatives."""
    with app.app_context():
        db.session.add(Closure(venue_id=api.venue.id, starts_on=DAY, ends_on=DAY, reason="工事"))
        db.session.commit()
    problem = check(api.post("/api/v1/bookings", hold_body(api)), "SlotProblem", 422)
    assert set(problem) == {
        "type",
        "title",
        "status",
        "detail",
        "code",
        "alternatives",
        "auspicious_days",
    }
    assert (problem["code"], problem["type"]) == ("closed", "/api/v1/problems/slot-closed")
    assert problem["alternatives"]


def test_malformed_json_and_unknown_urls_are_problems(api):
    check(
        api.client.post(
            "/api/v1/bookings",
            data="{",
            headers={**api.headers, "Content-Type": "application/json"},
        ),
        "Problem",
        400,
    )
    check(api.get("/api/v1/nothing-here"), "Problem", 404)
    check(api.client.delete("/api/v1/venues", headers=api.headers), "Problem", 405)


def test_other_company_records_are_404(api, make_user, make_venue, make_ceremony):
    other = make_user()
    venue = make_venue(other.org)
    ceremony = make_ceremony(other.org, venue=venue)
    check(api.get(f"/api/v1/venues/{venue.id}/availability?from={DAY}&to={DAY}"), "Problem", 404)
    check(api.get(f"/api/v1/bookings/{ceremony.id}"), "Problem", 404)
    check(api.post(f"/api/v1/bookings/{ceremony.id}/cancel"), "Problem", 404)
    check(api.post("/api/v1/bookings", hold_body(api, venue_id=venue.id)), "Problem", 422)


def test_viewer_tokens_read_only(app, api, make_user):
    viewer = make_user(org=api.user.org, role="viewer")
    with app.app_context():
        _, secret = create_api_token(db.session.get(User, viewer.id))
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.client.get("/api/v1/venues", headers=headers).status_code == 200
    check(api.client.post("/api/v1/bookings", json=hold_body(api), headers=headers), "Problem", 403)


def test_cli_prints_a_working_token(app, api):
    result = app.test_cli_runner().invoke(args=["token", "create", api.user.email])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[0]
    response = api.client.get("/api/v1/venues", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
