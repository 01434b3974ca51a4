"""Each planner company sees only its own data: every page and action on another's ids is a 404."""

import pytest

from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import db
from wedding.personas.models import Companion
from wedding.venues.models import Venue

RECORD_BLUEPRINTS = {
    "venues": "venue",
    "clients": "client",
    "personas": "companion",
    "ceremonies": "ceremony",
    "booking": "venue",
    "runofshow": "ceremony",
    "calendars": "ceremony",
    "vows": "ceremony",
    "documents": "ceremony",
    "presentation": "ceremony",
    "portal_admin": "client",
    "privacy": "client",
}


@pytest.fixture
def two_companies(make_user, make_ceremony):
    """Company A's planner, and company B with one record of every kind."""
    a = make_user(role="owner")
    b = make_user(role="owner")
    ceremony = make_ceremony(b.org)
    ids = {
        "venue": ceremony.venue_id,
        "client": ceremony.client_id,
        "companion": ceremony.companion_id,
        "ceremony": ceremony.id,
    }
    return a, b, ids


def record_routes(app):
    """Every URL rule that takes a record id, with its methods: new routes are covered too."""
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint == "api":  # token-only; covered by tests/api/test_api.py
            continue
        if blueprint == "portal":  # the client's own session; covered by tests/portal
            continue
        if rule.arguments & {"record_id", "venue_id", "ceremony_id"}:
            yield rule, RECORD_BLUEPRINTS[blueprint], rule.methods - {"HEAD", "OPTIONS"}


def test_every_record_route_is_checked(app):
    routes = list(record_routes(app))
    assert {kind for _, kind, _ in routes} == set(RECORD_BLUEPRINTS.values())
    assert len(routes) >= 20


def test_other_company_records_are_404_everywhere(app, web, two_companies):
    a, _, ids = two_companies
    web.login(a)
    checked = 0
    for rule, kind, methods in record_routes(app):
        values = {
            "record_id": ids[kind],
            "venue_id": ids[kind],
            "ceremony_id": ids[kind],
            "closure_id": 1,
            "item_id": 1,
            "version_id": 1,
            "consent_id": 1,
            "kind": "certificate",
            "document_id": 1,
            # an <any(...)> action takes one of its own words (revoke, make, …)
            "action": sorted(getattr(rule._converters.get("action"), "items", ["revoke"]))[0],
        }
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        for method in methods:
            if method == "GET":
                response = web.get(url)
            else:
                response = web.post(url, {"name": "Hijacked", "full_name": "Hijacked"})
            assert response.status_code == 404, (method, url)
            checked += 1
    assert checked >= 18
    day = web.get(f"/booking/day/2030-01-01?venue_id={ids['venue']}")
    assert day.status_code == 404
    with app.app_context():
        assert db.session.get(Venue, ids["venue"]).name == "Chapel"
        assert db.session.get(Client, ids["client"]).full_name == "佐藤 美咲"
        assert db.session.get(Ceremony, ids["ceremony"]).archived_at is None


def test_lists_and_dashboard_show_only_own_records(web, two_companies, make_venue, make_client):
    a, _, _ = two_companies
    make_venue(a.org, name="Our own hall")
    make_client(a.org, full_name="Our own client")
    web.login(a)
    for path, own, foreign in (
        ("/venues/", "Our own hall", "Chapel"),
        ("/clients/", "Our own client", "佐藤 美咲"),
        ("/companions/", "", "レン"),
        ("/ceremonies/", "", "佐藤 美咲"),
        ("/", "", "佐藤 美咲"),
    ):
        page = web.get(path).get_data(as_text=True)
        assert own in page
        assert foreign not in page, path


def test_cannot_attach_another_company_records_to_a_ceremony(app, web, two_companies, make_venue):
    a, _, ids = two_companies
    own_venue = make_venue(a.org, name="Ours")
    web.login(a)
    form = web.get("/ceremonies/new").get_data(as_text=True)
    assert "佐藤 美咲" not in form  # company B's client is not offered
    response = web.post(
        "/ceremonies/new",
        {
            "client_id": ids["client"],
            "companion_id": ids["companion"],
            "venue_id": own_venue.id,
            "date": "2027-04-01",
            "start_time": "11:00",
            "end_time": "12:00",
            "status": "hold",
        },
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 1  # only B's


def test_cannot_give_a_companion_to_another_company_client(app, web, two_companies):
    a, _, ids = two_companies
    web.login(a)
    response = web.post("/companions/new", {"client_id": ids["client"], "name": "Stray"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(Companion).filter_by(name="Stray")) is None
