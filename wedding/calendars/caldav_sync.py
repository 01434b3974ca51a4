"""Pushing a staff member's ceremonies to their own CalDAV calendar (Nextcloud, iCloud, Radicale).

Sync is by state, not by messages: each run compares what the database says with what was last
put on the server, so a failure is never lost; it is recorded, shown, and retried with backoff.
"""

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import caldav
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from wedding.accounts.services import company_name
from wedding.calendars.ics import CalendarData, build_calendar
from wedding.calendars.models import CalDAVAccount, CalDAVState
from wedding.calendars.services import GONE, IN_FEEDS, KEEP_CANCELLED, ceremony_event
from wedding.ceremonies.models import Ceremony
from wedding.models import db, utcnow
from wedding.outbound import allowed_hosts, check_url, guarded_session
from wedding.presentation.services import viewer_urls

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=3))
TIMEOUT_SECONDS = 15


def _fernet() -> Fernet:
    key = hashlib.sha256(b"caldav-password:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "the stored password cannot be read (was the secret key changed?)"
        ) from None


def _allowed() -> frozenset[str]:
    return allowed_hosts(current_app.config.get("CALDAV_ALLOWED_HOSTS"))


def connect(user, url: str, username: str, password: str) -> CalDAVAccount:
    """Remember (or replace) a staff member's calendar server; BlockedAddress for a local or
    private one (the DNS answer is judged again at every connection)."""
    check_url(url.strip(), _allowed())
    account = db.session.scalar(db.select(CalDAVAccount).filter_by(user_id=user.id))
    if account is None:
        account = CalDAVAccount(org_id=user.org_id, user_id=user.id)
        db.session.add(account)
    else:
        for state in db.session.scalars(db.select(CalDAVState).filter_by(account_id=account.id)):
            db.session.delete(state)  # a new calendar: push everything again
    account.url, account.username = url.strip(), username.strip()
    account.password_encrypted = encrypt(password)
    account.last_error = None
    db.session.flush()
    return account


def _open(account: CalDAVAccount):
    allowed = _allowed()
    check_url(account.url, allowed)
    client = caldav.DAVClient(
        url=account.url,
        username=account.username,
        password=decrypt(account.password_encrypted),
        timeout=TIMEOUT_SECONDS,
        enable_rfc6764=False,  # no discovery: only the address the staff member gave
    )
    client.session.close()
    client.session = guarded_session(allowed)  # every connection and redirect checked
    return client.calendar(url=account.url)


def wanted(account: CalDAVAccount, now: datetime) -> list[Ceremony]:
    """The staff member's ceremonies that belong on their calendar."""
    return list(
        db.session.scalars(
            db.select(Ceremony).where(
                Ceremony.org_id == account.org_id,
                Ceremony.planner_id == account.user_id,
                Ceremony.archived_at.is_(None),
                Ceremony.status.in_(IN_FEEDS)
                | (Ceremony.status.in_(GONE) & (Ceremony.updated_at >= now - KEEP_CANCELLED)),
            )
        ).unique()
    )


@dataclass
class PushReport:
    pushed: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def _fail(state: CalDAVState, error: Exception, now: datetime) -> str:
    message = f"{type(error).__name__}: {error}"[:500]
    state.error = message
    state.attempts += 1
    state.next_attempt_at = now + BACKOFF[min(state.attempts, len(BACKOFF)) - 1]
    return message


def push(
    account: CalDAVAccount, now: datetime | None = None, opener: Callable = _open
) -> PushReport:
    """Bring the server in line with the database; failures wait for their retry time."""
    now = now or utcnow()
    report = PushReport()
    states = {
        s.ceremony_id: s
        for s in db.session.scalars(db.select(CalDAVState).filter_by(account_id=account.id))
    }
    ceremonies = {c.id: c for c in wanted(account, now)}
    due = [
        c
        for c in ceremonies.values()
        if c.id not in states
        or states[c.id].pushed_sequence != c.sequence
        or states[c.id].pushed_status != c.status
        or states[c.id].error
    ]
    gone = [s for cid, s in states.items() if cid not in ceremonies]
    due = [c for c in due if c.id not in states or _ready(states[c.id], now)]
    gone = [s for s in gone if _ready(s, now)]
    if not due and not gone:
        return report
    try:
        calendar = opener(account)
    except Exception as error:
        account.last_error = f"{type(error).__name__}: {error}"[:500]
        for ceremony in due:
            state = states.get(ceremony.id) or _new_state(account, ceremony.id, states)
            report.failed[ceremony.id] = _fail(state, error, now)
        db.session.flush()
        return report
    domain = current_app.config["CALENDAR_UID_DOMAIN"]
    company = company_name(account.org_id)
    ar_urls = viewer_urls(account.org_id, [ceremony.id for ceremony in due])
    for ceremony in due:
        state = states.get(ceremony.id) or _new_state(account, ceremony.id, states)
        event = ceremony_event(ceremony, domain, company, ar_url=ar_urls.get(ceremony.id, ""))
        body = build_calendar(CalendarData(name=company, events=[event]), now).decode()
        try:
            calendar.save_event(body)
        except Exception as error:
            report.failed[ceremony.id] = _fail(state, error, now)
            continue
        state.pushed_sequence, state.pushed_status = ceremony.sequence, ceremony.status
        state.error, state.attempts, state.next_attempt_at = None, 0, None
        report.pushed.append(ceremony.id)
    for state in gone:
        try:
            calendar.event_by_uid(f"ceremony-{state.ceremony_id}@{domain}").delete()
        except caldav.error.NotFoundError:
            pass
        except Exception as error:
            report.failed[state.ceremony_id] = _fail(state, error, now)
            continue
        db.session.delete(state)
        report.removed.append(state.ceremony_id)
    account.last_synced_at = now
    account.last_error = None if not report.failed else next(iter(report.failed.values()))
    db.session.flush()
    return report


def _ready(state: CalDAVState, now: datetime) -> bool:
    return state.next_attempt_at is None or state.next_attempt_at <= now


def _new_state(account: CalDAVAccount, ceremony_id: int, states: dict) -> CalDAVState:
    state = CalDAVState(account_id=account.id, ceremony_id=ceremony_id, attempts=0)
    db.session.add(state)
    states[ceremony_id] = state
    return state


def push_all(now: datetime | None = None) -> dict[int, PushReport]:
    return {
        account.id: push(account, now)
        for account in db.session.scalars(db.select(CalDAVAccount)).all()
    }
