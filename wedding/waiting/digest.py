"""The daily digest: each staff member who wants it gets one e-mail of what's waiting.

This is the work a background job runs once a day (`flask waiting digest` from cron until the
job engine schedules it): the e-mails are written inside one transaction, which is closed
before any mail server is spoken to; each one sent is then marked, so that a second run on the
same day sends nothing twice."""

from datetime import datetime

from flask import current_app
from flask_babel import force_locale

from wedding.accounts.services import company_name
from wedding.models import db, utcnow
from wedding.portal.mail import MailError, mail_configured, send_mail
from wedding.tasks.services import org_today
from wedding.waiting.services import Digest, digest_text, digests_due, mark_digest_sent


def send_daily_digests(now: datetime | None = None) -> tuple[int, list[str]]:
    """Send today's digests: (how many were sent, the failures as text)."""
    now = now or utcnow()
    today = org_today(now)
    if not mail_configured(current_app.config):
        return 0, ["no mail server configured (FLASK_MAIL_SERVER)"]
    mails = []
    for user, items in digests_due(now, today):
        with force_locale(user.language or "ja"):
            subject, body = digest_text(items, company_name(user.org_id))
        mails.append((user.org_id, Digest(user.id, user.email, subject, body)))
    db.session.commit()  # no transaction stays open while we talk to the mail server
    sent, failures = 0, []
    for org_id, mail in mails:
        try:
            send_mail(current_app.config, mail.to, mail.subject, mail.body)
        except MailError as error:
            failures.append(f"user {mail.user_id}: {error}")
            continue
        mark_digest_sent(mail.user_id, org_id, today)
        db.session.commit()
        sent += 1
    return sent, failures
