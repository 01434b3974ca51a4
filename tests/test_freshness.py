"""Cached responses (wedding/freshness.py): served again only while nothing they show changed,
and never to another person, company or language."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from tests.conftest import Web, future_day
from tests.queries import shown, statements_of
from wedding import freshness
from wedding.accounts.models import Organisation, User, UserSession
from wedding.accounts.services import create_api_token
from wedding.billing.models import PaymentEvent
from wedding.booking.services import hold
from wedding.ceremonies.models import Ceremony
from wedding.jobs import Job
from wedding.models import db
from wedding.runofshow.models import RunItem
from wedding.runofshow.services import apply_template

DAY = future_day(40)


def version(app, org_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(Organisation.data_version).where(Organisation.id == org_id)
        )


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The cache's clock, held still (a test running across a minute's end would see its
    pages made again); tests move it on by hand."""
    now = {"at": datetime(2026, 12, 1, 3, 0, 10, tzinfo=UTC)}
    monkeypatch.setattr(freshness, "utcnow", lambda: now["at"])
    return now


@pytest.fixture
def planner(app, make_user, make_ceremony):
    user = make_user(role="owner")
    ceremony = make_ceremony(user.org, starts_at=datetime.combine(DAY, time(2), tzinfo=UTC))
    return user, ceremony


@pytest.mark.parametrize(
    "path",
    ["/", "/ceremonies/{ceremony}", f"/booking/?month={DAY:%Y-%m}"],
    ids=["dashboard", "ceremony", "month"],
)
def test_a_page_seen_again_unchanged_costs_only_the_sign_in_check(app, web, planner, path):
    user, ceremony = planner
    path = path.format(ceremony=ceremony.id)
    web.login(user)
    web.get(path)  # the first visit makes the session's CSRF token: not kept
    made = statements_of(app, lambda: web.get(path))
    kept = web.get(path)
    again = statements_of(app, lambda: web.get(path))
    assert len(made) > 3, shown(made)
    assert len(again) == 1 and "user_sessions" in again[0], shown(again)
    assert web.get(path).get_data() == kept.get_data()


def test_a_change_by_a_colleague_shows_at_once(app, web, planner, make_user):
    user, ceremony = planner
    colleague = Web(app)
    colleague.login(make_user(org=user.org, role="planner"))
    web.login(user)
    path = f"/ceremonies/{ceremony.id}"
    web.get(path)
    before = web.get(path).get_data(as_text=True)  # served from the cache
    response = colleague.post(f"{path}/run-of-show/template", {"template": "jinzen"})
    assert response.status_code == 302
    with app.app_context():
        titles = db.session.scalars(
            db.select(RunItem.title_ja).where(RunItem.ceremony_id == ceremony.id)
        ).all()
    page = web.get(path).get_data(as_text=True)
    assert titles and not any(t in before for t in titles)
    assert all(title in page for title in titles), titles


def test_every_kind_of_write_gives_the_company_a_new_version(app, planner, make_user):
    user, ceremony = planner
    other = make_user(role="owner")
    before, others = version(app, user.org_id), version(app, other.org_id)

    with app.app_context():  # a row with its company
        db.session.get(Ceremony, ceremony.id).notes = "changed"
        db.session.commit()
    assert version(app, user.org_id) != before
    assert version(app, other.org_id) == others  # another company's pages stay cached

    before = version(app, user.org_id)
    with app.app_context():  # a rolled-back change changes nothing
        db.session.get(Ceremony, ceremony.id).notes = "never saved"
        db.session.flush()
        db.session.rollback()
    assert version(app, user.org_id) == before

    with app.app_context():  # a row without org_id, by a job acting for the company
        freshness.acting_for(user.org_id)
        apply_template(db.session.get(Ceremony, ceremony.id), "jinzen")
        db.session.commit()
    assert version(app, user.org_id) != before
    assert version(app, other.org_id) == others

    before = version(app, user.org_id)
    with app.app_context():  # a bulk UPDATE with nobody acting: every company
        db.session.execute(update(RunItem).values(title_en="renamed"))
        db.session.commit()
    assert version(app, user.org_id) != before
    assert version(app, other.org_id) != others

    before, others = version(app, user.org_id), version(app, other.org_id)
    with app.app_context():  # a savepoint rolled back inside a transaction that commits
        db.session.get(Ceremony, ceremony.id).notes = "kept"
        db.session.flush()
        with db.session.begin_nested() as savepoint:
            db.session.get(Ceremony, ceremony.id).guest_count = 3
            db.session.flush()
            savepoint.rollback()
        db.session.commit()
    assert version(app, user.org_id) != before
    assert version(app, other.org_id) == others

    before, others = version(app, user.org_id), version(app, other.org_id)
    with app.app_context():  # a webhook call naming no invoice of ours: nobody
        db.session.add(PaymentEvent(org_id=None, outcome="unsigned", payload="{}"))
        db.session.commit()
    assert (version(app, user.org_id), version(app, other.org_id)) == (before, others)

    with app.app_context():  # a row written by a hook after the versions were written
        freshness.acting_for(user.org_id)

        def late_writer(session):
            session.execute(update(RunItem).values(notes="written late"))

        event.listen(Session, "before_commit", late_writer)
        try:
            db.session.commit()
        finally:
            event.remove(Session, "before_commit", late_writer)
    assert version(app, user.org_id) != before

    before = version(app, user.org_id)
    with app.app_context():  # a job of no company changing only its own row: nobody
        db.session.execute(update(Job).values(progress=50))
        db.session.commit()
    assert version(app, user.org_id) == before


