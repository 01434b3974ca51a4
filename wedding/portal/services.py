"""The portal's rules: magic links, what a client may see and do."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from wedding.accounts.services import (
    company_name,
    locked_until,
    normalise_email,
    record_failure,
)
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.erasure import ClientScope, eraser, rowcount
from wedding.jobs import Job, enqueue, task
from wedding.mail import job_message_id, mail_configured, send_mail
from wedding.models import db, utcnow
from wedding.portal.models import PortalLink
from wedding.urls import public_url
from wedding.vows.models import VowComment, VowVersion
from wedding.vows.services import approve_vow

LINK_DAYS = 30
MAX_COMMENT = 2000


class PortalError(Exception):
    """Something a client asked for that cannot be done; the code names why."""


def create_link(client: Client, user_id: int | None, sent_to: str = "") -> PortalLink:
    days = int(current_app.config.get("PORTAL_LINK_DAYS", LINK_DAYS))
    link = PortalLink(
        org_id=client.org_id,
        client_id=client.id,
        expires_at=utcnow() + timedelta(days=days),
        created_by_id=user_id,
        sent_to=sent_to,
    )
    db.session.add(link)
    db.session.flush()
    return link


def link_url(link: PortalLink) -> str:
    token = link.public_token(current_app.config["SECRET_KEY"])
    return public_url("portal.enter", token=token)


def link_from_token(token: str, now: datetime) -> PortalLink | None:
    """The link a token opens, if it is genuine, not revoked and not expired."""
    link = PortalLink.from_public_token(token, current_app.config["SECRET_KEY"])
    return link if link is not None and link.usable(now) else None


def revoke_links(client: Client) -> int:
    """Every portal link of the client stops working at once."""
    links = db.session.scalars(
        db.select(PortalLink).filter_by(client_id=client.id, revoked_at=None)
    ).all()
    for link in links:
        link.revoke()
    return len(links)


def active_links(client_id: int, now: datetime) -> list[PortalLink]:
    return [
        link
        for link in db.session.scalars(
            db.select(PortalLink)
            .filter_by(client_id=client_id, revoked_at=None)
            .order_by(PortalLink.id.desc())
        )
        if link.usable(now)
    ]


def send_link(client: Client, user_id: int | None) -> PortalLink:
    """A new link, queued to be e-mailed to the client in their language (the mail leaves from
    a background job); PortalError if it cannot be."""
    if not client.email:
        raise PortalError("no_email")
    if not mail_configured(current_app.config):
        raise PortalError("no_mail_server")
    link = create_link(client, user_id, sent_to=client.email)
    enqueue(mail_portal_link, link.id, org_id=client.org_id, key=mail_key(link.id))
    return link


def mail_key(link_id: int) -> str:
    return f"portal-link-mail:{link_id}"


def link_mail(client: Client, link: PortalLink) -> tuple[str, str]:
    """The subject and body of the e-mail that carries a portal link."""
    url = link_url(link)
    with force_locale(client.language):
        subject = _("Your ceremony page")
        body = _(
            "Dear %(name)s,\n\nYour private ceremony page is ready: the date, the order of the "
            "ceremony, your vows, your documents and your companion's AR presentation.\n\n"
            "%(url)s\n\nThe link is personal and works until %(until)s. Please do not share it."
            "\n\n%(company)s",
            name=client.display_name,
            url=url,
            until=link.expires_at.date().isoformat(),
            company=company_name(client.org_id),
        )
    return subject, body


@task(retries=4, backoff=30)
def mail_portal_link(link_id: int) -> dict:
    """Background job: e-mail one portal link (nothing if it was revoked meanwhile)."""
    link = db.session.get(PortalLink, link_id)
    if link is None or not link.usable(utcnow()) or not link.sent_to:
        return {"sent": False}
    client = db.session.get(Client, link.client_id)
    to = link.sent_to
    subject, body = link_mail(client, link)
    db.session.rollback()  # no transaction stays open while the mail server answers
    message_id = send_mail(
        current_app.config, to, subject, body, job_message_id(current_app.config)
    )
    return {"sent": True, "message_id": message_id}


def last_mail(client_id: int) -> Job | None:
    """The job that e-mails the client's newest e-mailed link, to show how it went."""
    link_id = db.session.scalar(
        db.select(PortalLink.id)
        .where(PortalLink.client_id == client_id, PortalLink.sent_to != "")
        .order_by(PortalLink.id.desc())
        .limit(1)
    )
    if link_id is None:
        return None
    return db.session.scalar(db.select(Job).filter_by(key=mail_key(link_id)))


