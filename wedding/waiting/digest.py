"""The daily digest as background jobs: once a day each staff member who wants it (and has
something waiting) gets one e-mail of what's waiting, in their language.

The hourly tick queues one mail job per person and marks the day in the same transaction (the
transactional outbox of wedding.jobs), so a person gets at most one digest a day however many
workers tick; the mail job writes the e-mail, closes its transaction and only then speaks to
the mail server, under the job's stable Message-ID."""

from datetime import datetime

from flask import current_app
from flask_babel import force_locale

from wedding.accounts.models import User
from wedding.accounts.services import company_name
from wedding.almanac import JST
from wedding.jobs import enqueue, periodic, task
from wedding.mail import job_message_id, mail_configured, send_mail
from wedding.models import db, utcnow
from wedding.tasks.services import org_today
from wedding.waiting.services import digest_text, digests_due, mark_digest_sent, waiting_for

SEND_FROM_HOUR = 7  # in Japan: the digest waits for the morning


@periodic(minutes=60)
def queue_daily_digests(now: datetime | None = None) -> dict:
    """Queue today's digests (from 07:00 in Japan); each person once a day."""
    now = now or utcnow()
    today = org_today(now)
    if not mail_configured(current_app.config) or org_hour(now) < SEND_FROM_HOUR:
        return {"queued": 0}
    queued = 0
    for user, _items in digests_due(now, today):
        mark_digest_sent(user.id, user.org_id, today)
        enqueue(mail_digest, user.id, org_id=user.org_id, key=f"digest:{user.id}:{today}")
        queued += 1
    return {"queued": queued}


def org_hour(now: datetime) -> int:
    return now.astimezone(JST).hour


@task(retries=4, backoff=60)
def mail_digest(user_id: int) -> dict:
    """Background job: one staff member's digest of what's waiting."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return {"sent": 0}
    now = utcnow()
    items = waiting_for(user.org_id, user.id, now, org_today(now), external=True)
    if not items:
        return {"sent": 0}  # handled since the tick
    with force_locale(user.language or "ja"):
        subject, body = digest_text(items, company_name(user.org_id))
    address = user.email
    db.session.rollback()  # no transaction stays open while the mail server answers
    config = current_app.config
    send_mail(config, address, subject, body, job_message_id(config))
    return {"sent": 1, "items": len(items)}
