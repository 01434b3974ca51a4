"""Due and overdue invoices are mailed to the client and the planner by the job engine, once
each, over real SMTP; a paid invoice is never reminded."""

from datetime import date, timedelta

import pytest

from tests.mail import start_smtp
from wedding.billing import services as billing
from wedding.billing.models import Invoice
from wedding.billing.money import Line
from wedding.billing.tasks import remind_invoices
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.jobs import Job, enqueue
from wedding.models import db, utcnow


@pytest.fixture
def smtp(app):
    controller, inbox = start_smtp()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_FROM="a@b.example")
    yield inbox
    controller.stop()


def run(app) -> dict:
    with app.app_context():
        enqueue(remind_invoices)
        db.session.commit()
        name = "wedding.billing.tasks.remind_invoices"
        jobs = db.session.scalars(db.select(Job).filter_by(name=name).order_by(Job.created_at))
        return jobs.all()[-1].result


def test_overdue_and_due_invoices_are_reminded_once(app, smtp, billed):
    user, ceremony = billed
    with app.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        record.planner_id = user.id
        db.session.get(Client, record.client_id).email = "misaki@example.com"
        today = billing.local_today(utcnow(), record)
        line = [Line("申込金", 10_000, 1, 10)]
        overdue = billing.create_invoice(record, "deposit", today - timedelta(days=1), line, today)
        soon = billing.create_invoice(record, "balance", today + timedelta(days=2), line, today)
        later = billing.create_invoice(record, "other", today + timedelta(days=30), line, today)
        paid = billing.create_invoice(record, "other", today - timedelta(days=5), line, today)
        billing.record_payment(paid, paid.total, "cash", date.today(), utcnow())
        db.session.commit()
        numbers = {i.display_number for i in (overdue, soon)}
        later_number = later.display_number
        soon_due = soon.due_date
    assert run(app)["reminded"] == 2
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert len(smtp.messages) == 4  # two invoices × (client, planner)
    assert {m["To"] for m in smtp.messages} == {"misaki@example.com", user.email}
    assert all(any(n in s for n in numbers) for s in subjects)
    assert not any(later_number in s for s in subjects)
    client_mail = next(m for m in smtp.messages if m["To"] == "misaki@example.com")
    assert "¥11,000" in client_mail.get_content()
    due = soon_due  # the day as the client reads it, in the client's language (ja)
    assert any(f"{due.year}年{due.month}月{due.day}日" in m["Subject"] for m in smtp.messages)
    assert not any(due.isoformat() in m.get_content() for m in smtp.messages)
    assert run(app)["reminded"] == 0
    assert len(smtp.messages) == 4
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count(Invoice.id)).where(Invoice.reminded_overdue_at.is_not(None))
            )
            == 1
        )
