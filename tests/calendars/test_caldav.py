"""Pushing to a real CalDAV server: Radicale, started by the test on 127.0.0.1 (conftest)."""

from datetime import UTC, datetime, timedelta

import caldav
import pytest
from markupsafe import escape

from tests.calendars.conftest import remote_event
from wedding.accounts.models import User
from wedding.accounts.services import set_active
from wedding.calendars import caldav_sync
from wedding.calendars.models import CalDAVAccount, CalDAVState
from wedding.ceremonies.models import Ceremony
from wedding.models import db, dispose_engines

START = datetime(2031, 4, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def planner_and_ceremony(web, make_user, make_venue, make_ceremony):
    user = make_user(role="planner", name="山田 花子")
    venue = make_venue(user.org, name="白鷺", address="岡山")
    ceremony = make_ceremony(user.org, venue=venue, starts_at=START, planner_id=user.id)
    web.login(user)
    return user, ceremony


def test_round_trip_through_radicale(app, web, radicale, planner_and_ceremony):
    _, ceremony = planner_and_ceremony
    response = web.post(
        "/calendars/caldav",
        {"url": radicale.calendar_url, "username": "hanako", "password": "app-password-1"},
    )
    assert response.status_code == 303
    with app.app_context():
        account = db.session.scalar(db.select(CalDAVAccount))
        assert "app-password-1" not in account.password_encrypted  # stored encrypted
        assert caldav_sync.decrypt(account.password_encrypted) == "app-password-1"
        domain = app.config["CALENDAR_UID_DOMAIN"]
    uid = f"ceremony-{ceremony.id}@{domain}"

    web.post("/calendars/caldav/push")
    event = remote_event(radicale, uid)
    assert str(event["UID"]) == uid
    assert event.decoded("DTSTART") == START
    assert str(event["STATUS"]) == "TENTATIVE"
    assert "挙式" in str(event["SUMMARY"])

    # every change a calendar shows is pushed by a job queued with it (no "Push now")
    web.post(f"/ceremonies/{ceremony.id}/confirm", {"deposit": ""})
    assert str(remote_event(radicale, uid)["STATUS"]) == "CONFIRMED"

    web.post(f"/ceremonies/{ceremony.id}/cancel")
    assert str(remote_event(radicale, uid)["STATUS"]) == "CANCELLED"


def test_a_change_is_pushed_by_a_worker_not_by_the_request(
    database_url, app, radicale, planner_and_ceremony
):
    from tests.conftest import Web, app_config
    from wedding import create_app
    from wedding.jobs import Job, run_queued

    user, ceremony = planner_and_ceremony
    queued = create_app(
        app_config(database_url, JOB_QUEUE_URL="memory://", CALDAV_ALLOWED_HOSTS="127.0.0.1")
    )
    web = Web(queued)
    web.login(user)
    web.post("/calendars/caldav", {"url": radicale.calendar_url, "username": "h", "password": "p"})
    web.post("/calendars/caldav/push")
    assert run_queued(queued) == 1
    domain = app.config["CALENDAR_UID_DOMAIN"]
    uid = f"ceremony-{ceremony.id}@{domain}"
    assert str(remote_event(radicale, uid)["STATUS"]) == "TENTATIVE"
    web.post(f"/ceremonies/{ceremony.id}/confirm", {"deposit": ""})
    assert str(remote_event(radicale, uid)["STATUS"]) == "TENTATIVE"  # not inside the request
    with queued.app_context():
        (job,) = db.session.scalars(db.select(Job).filter_by(status="queued")).all()
        assert job.name == "wedding.calendars.tasks.push_calendar"
        db.session.remove()
    assert run_queued(queued) == 1
    assert str(remote_event(radicale, uid)["STATUS"]) == "CONFIRMED"
    with queued.app_context():
        dispose_engines()


def test_failures_are_recorded_shown_and_retried(app, web, radicale, planner_and_ceremony):
    _, ceremony = planner_and_ceremony
    web.post(
        "/calendars/caldav",
        {"url": radicale.calendar_url, "username": "hanako", "password": "pw"},
    )
    radicale.stop()
    now = datetime.now(UTC)
    with app.app_context():
        account_id = db.session.scalar(db.select(CalDAVAccount.id))
        report = caldav_sync.push(db.session.get(CalDAVAccount, account_id), now)
        db.session.commit()
        assert list(report.failed) == [ceremony.id]
        state = db.session.scalar(db.select(CalDAVState))
        assert (state.attempts, state.pushed_sequence) == (1, None)
        assert state.next_attempt_at > now
        error = state.error
    page = web.get("/calendars/").get_data(as_text=True)
    assert f"#{ceremony.id}" in page and escape(error) in page  # shown to the planner
    with app.app_context():  # not yet time to retry: nothing is attempted
        report = caldav_sync.push(db.session.get(CalDAVAccount, account_id), now)
        assert report.failed == {} and report.pushed == []
    radicale.start()
    with app.app_context():
        report = caldav_sync.push(
            db.session.get(CalDAVAccount, account_id), now + timedelta(minutes=2)
        )
        db.session.commit()
        assert report.pushed == [ceremony.id]
        assert db.session.scalar(db.select(CalDAVState)).error is None
    domain = app.config["CALENDAR_UID_DOMAIN"]
    assert str(remote_event(radicale, f"ceremony-{ceremony.id}@{domain}")["UID"])


def test_a_ceremony_given_to_another_planner_leaves_my_calendar(
    app, web, radicale, planner_and_ceremony, make_user
):
    user, ceremony = planner_and_ceremony
    web.post("/calendars/caldav", {"url": radicale.calendar_url, "username": "h", "password": "p"})
    web.post("/calendars/caldav/push")
    other = make_user(org=user.org, role="planner")
    with app.app_context():
        db.session.get(Ceremony, ceremony.id).planner_id = other.id
        db.session.commit()
    web.post("/calendars/caldav/push")
    domain = app.config["CALENDAR_UID_DOMAIN"]
    with pytest.raises(caldav.error.NotFoundError):
        remote_event(radicale, f"ceremony-{ceremony.id}@{domain}")


def test_a_deactivated_planners_calendar_gets_nothing_more(
    app, make_user, planner_and_ceremony, monkeypatch
):
    """Deactivation ends what reaches someone's own calendar server with their sign-ins: the
    periodic push leaves their calendar out, and a push already queued plans nothing."""
    from wedding.calendars import tasks

    queued = []
    monkeypatch.setattr(tasks, "enqueue", lambda job, *args, **kwargs: queued.append(args))

    user, _ = planner_and_ceremony
    owner = make_user(org=user.org, role="owner")
    with app.app_context():
        account = CalDAVAccount(
            org_id=user.org.id,
            user_id=user.id,
            url="https://calendar.example/hanako/",
            username="hanako",
            password_encrypted=caldav_sync.encrypt("pw"),
        )
        db.session.add(account)
        db.session.commit()
        now = datetime.now(UTC)
        assert caldav_sync.plan_push(account, now).puts  # their ceremony is due
        assert (tasks.push_calendars(), queued) == (1, [(account.id,)])
        set_active(db.session.get(User, user.id), False, db.session.get(User, owner.id), now)
        db.session.commit()
        assert caldav_sync.plan_push(account, now) is None
        assert (tasks.push_calendars(), queued) == (0, [(account.id,)])
        db.session.rollback()
