"""No 5xx anywhere: every route of the URL map with hostile values in each path segment, the
common query parameters and headers, and every form posted full of hostile values, signed in as
an owner with CSRF (on SQLite and PostgreSQL, like every ``app`` test)."""

import io
import re
from urllib.parse import quote

import pytest

from wedding.accounts.services import create_api_token
from wedding.models import db

# Walking every route and form takes minutes per database: CI runs it once (UTC pass), not
# again with the Tokyo clock (the values it sends hold no local time).
pytestmark = pytest.mark.slow

HUGE = "99999999999999999999"
PATH_VALUES = {
    "int": [HUGE, "2147483648", "0", "1" * 5000],
    "default": [
        "²-abc",
        "١٢-abc",
        "2147483648-abc",
        f"{HUGE}-abc",
        "9999-12-31",
        "0001-01-01",
        "%00",
        "-",
        "x" * 3000,
    ],
}
QUERY_VALUES = {
    "page": [HUGE, "2147483648", "-1", "²", "1" * 5000],
    "q": ["\x00", "%", "\\", "\u200b" * 50],
    "month": ["9999-12", "0001-01", "2031-13", "２０２７-０１", "\x00"],
    "date": ["9999-12-31", "0001-01-01", "2027-02-30", "20270101"],
    "from": ["9999-12-31", "0001-01-01", "\x00"],
    "to": ["9999-12-31", "0001-01-01"],
    "next": ["/\r\nSet-Cookie:x=1", "//evil.example/", "https://evil.example/", "/\x00"],
    "lang": ["\x00", "xx" * 100],
    "venue_id": [HUGE, "2147483648", "²"],
    "client_id": [HUGE, "2147483648"],
    "subject_id": [HUGE],
    "duration": [HUGE, "2147483647"],
    "duration_minutes": [HUGE, "2147483647"],
    "start_time": ["25:99", "\x00"],
    "role": ["\x00"],
    "span": ["\x00"],
    "subject": ["\x00"],
    "action": ["\x00"],
    "actor": ["\x00"],
}
HEADERS = {
    "If-Modified-Since": "Thu, 99 Zzz 99999 99:99:99 GMT",
    "If-None-Match": '"\x7f"',
    "Accept-Language": "\x00;q=x, ja;q=99999999999999999999",
    "Authorization": "Bearer wpt_\x00",
}
FORM_VALUES = [
    "\x00",
    "a\x00b",
    "\u200b\u2060\ufeff",
    HUGE,
    "2147483648",
    "-2147483649",
    "9999-12-31",
    "0001-01-01",
    "9999-12",
    "²",
    "/\r\nSet-Cookie:x=1",
    "x" * 3000,
]
# Buttons that end the very session the walk uses; they have tests of their own.
SESSION_ENDING = {"accounts.logout", "accounts.sign_out_everywhere"}


@pytest.fixture
def world(app, make_user, make_ceremony):
    owner = make_user(role="owner")
    ceremony = make_ceremony(owner.org)
    with app.app_context():
        from wedding.ceremonies.models import Ceremony

        row = db.session.get(Ceremony, ceremony.id)
        ids = {
            "ceremony_id": row.id,
            "client_id": row.client_id,
            "companion_id": row.companion_id,
            "venue_id": row.venue_id,
        }
    return owner, ids


def _valid_values(rule, ids: dict) -> dict:
    """Real ids for a rule's arguments, so that hostile values are tried one at a time."""
    by_blueprint = {
        "clients": ids["client_id"],
        "privacy": ids["client_id"],
        "portal_admin": ids["client_id"],
        "personas": ids["companion_id"],
        "venues": ids["venue_id"],
        "ceremonies": ids["ceremony_id"],
    }
    blueprint = rule.endpoint.partition(".")[0]
    values = {}
    for name in rule.arguments:
        if name in ids:
            values[name] = ids[name]
        elif name == "record_id":
            values[name] = by_blueprint.get(blueprint, ids["ceremony_id"])
        elif rule._converters[name].__class__.__name__.endswith("IntConverter"):
            values[name] = 1
        else:
            values[name] = "1-abc"
    return values


def _url(rule, values: dict) -> str:
    """Build the path by hand: url_for would refuse (or encode) the hostile values."""
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(str(value), safe="%-"), path)
    return path


def _rules(app, method: str):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if method in rule.methods and rule.endpoint != "static"
    ]


class Walker:
    def __init__(self, app, web, owner):
        self.app, self.web, self.owner = app, web, owner
        self.failures: list[str] = []
        self.requests = 0
        self.pages: dict[str, str] = {}

    def check(self, response, what: str):
        self.requests += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {what}")
        location = response.headers.get("Location", "")
        if "/login" in location and "logout" not in what:
            self.web.login(self.owner)  # a form signed us out (deactivation…): sign in again
        return response


DATE_PARAMS = ("month", "date", "from", "to")


