"""Hold reminders reach people: the periodic sweep job e-mails the planner (and the client
where the company wants it) over real SMTP, once."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.mail import start_smtp
from wedding.accounts.models import User
from wedding.booking.tasks import sweep_bookings
from wedding.ceremonies.models import Ceremony
from wedding.jobs import Job, enqueue
from wedding.models import db


@pytest.fixture
def smtp(app):
    controller, inbox = start_smtp()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_FROM="a@b.example")
    yield inbox
    controller.stop()


@pytest.fixture
def hold(app, make_user, make_client, make_companion, make_ceremony):
    planner = make_user(role="planner", email="planner@hare.example")
    with app.app_context():
        db.session.get(User, planner.id).language = "en"
        db.session.commit()
    client = make_client(planner.org, email="misaki@example.com", language="ja")
    companion = make_companion(planner.org, client=client)
    # lapses within the venue's reminder window (2 days by default)
    return make_ceremony(
        planner.org,
        companion=companion,
        planner_id=planner.id,
        hold_expires_at=datetime.now(UTC) + timedelta(hours=20),
    )


def sweep(app):
    with app.app_context():
        enqueue(sweep_bookings)
        db.session.commit()
        name = "wedding.booking.tasks.sweep_bookings"
        jobs = db.session.scalars(db.select(Job).filter_by(name=name).order_by(Job.created_at))
        return jobs.all()[-1].result


def test_a_hold_about_to_lapse_is_mailed_to_its_planner_once(app, smtp, hold):
    assert sweep(app)["reminded"] == 1
    (message,) = smtp.messages
    assert message["To"] == "planner@hare.example"
    assert message["Subject"].startswith("Hold lapses")  # in the planner's language
    assert "Confirm it, or release it" in message.get_content()
    assert message["Message-ID"].startswith("<job-")
    assert sweep(app)["reminded"] == 0
    assert len(smtp.messages) == 1
    with app.app_context():
        assert db.session.get(Ceremony, hold.id).reminded_at is not None


def test_the_client_is_reminded_when_the_company_wants_it(app, smtp, hold):
    app.config["REMIND_CLIENTS_OF_HOLDS"] = True
    sweep(app)
    assert sorted(m["To"] for m in smtp.messages) == ["misaki@example.com", "planner@hare.example"]
    (to_client,) = [m for m in smtp.messages if m["To"] == "misaki@example.com"]
    assert "Chapel" in to_client.get_content()


def test_a_hold_confirmed_before_the_mail_left_is_not_reminded(app, smtp, hold):
    from wedding.booking.tasks import mail_hold_reminder

    with app.app_context():
        db.session.get(Ceremony, hold.id).status = "confirmed"
        db.session.commit()
        assert mail_hold_reminder(hold.id, "planner") == {"sent": 0}
    assert smtp.messages == []
