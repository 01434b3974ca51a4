"""Sessions end for real (issue 14, class 4), and the sign-in throttle cannot be used against an
account's owner (class 7)."""

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import PASSWORD, Web
from wedding.accounts.models import LoginThrottle, UserSession
from wedding.accounts.services import LIMITS, record_failure, throttle_keys
from wedding.models import db, utcnow


def copied_cookie(web: Web) -> str:
    return web.client.get_cookie("session").value


def replay(app, cookie: str):
    """A second browser with a copy of the cookie, as an attacker would hold it."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/clients/")


def test_logout_ends_that_session_even_for_a_copied_cookie(app, web, make_user):
    user = make_user()
    web.login(user)
    cookie = copied_cookie(web)
    assert replay(app, cookie).status_code == 200
    assert web.logout().status_code == 302
    assert replay(app, cookie).status_code == 302  # back to the sign-in page
    assert web.get("/clients/").status_code == 302


def test_logout_ends_only_that_session(app, make_user):
    user = make_user()
    first, second = Web(app), Web(app)
    first.login(user)
    second.login(user)
    first.logout()
    assert second.get("/clients/").status_code == 200


def test_sign_out_everywhere_ends_every_session(app, make_user):
    user = make_user()
    first, second = Web(app), Web(app)
    first.login(user)
    second.login(user)
    cookie = copied_cookie(second)
    assert first.post("/account/sign-out-everywhere").status_code == 302
    assert first.get("/clients/").status_code == 302
    assert second.get("/clients/").status_code == 302
    assert replay(app, cookie).status_code == 302


def test_a_new_password_ends_every_other_session(app, make_user):
    user = make_user()
    here, elsewhere = Web(app), Web(app)
    here.login(user)
    elsewhere.login(user)
    wrong = here.post(
        "/account/password", {"current": "not it", "new": "x" * 12, "again": "x" * 12}
    )
    assert wrong.status_code == 200 and elsewhere.get("/clients/").status_code == 200
    changed = here.post(
        "/account/password",
        {"current": PASSWORD, "new": "a brand new secret", "again": "a brand new secret"},
    )
    assert changed.status_code == 302
    assert here.get("/clients/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/clients/").status_code == 302
    here.logout()
    here.login(user, "a brand new secret")


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(app, make_user):
    owner = make_user(role="owner")
    planner = make_user(org=owner.org, role="planner")
    boss, them = Web(app), Web(app)
    boss.login(owner)
    them.login(planner)
    cookie = copied_cookie(them)
    page = boss.get("/staff").get_data(as_text=True)
    assert f"/staff/{planner.id}/deactivate" in page
    assert boss.post(f"/staff/{planner.id}/deactivate").status_code == 302
    assert them.get("/clients/").status_code == 302
    boss.post(f"/staff/{planner.id}/reactivate")
    assert replay(app, cookie).status_code == 302
    them.login(planner)
    # nobody deactivates themselves, and no one another company's staff
    boss.post(f"/staff/{owner.id}/deactivate")
    assert boss.get("/clients/").status_code == 200
    stranger = make_user(role="planner")
    assert boss.post(f"/staff/{stranger.id}/deactivate").status_code == 404


def test_a_session_older_than_its_lifetime_opens_nothing(app, web, make_user):
    user = make_user()
    web.login(user)
    with app.app_context():
        for row in db.session.scalars(db.select(UserSession)):
            row.created_at = utcnow() - app.permanent_session_lifetime
        db.session.commit()
    assert web.get("/clients/").status_code == 302


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(app, make_user):
    user = make_user()
    attacker, owner = Web(app), Web(app)
    elsewhere = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(LIMITS["account"] + 3):
        attacker.post("/login", {"email": user.email, "password": "wrong"}, environ_base=elsewhere)
    locked = attacker.post(
        "/login", {"email": user.email, "password": PASSWORD}, environ_base=elsewhere
    )
    assert locked.status_code == 429  # the attacker's address is locked for this account
    assert owner.login(user).status_code == 302  # the owner, from another address, is not


def test_parallel_failures_are_all_counted(app, make_user):
    keys = throttle_keys("someone@example.com", "198.51.100.7")
    now = utcnow()

    def fail(_):
        with app.app_context():
            record_failure(keys, now)
            db.session.commit()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(fail, range(LIMITS["account"] - 1)))
    with app.app_context():
        counts = {row.key: row.failures for row in db.session.scalars(db.select(LoginThrottle))}
        assert counts == {keys["account"]: 4, keys["address"]: 4}
        assert db.session.scalar(db.select(LoginThrottle.locked_until)) is None
        record_failure(keys, now)
        db.session.commit()
        row = db.session.scalar(db.select(LoginThrottle).filter_by(key=keys["account"]))
        assert row.failures == 5 and row.locked_until > now


def test_ended_and_expired_sessions_are_forgotten_at_the_next_sign_in(app, make_user):
    user = make_user()
    for _ in range(3):
        browser = Web(app)
        browser.login(user)
        browser.logout()
    Web(app).login(user)
    with app.app_context():
        rows = db.session.scalars(db.select(UserSession)).all()
        assert len(rows) == 1 and rows[0].revoked_at is None
