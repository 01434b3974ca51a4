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
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from wedding.accounts.services import company_name, is_active_member
from wedding.calendars.ics import CalendarData, build_calendar
from wedding.calendars.models import CalDAVAccount, CalDAVState
from wedding.calendars.services import GONE, IN_FEEDS, KEEP_CANCELLED, ceremony_event
from wedding.ceremonies.models import Ceremony
from wedding.models import db, utcnow
from wedding.outbound import allowed_hosts, check_url, guarded_session
from wedding.presentation.services import viewer_urls
from wedding.tokens import secret_keys

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=3))
TIMEOUT_SECONDS = 15


def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(b"caldav-password:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _fernets() -> MultiFernet:
    """Encrypt under the current secret key; decrypt under it or an earlier one
    (SECRET_KEY_FALLBACKS), so stored passwords survive a key change."""
    return MultiFernet([_fernet(key) for key in secret_keys(current_app.config["SECRET_KEY"])])


def encrypt(secret: str) -> str:
    return _fernets().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernets().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "the stored password cannot be read (was the secret key changed without keeping "
            "the old one in SECRET_KEY_FALLBACKS?)"
        ) from None


def rotate(token: str) -> str:
    """The same password encrypted under the current key (unchanged if it already is)."""
    try:
        return _fernets().rotate(token.encode()).decode()
    except InvalidToken:
        return token


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


def _open(url: str, username: str, password: str):
    allowed = _allowed()
    check_url(url, allowed)
    client = caldav.DAVClient(
        url=url,
        username=username,
        password=password,
        timeout=TIMEOUT_SECONDS,
        enable_rfc6764=False,  # no discovery: only the address the staff member gave
    )
    client.session.close()
    client.session = guarded_session(allowed)  # every connection and redirect checked
    return client.calendar(url=url)


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


@dataclass
class PushPlan:
    """What one push will send, as plain data: made inside a transaction, sent outside one."""

    account_id: int
    url: str
    username: str
    password: str
    domain: str
    puts: list[tuple[int, str, int, str]]  # ceremony id, iCalendar body, sequence, status
    deletes: list[int]  # ceremony ids


@dataclass
class PushOutcome:
    """What the server said: no database in here."""

    pushed: list[tuple[int, int, str]] = field(default_factory=list)  # id, sequence, status
    removed: list[int] = field(default_factory=list)
    failed: dict[int, Exception] = field(default_factory=dict)
    unreachable: Exception | None = None


def plan_push(account: CalDAVAccount, now: datetime) -> PushPlan | None:
    """The events due on the server (new, changed, failed and ready to retry, gone); None
    when nothing is due, or when the staff member is deactivated: the company's ceremonies
    stop reaching their calendar with their sign-ins. Reads only."""
    if not is_active_member(account.user_id, account.org_id):
        return None
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
    due = [c for c in due if c.id not in states or _ready(states[c.id], now)]
    gone = [cid for cid, s in states.items() if cid not in ceremonies and _ready(s, now)]
    if not due and not gone:
        return None
    domain = current_app.config["CALENDAR_UID_DOMAIN"]
    company = company_name(account.org_id)
    ar_urls = viewer_urls(account.org_id, [ceremony.id for ceremony in due])
    puts = []
    for ceremony in due:
        event = ceremony_event(ceremony, domain, company, ar_url=ar_urls.get(ceremony.id, ""))
        body = build_calendar(CalendarData(name=company, events=[event]), now).decode()
        puts.append((ceremony.id, body, ceremony.sequence, ceremony.status))
    return PushPlan(
        account.id,
        account.url,
        account.username,
        decrypt(account.password_encrypted),
        domain,
        puts,
        gone,
    )


def send_push(plan: PushPlan, opener: Callable = _open) -> PushOutcome:
    """Put and delete the planned events on the server. Remote calls only: run it outside any
    database transaction. A PUT of the same UID replaces the event, so sending again after a
    crash does no harm."""
    outcome = PushOutcome()
    try:
        calendar = opener(plan.url, plan.username, plan.password)
    except Exception as error:
        outcome.unreachable = error
        return outcome
    for ceremony_id, body, sequence, status in plan.puts:
        try:
            calendar.save_event(body)
        except Exception as error:
            outcome.failed[ceremony_id] = error
            continue
        outcome.pushed.append((ceremony_id, sequence, status))
    for ceremony_id in plan.deletes:
        try:
            calendar.event_by_uid(f"ceremony-{ceremony_id}@{plan.domain}").delete()
        except caldav.error.NotFoundError:
            pass
        except Exception as error:
            outcome.failed[ceremony_id] = error
            continue
        outcome.removed.append(ceremony_id)
    return outcome


def record_push(
    account: CalDAVAccount, plan: PushPlan, outcome: PushOutcome, now: datetime
) -> PushReport:
    """Write down what the server accepted and what failed (with its next retry time)."""
    report = PushReport()
    states = {
        s.ceremony_id: s
        for s in db.session.scalars(db.select(CalDAVState).filter_by(account_id=account.id))
    }
    if outcome.unreachable is not None:
        error = outcome.unreachable
        account.last_error = f"{type(error).__name__}: {error}"[:500]
        for ceremony_id, *_ in plan.puts:
            state = states.get(ceremony_id) or _new_state(account, ceremony_id, states)
            report.failed[ceremony_id] = _fail(state, error, now)
        db.session.flush()
        return report
    for ceremony_id, sequence, status in outcome.pushed:
        state = states.get(ceremony_id) or _new_state(account, ceremony_id, states)
        state.pushed_sequence, state.pushed_status = sequence, status
        state.error, state.attempts, state.next_attempt_at = None, 0, None
        report.pushed.append(ceremony_id)
    for ceremony_id, error in outcome.failed.items():
        state = states.get(ceremony_id) or _new_state(account, ceremony_id, states)
        report.failed[ceremony_id] = _fail(state, error, now)
    for ceremony_id in outcome.removed:
        if ceremony_id in states:
            db.session.delete(states[ceremony_id])
        report.removed.append(ceremony_id)
    account.last_synced_at = now
    account.last_error = None if not report.failed else next(iter(report.failed.values()))
    account.password_encrypted = rotate(account.password_encrypted)  # after a key change
    db.session.flush()
    return report


def push(
    account: CalDAVAccount, now: datetime | None = None, opener: Callable = _open
) -> PushReport:
    """Plan, send and record in one go, for callers outside a transaction (tests, the CLI's
    single account); the background job (calendars/tasks.py) ends its transaction between
    planning and sending."""
    now = now or utcnow()
    plan = plan_push(account, now)
    if plan is None:
        return PushReport()
    return record_push(account, plan, send_push(plan, opener), now)


def _ready(state: CalDAVState, now: datetime) -> bool:
    return state.next_attempt_at is None or state.next_attempt_at <= now


def _new_state(account: CalDAVAccount, ceremony_id: int, states: dict) -> CalDAVState:
    state = CalDAVState(account_id=account.id, ceremony_id=ceremony_id, attempts=0)
    db.session.add(state)
    states[ceremony_id] = state
    return state