def _queries() -> list[dict]:
    """Each date parameter alone (a refused one answers 400 before the others are read); the
    rest together, round by round."""
    alone = [{p: v} for p in DATE_PARAMS for v in QUERY_VALUES[p]]
    others = {p: v for p, v in QUERY_VALUES.items() if p not in DATE_PARAMS}
    rounds = max(len(v) for v in others.values())
    return alone + [{p: v[i % len(v)] for p, v in others.items()} for i in range(rounds)]


def _converter_kind(rule, name: str) -> str:
    return (
        "int" if rule._converters[name].__class__.__name__.endswith("IntConverter") else "default"
    )


def test_no_route_answers_hostile_values_with_a_5xx(app, web, world):
    owner, ids = world
    web.login(owner)
    walk = Walker(app, web, owner)
    for rule in _rules(app, "GET"):
        valid = _valid_values(rule, ids)
        url = _url(rule, valid)
        page = walk.check(web.get(url), f"GET {url}")
        if page.mimetype == "text/html":
            walk.pages[url] = page.get_data(as_text=True)
        walk.check(web.get(url, headers=HEADERS), f"GET {url} with hostile headers")
        for name in rule.arguments:
            for value in PATH_VALUES[_converter_kind(rule, name)]:
                hostile = _url(rule, {**valid, name: value})
                walk.check(web.get(hostile), f"GET {hostile[:120]}")
        for query in _queries():
            walk.check(web.get(url, query_string=query), f"GET {url}?{query!r:.80}")
    assert not walk.failures, "\n".join(walk.failures)
    assert walk.requests > 1500  # the walk really went everywhere


def _field_names(pages: dict[str, str]) -> tuple[set[str], set[str]]:
    names, files = set(), set()
    for html in pages.values():
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            name = re.search(r'\bname="([^"]+)"', tag)
            if not name or name.group(1) == "csrf_token":
                continue
            (files if 'type="file"' in tag else names).add(name.group(1))
    return names, files


def test_every_form_takes_hostile_values_without_a_5xx(app, web, world):
    owner, ids = world
    web.login(owner)
    walk = Walker(app, web, owner)
    for rule in _rules(app, "GET"):
        url = _url(rule, _valid_values(rule, ids))
        page = web.get(url)
        if page.mimetype == "text/html":
            walk.pages[url] = page.get_data(as_text=True)
    names, files = _field_names(walk.pages)
    assert {"name", "email", "date", "notes", "venue_id"} <= names  # forms were found
    posts = [r for r in _rules(app, "POST") if r.endpoint not in SESSION_ENDING]
    for rule in posts:
        url = _url(rule, _valid_values(rule, ids))
        for value in FORM_VALUES:
            data = dict.fromkeys(names, value)
            data["csrf_token"] = web.csrf_token()
            for name in files:
                data[name] = (io.BytesIO(value.encode("utf-8", "replace")), f"{value[:50]}.png")
            response = web.client.post(url, data=data, content_type="multipart/form-data")
            # a body above 500 KB is spooled by the test client to a temporary file that
            # nothing else closes
            response.request.environ["wsgi.input"].close()
            walk.check(response, f"POST {url} all fields = {value[:30]!r}")
    assert not walk.failures, "\n".join(walk.failures)
    assert len(posts) > 40 and walk.requests == len(posts) * len(FORM_VALUES)


def test_the_api_takes_hostile_bodies_without_a_5xx(app, web, world):
    owner, ids = world
    with app.app_context():
        from wedding.accounts.models import User

        _, secret = create_api_token(db.session.get(User, owner.id))
        db.session.commit()
    auth = {"Authorization": f"Bearer {secret}"}
    bodies = [
        {"venue_id": 2**70, "start": "2030-01-01T11:00:00+09:00", "duration_minutes": 60},
        {"venue_id": ids["venue_id"], "start": "9999-12-31T23:00:00+09:00", "duration_minutes": 60},
        {"venue_id": ids["venue_id"], "start": "0001-01-01T00:00:00+09:00", "duration_minutes": 60},
        {
            "venue_id": ids["venue_id"],
            "start": "2030-01-01T11:00:00+09:00",
            "duration_minutes": 2**70,
        },
        {"venue_id": ids["venue_id"], "start": "\x00", "duration_minutes": 60, "client_id": 2**31},
        {
            "venue_id": ids["venue_id"],
            "start": "\ud800",
            "duration_minutes": 60,
            "guest_count": -(2**70),
        },
        {"deposit_amount": 2**70},
        ["not", "an", "object"],
        "\x00",
    ]
    raw = ["[" * 50_000 + "]" * 50_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "\x00", "{"]
    walk = Walker(app, web, owner)
    for rule in _rules(app, "POST"):
        if not rule.rule.startswith("/api/"):
            continue
        url = _url(rule, _valid_values(rule, ids))
        for body in bodies:
            walk.check(web.client.post(url, json=body, headers=auth), f"POST {url} {body!r:.60}")
        for text in raw:
            response = web.client.post(
                url, data=text, content_type="application/json", headers=auth
            )
            walk.check(response, f"POST {url} raw {text[:20]!r}")
    assert not walk.failures, "\n".join(walk.failures)
