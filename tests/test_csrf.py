"""CSRF protection is on for every form."""

from tests.conftest import venue_form
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
