"""Sending e-mail over SMTP (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS, MAIL_USERNAME,
MAIL_PASSWORD, MAIL_FROM). Called from background jobs only, never from a request.

A job that is run again after a crash sends the same Message-ID (derived from the job's id),
so a receiving system can tell a repeat from a new message; the job's row records what was
accepted, so a retry after success sends nothing."""

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from wedding.jobs import current_job_id


class MailError(Exception):
    """The message could not be handed to the mail server."""


def mail_configured(config) -> bool:
    return bool(config.get("MAIL_SERVER"))


def job_message_id(config) -> str:
    """The Message-ID of the mail the running job sends: the same on every attempt."""
    domain = config.get("CALENDAR_UID_DOMAIN") or "localhost"
    job = current_job_id()
    if job is None:
        return make_msgid(domain=domain)
    return f"<job-{job}@{domain}>"


def send_mail(
    config,
    to: str,
    subject: str,
    body: str,
    message_id: str | None = None,
    *,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> str:
    """Hand one plain-text message, with (file name, data, MIME type) attachments, to the mail
    server; returns its Message-ID."""
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM") or "noreply@localhost"
    message["To"] = to
    message["Subject"] = " ".join(subject.split())  # a line break in user text: one line
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or job_message_id(config)
    message.set_content(body)
    for filename, data, mimetype in attachments:
        maintype, _, subtype = mimetype.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=10
        ) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{type(error).__name__}: {error}") from error
    return message["Message-ID"]