def test_each_person_and_language_gets_their_own_page(app, web, planner, make_user):
    user, _ = planner
    colleague = make_user(org=user.org, role="viewer")
    with app.app_context():
        for person in (user, colleague):
            db.session.get(User, person.id).language = None  # the browser chooses
        db.session.commit()
    web.login(user)
    other = Web(app)
    other.login(colleague)
    ja = {"Accept-Language": "ja"}
    en = {"Accept-Language": "en"}
    web.get("/", headers=ja)  # the first visit makes the session's CSRF token: not kept
    mine = web.get("/", headers=ja).get_data(as_text=True)
    theirs = other.get("/", headers=ja).get_data(as_text=True)
    # The same page again (kept): made again, its signed CSRF token would carry a new second.
    assert web.get("/", headers=ja).get_data(as_text=True) == mine
    assert colleague.email in theirs and colleague.email not in mine
    english = web.get("/", headers=en).get_data(as_text=True)
    assert '<html lang="en"' in english and '<html lang="ja"' in mine


def test_a_message_for_the_next_page_is_not_lost_to_a_cached_copy(app, web, planner):
    user, ceremony = planner
    web.login(user)
    path = f"/ceremonies/{ceremony.id}"
    web.get(path)
    cached = web.get(path).get_data(as_text=True)  # kept now
    # Refused (a negative deposit): the data is unchanged, so only the message differs.
    response = web.post(path + "/confirm", {"deposit": "-5"})
    assert response.status_code == 302
    page = web.get(path).get_data(as_text=True)
    assert 'class="flash flash-error"' in page and 'class="flash' not in cached
    assert 'class="flash' not in web.get(path).get_data(as_text=True)  # shown once


def test_an_ended_session_is_refused_although_its_page_is_kept(app, web, planner):
    user, _ = planner
    web.login(user)
    web.get("/")
    assert web.get("/").status_code == 200  # kept now
    with app.app_context():  # signed out everywhere (another browser pressed the button)
        db.session.execute(update(UserSession).values(revoked_at=datetime.now(UTC)))
        db.session.commit()
    assert web.get("/").status_code == 302


def test_the_next_person_on_a_shared_browser_never_sees_the_last_ones_page(
    app, web, planner, make_user
):
    user, _ = planner
    colleague = make_user(org=user.org, role="viewer")
    web.login(user)
    web.get("/")
    assert user.email in web.get("/").get_data(as_text=True)  # kept now
    web.logout()
    web.login(colleague)
    page = web.get("/").get_data(as_text=True)
    assert colleague.email in page and user.email not in page


