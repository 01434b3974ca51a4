"""The booking housekeeping as background jobs: the periodic sweep and hold reminders."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from wedding.accounts.models import User
from wedding.accounts.services import company_name
from wedding.booking import services
from wedding.ceremonies.models import Ceremony
from wedding.i18n import format_local_datetime
from wedding.jobs import enqueue, periodic, task
from wedding.mail import job_message_id, mail_configured, send_mail
from wedding.models import db


@periodic(minutes=5)
def sweep_bookings() -> dict:
    """Lapse holds, promote the waitlist, remind, complete past ceremonies; the reminders
    are queued in the same transaction that marks the holds reminded (each goes out once)."""
    report = services.sweep()
    for ceremony in report.reminded:
        queue_reminders(ceremony)
    return {
        "expired": len(report.expired),
        "promoted": len(report.promoted),
        "reminded": len(report.reminded),
        "completed": len(report.completed),
    }


def reminder_recipients(ceremony: Ceremony) -> list[str]:
    """Who hears that a hold is about to lapse: its planner (or, without one, the company's
    owners), and the client too when REMIND_CLIENTS_OF_HOLDS is set."""
    people = ["planner"]
    if current_app.config.get("REMIND_CLIENTS_OF_HOLDS") and ceremony.client_id:
        people.append("client")
    return people


def queue_reminders(ceremony: Ceremony) -> None:
    if not mail_configured(current_app.config):
        return
    for who in reminder_recipients(ceremony):
        enqueue(mail_hold_reminder, ceremony.id, who, org_id=ceremony.org_id)


def _addresses(ceremony: Ceremony, who: str) -> list[tuple[str, str]]:
    """(address, language) pairs of the reminder's recipients."""
    if who == "client":
        client = ceremony.client
        return [(client.email, client.language)] if client and client.email else []
    if ceremony.planner is not None and ceremony.planner.active:
        return [(ceremony.planner.email, ceremony.planner.language or "ja")]
    owners = db.session.scalars(
        db.select(User).filter_by(org_id=ceremony.org_id, role="owner", active=True)
    )
    return [(owner.email, owner.language or "ja") for owner in owners]


@task(retries=4, backoff=60)
def mail_hold_reminder(ceremony_id: int, who: str) -> dict:
    """Background job: tell the planner (or the client) that a hold lapses soon."""
    ceremony = db.session.get(Ceremony, ceremony_id)
    if ceremony is None or ceremony.status != "hold":
        return {"sent": 0}  # confirmed or released meanwhile: nothing to remind
    company = company_name(ceremony.org_id)
    messages = []
    for address, language in _addresses(ceremony, who):
        with force_locale(language):
            tz = ceremony.venue.timezone
            values = {
                "venue": ceremony.venue.name,
                "starts": format_local_datetime(ceremony.starts_at, tz),
                "lapses": format_local_datetime(ceremony.hold_expires_at, tz),
                "client": ceremony.client.display_name if ceremony.client else "—",
                "company": company,
            }
            subject = _("Hold lapses %(lapses)s: %(venue)s", **values)
            if who == "client":
                body = _(
                    "Your ceremony at %(venue)s on %(starts)s is held for you until %(lapses)s."
                    "\n\nPlease tell us before then whether we should confirm it.\n\n%(company)s",
                    **values,
                )
            else:
                body = _(
                    "The hold for %(client)s at %(venue)s on %(starts)s lapses %(lapses)s."
                    "\n\nConfirm it, or release it for the next client on the waitlist."
                    "\n\n%(company)s",
                    **values,
                )
        messages.append((address, subject, body))
    db.session.rollback()  # no transaction stays open while the mail server answers
    config = current_app.config
    for number, (address, subject, body) in enumerate(messages):
        message_id = job_message_id(config).replace("@", f".{number}@", 1)
        send_mail(config, address, subject, body, message_id)
    return {"sent": len(messages)}