def request_links(email: str, address: str | None, now: datetime) -> None:
    """A client asks for a new link by e-mail address. The request does the same work whether
    or not the address is known (count the attempt, look the address up, queue one job): the
    answer takes the same time and says the same. Requests are limited per address and per
    network address (in the database, so every app process counts them). The job carries the
    ids of the clients found, never the address: nothing typed by a stranger sits in the queue
    or in the job's record until it is purged."""
    email = normalise_email(email)
    keys = {"account": f"portal:{email[:254]}", "address": f"portal-address:{address}"}
    if locked_until(keys, now):
        return
    record_failure(keys, now)  # every request counts towards the limit
    enqueue(send_requested_links, clients_with_email(email[:254]))


def clients_with_email(email: str) -> list[int]:
    """The ids of the active clients, of any company, with this (normalised) address."""
    return list(
        db.session.scalars(
            db.select(Client.id)
            .where(db.func.lower(Client.email) == email, Client.archived_at.is_(None))
            .order_by(Client.id)
        )
    )


@task(retries=2)
def send_requested_links(client_ids: list[int]) -> int:
    """Background job: a new link for each of these clients (still active), each e-mailed by
    its own job (committed together, so a retry never makes a second set of links)."""
    if not mail_configured(current_app.config):
        return 0
    if isinstance(client_ids, str):  # a job queued before ids replaced the address
        client_ids = clients_with_email(normalise_email(client_ids))
    clients = db.session.scalars(
        db.select(Client).where(Client.id.in_(client_ids), Client.archived_at.is_(None))
    ).all()
    for client in clients:
        send_link(client, None)
    return len(clients)


def client_ceremonies(client_id: int) -> list[Ceremony]:
    return list(
        db.session.scalars(
            db.select(Ceremony)
            .where(
                Ceremony.client_id == client_id,
                Ceremony.archived_at.is_(None),
                Ceremony.status.in_(("hold", "confirmed", "completed", "waitlisted")),
            )
            .order_by(Ceremony.starts_at)
        )
    )


def client_version(client_id: int, version_id: int) -> VowVersion | None:
    """A vow version of one of this client's ceremonies that the planner shared, or None."""
    version = db.session.get(VowVersion, version_id)
    if version is None:
        return None
    if version.shared_at is None and version.approved_at is None:
        return None  # a draft the planner has not shared
    ceremony = db.session.get(Ceremony, version.ceremony_id)
    return version if ceremony is not None and ceremony.client_id == client_id else None


def approve_by_client(version: VowVersion) -> None:
    approve_vow(version, "client")


def comment(version: VowVersion, author: str, text: str) -> VowComment:
    text = (text or "").strip()
    if not text:
        raise PortalError("empty_comment")
    if len(text) > MAX_COMMENT:
        raise PortalError("long_comment")
    note = VowComment(
        org_id=version.org_id,
        ceremony_id=version.ceremony_id,
        version_id=version.id,
        author=author,
        text=text,
    )
    db.session.add(note)
    db.session.flush()
    return note


@eraser(order=10)
def erase_portal_links(scope: ClientScope) -> dict[str, int]:
    """Erasure: every portal link of the client (their sessions end with them)."""
    return {
        "portal_links": rowcount(
            db.delete(PortalLink).where(PortalLink.client_id == scope.client_id)
        )
    }
