"""`flask demo` makes the Okayama company once and prints a login that works."""

from stdnum.jp import cn

from wedding.accounts.models import Organisation, User
from wedding.billing.models import BillingProfile, Invoice, Plan, Quote
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.guests.services import guests_of
from wedding.models import db
from wedding.personas.models import Companion
from wedding.presentation.models import Presentation, Standee
from wedding.runofshow.services import run_window
from wedding.tasks.services import ceremony_day, tasks_of
from wedding.venues.models import Venue

MODELS = (Organisation, User, Venue, Client, Companion, Ceremony, Plan, Quote, Invoice)
MODELS += (Presentation, Standee)


def counts(app):
    with app.app_context():
        return {
            m.__name__: db.session.scalar(db.select(db.func.count()).select_from(m)) for m in MODELS
        }


def test_demo_is_idempotent_and_its_login_works(app, web):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first = counts(app)
    assert after_first == {
        "Organisation": 1,
        "User": 1,
        "Venue": 3,
        "Client": 1,
        "Companion": 1,
        "Ceremony": 1,
        "Plan": 9,
        "Quote": 1,
        "Invoice": 1,
        "Presentation": 1,  # the viewer link comes with the ceremony (schedule_ceremony)
        "Standee": 1,  # made by the command itself: the viewer works at once
    }
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert counts(app) == after_first
    email, password = first.output.strip().rsplit(": ", 1)[1].split(" / ")
    response = web.post("/login", {"email": email, "password": password})
    assert response.status_code == 302
    page = web.get("/").get_data(as_text=True)
    assert "佐藤 美咲" in page and "レン (Ren)" in page
    with app.app_context():
        ceremony = db.session.scalar(db.select(Ceremony))
        day = ceremony_day(ceremony)
        dues = [task.due_on for task in tasks_of(ceremony.id)]
        assert min(dues) < day < max(dues)  # a checklist before and after the date
        replies = sorted(guest.rsvp for guest in guests_of(ceremony.id))
        assert len(replies) >= 3 and replies.count("online") == 1
        org = db.session.scalar(db.select(Organisation))
        assert "岡山" in org.name
        names = " ".join(v.name for v in db.session.scalars(db.select(Venue)))
        assert "Chapel" in names and "Garden" in names and "Studio" in names
        profile = db.session.scalar(db.select(BillingProfile))
        assert profile.registration_number.startswith("T")
        assert cn.is_valid(profile.registration_number[1:])
        assert profile.account_number
        deposit = db.session.scalar(db.select(Invoice))
        assert deposit.kind == "deposit" and deposit.status == "issued"
        assert deposit.number == 1 and set(deposit.totals) == {"10", "8"}


def test_every_demo_ceremonys_run_of_show_fits_its_booking(app, web):
    """Right after install the demo shows no "does not fit the booking" warning: its guests are
    received half an hour before the start, and that time is booked too."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ceremonies = list(db.session.scalars(db.select(Ceremony)))
        assert ceremonies
        for ceremony in ceremonies:
            window = run_window(ceremony)
            assert window is not None
            assert ceremony.blocked_from <= window.booked_from <= window.first
            assert window.last <= window.booked_until <= ceremony.blocked_until
            assert window.fits, window
    email, password = result.output.strip().rsplit(": ", 1)[1].split(" / ")
    web.post("/login", {"email": email, "password": password})
    for ceremony in ceremonies:
        page = web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)
        assert "記念撮影" in page  # the run of show is on the page (its last item)
        assert 'id="run-window"' not in page