def bearer(app, user) -> dict:
    """The Authorization header of a new API token of ``user``."""
    with app.app_context():
        _, secret = create_api_token(db.session.get(User, user.id), "site")
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_api_availability_is_cached_until_a_hold_changes_it(app, make_user, make_venue):
    user = make_user(role="planner")
    venue = make_venue(user.org)
    headers = bearer(app, user)
    client = app.test_client()
    first = DAY.replace(day=1)
    path = f"/api/v1/venues/{venue.id}/availability?from={first}&to={first + timedelta(days=30)}"

    def free_starts() -> set:
        days = client.get(path, headers=headers, buffered=True).get_json()["days"]
        return {(d["date"], s) for d in days for s in d.get("free", [])}

    before = free_starts()
    again = statements_of(app, lambda: client.get(path, headers=headers, buffered=True))
    assert len(again) == 1 and "api_tokens" in again[0], shown(again)
    start = f"{DAY.isoformat()}T10:00:00+09:00"
    assert any(DAY.isoformat() == day for day, _ in before)
    body = {"venue_id": venue.id, "start": start, "duration_minutes": 60, "status": "hold"}
    assert client.post("/api/v1/bookings", json=body, headers=headers).status_code == 201
    after = free_starts()
    assert after != before and after < before

    # A revoked token is refused even though its answer is cached.
    with app.app_context():
        from wedding.accounts.models import ApiToken

        db.session.execute(update(ApiToken).values(revoked_at=datetime.now(UTC)))
        db.session.commit()
    assert client.get(path, headers=headers).status_code == 401


def test_the_api_loads_no_user_object_where_the_company_is_enough(app, make_user, make_venue):
    """The token is checked in one plain query (TokenCaller): an answer from the cache makes
    no ORM object at all (no user, token or company); a miss, a hold and a confirmation load
    what they read (the venue, the ceremony) but not the user: they need only the company."""
    user = make_user(role="planner")
    venue = make_venue(user.org)
    headers = bearer(app, user)
    client = app.test_client()
    path = f"/api/v1/venues/{venue.id}/availability?from={DAY}&to={DAY + timedelta(days=6)}"
    loaded = []

    def count(target, context):
        loaded.append(type(target).__name__)

    event.listen(db.Model, "load", count, propagate=True)
    try:
        made = statements_of(app, lambda: client.get(path, headers=headers, buffered=True))
        loaded_making = list(loaded)
        loaded.clear()
        again = statements_of(app, lambda: client.get(path, headers=headers, buffered=True))
        assert len(again) == 1 and "api_tokens" in again[0], shown(again)
        assert loaded == []
        assert "Venue" in loaded_making and "User" not in loaded_making, loaded_making
        assert not any(s.startswith("SELECT users.") for s in made), shown(made)
        loaded.clear()
        body = {"venue_id": venue.id, "start": f"{DAY}T11:00:00+09:00", "duration_minutes": 60}
        held = client.post("/api/v1/bookings", json=body, headers=headers)
        assert held.status_code == 201, held.get_json()
        confirm = f"/api/v1/bookings/{held.get_json()['id']}/confirm"
        assert client.post(confirm, headers=headers).get_json()["status"] == "confirmed"
        assert "Ceremony" in loaded and "User" not in loaded, loaded
    finally:
        event.remove(db.Model, "load", count)


def test_a_new_minute_makes_the_page_again(app, web, planner, clock):
    user, _ = planner
    web.login(user)
    web.get("/")
    web.get("/")
    assert len(statements_of(app, lambda: web.get("/"))) == 1
    clock["at"] += timedelta(seconds=50)  # 03:01:00: relative dates may read differently
    assert len(statements_of(app, lambda: web.get("/"))) > 1


def test_the_cache_can_be_turned_off(app, web, planner):
    user, _ = planner
    app.config["RESPONSE_CACHE"] = False
    web.login(user)
    web.get("/")
    again = statements_of(app, lambda: web.get("/"))
    assert len(again) > 1, shown(again)


def test_holds_lapse_on_a_whole_minute_as_slots_do(app, make_user, make_venue):
    """Pages are kept by the minute: what time changes on them changes on whole minutes."""
    user = make_user(role="planner")
    venue = make_venue(user.org)
    with app.app_context():
        record = db.session.get(type(venue), venue.id)
        ceremony = Ceremony(org_id=user.org_id)
        now = datetime(2026, 12, 1, 3, 0, 10, 500, tzinfo=UTC)
        start = datetime.combine(DAY, time(2), tzinfo=UTC)
        hold(ceremony, record, start, 60, now=now)
        expires, lapse = ceremony.hold_expires_at, now + timedelta(days=record.hold_days)
        db.session.rollback()
    assert expires.second == 0 and expires.microsecond == 0
    assert timedelta(0) < expires - lapse <= timedelta(minutes=1)
