"""Signing in and out, roles, the CLI, and the secret-key guard."""

import pytest
from flask import Flask

from tests.conftest import PASSWORD
from wedding import create_app
from wedding.accounts.models import User
from wedding.models import db


def test_sign_in_then_out(web, make_user):
    user = make_user(name="山田 花子")
    assert web.get("/").status_code == 302  # signed out: sent to the login page
    web.login(user)
    page = web.get("/").get_data(as_text=True)
    assert "山田 花子" in page
    web.logout()
    response = web.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_and_unknown_email_get_the_same_answer(web, make_user):
    user = make_user()
    wrong = web.post("/login", {"email": user.email, "password": "not the password"})
    unknown = web.post("/login", {"email": "nobody@example.com", "password": "whatever1234"})
    assert wrong.status_code == unknown.status_code == 200
    message = "メールアドレスまたはパスワードが正しくありません。"
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(web, make_user, app):
    user = make_user()
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    response = web.post("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert web.get("/").status_code == 302


def test_passwords_are_hashed(app, make_user):
    user = make_user()
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    assert PASSWORD not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))


def test_login_redirects_only_to_this_site(web, make_user):
    user = make_user()
    token = web.csrf_token()
    for target, expected in (
        ("/venues/", "/venues/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ):
        response = web.client.post(
            f"/login?next={target}",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == expected
        web.logout()
        token = web.csrf_token()


def test_viewer_can_read_but_not_change(web, make_user, make_venue, app):
    viewer = make_user(role="viewer")
    venue = make_venue(viewer.org, name="Garden")
    web.login(viewer)
    page = web.get(f"/venues/{venue.id}")
    assert page.status_code == 200
    assert "disabled" in page.get_data(as_text=True)
    assert web.get("/venues/new").status_code == 403
    assert web.post(f"/venues/{venue.id}", {"name": "Renamed"}).status_code == 403
    assert web.post(f"/venues/{venue.id}/archive").status_code == 403
    with app.app_context():
        from wedding.venues.models import Venue

        stored = db.session.get(Venue, venue.id)
        assert stored.name == "Garden"
        assert stored.archived_at is None


def test_only_owners_manage_staff(web, make_user, app):
    planner = make_user(role="planner")
    web.login(planner)
    assert web.get("/staff").status_code == 403
    web.logout()
    owner = make_user(org=planner.org, role="owner")
    web.login(owner)
    response = web.post(
        "/staff/new",
        {"email": "new@example.com", "role": "viewer", "password": "long enough pw", "name": "N"},
    )
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(db.select(User).filter_by(email="new@example.com"))
        assert created.org_id == owner.org_id
        assert created.role == "viewer"


def test_staff_email_must_be_new(web, make_user, app):
    owner = make_user(role="owner", email="taken@example.com")
    web.login(owner)
    response = web.post(
        "/staff/new", {"email": "TAKEN@example.com", "role": "planner", "password": "long enough"}
    )
    assert response.status_code == 200
    assert "すでにアカウントがあります" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_cli_creates_a_user_in_a_company(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["user", "create", "Owner@Example.com", "--org", "Okayama Bridal", "--role", "owner"],
        env={"WEDDING_USER_PASSWORD": "a long password"},
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="owner@example.com"))
        assert user.role == "owner"
        assert user.org.name == "Okayama Bridal"
        assert user.check_password("a long password")
    again = runner.invoke(
        args=["user", "create", "owner@example.com", "--org", "Okayama Bridal"],
        env={"WEDDING_USER_PASSWORD": "a long password"},
    )
    assert again.exit_code != 0
    assert "already has an account" in again.output


def test_refuses_default_secret_key_outside_debug_and_testing(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert isinstance(create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}), Flask)


def test_config_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", "sqlite:///from-env.sqlite")
    monkeypatch.setenv("FLASK_PER_PAGE", "7")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-env.sqlite"
    assert app.config["PER_PAGE"] == 7


def test_production_hashes_with_scrypt(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        user = User(email="x@example.com")
        user.set_password("a long password")
        assert user.password_hash.startswith("scrypt:")
        assert user.check_password("a long password")
        assert not user.check_password("another password")
