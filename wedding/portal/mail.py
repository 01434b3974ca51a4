"""Sending the portal link by e-mail over SMTP (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS,
MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM)."""

import smtplib
from email.message import EmailMessage


class MailError(Exception):
    """The message could not be handed to the mail server."""


def mail_configured(config) -> bool:
    return bool(config.get("MAIL_SERVER"))


def send_mail(config, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM") or "noreply@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
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
