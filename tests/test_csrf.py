"""CSRF protection is on for every form."""

import re

from tests.conftest import PASSWORD, venue_form
from wedding.models import db
from wedding.venues.models import Venue


def test_post_without_token_is_refused_and_saves_nothing(app, web, make_user):
    web.login(make_user())
    response = web.post("/venues/new", {"name": "Sneaky Hall"}, csrf=False)
    assert response.status_code == 400
    assert "再読み込み" in response.get_data(as_text=True)  # explained in the reader's language
    with app.app_context():
        assert db.session.scalar(db.select(Venue).filter_by(name="Sneaky Hall")) is None


def test_post_with_a_forged_token_is_refused(app, web, make_user):
    web.login(make_user())
    response = web.post("/venues/new", {"name": "Forged", "csrf_token": "abc.def.ghi"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(Venue).filter_by(name="Forged")) is None


def test_login_and_logout_need_a_token(web, make_user):
    user = make_user()
    refused = web.post("/login", {"email": user.email, "password": "x"}, csrf=False)
    assert refused.status_code == 400
    web.login(user)
    assert web.post("/logout", csrf=False).status_code == 400
    assert web.get("/").status_code == 200  # still signed in


def test_post_with_token_works(app, web, make_user):
    web.login(make_user())
    response = web.post("/venues/new", venue_form(name="Honest Hall"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Venue).filter_by(name="Honest Hall")) is not None


def page_token(web, url: str) -> str:
    page = web.get(url).get_data(as_text=True)
    match = re.search(r'<input name="csrf_token" type="hidden" value="([^"]+)">', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def test_the_token_a_page_carries_is_the_one_its_form_is_taken_with(app, web, make_user):
    """What the other tests send (Web.csrf_token, made as a page makes it) is what pages carry:
    each form here is sent with the token read off its own page, as a browser sends it."""
    user = make_user()
    signed_in = web.post(
        "/login",
        {"email": user.email, "password": PASSWORD, "csrf_token": page_token(web, "/login")},
    )
    assert signed_in.status_code == 302
    assert web.get("/").status_code == 200
    token = page_token(web, "/venues/new")  # the session is new since: so is its token
    response = web.post("/venues/new", venue_form(name="Paged Hall", csrf_token=token))
    assert response.status_code == 302
    assert token == web.csrf_token()
    with app.app_context():
        assert db.session.scalar(db.select(Venue).filter_by(name="Paged Hall")) is not None
