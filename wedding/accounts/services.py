"""Accounts: creating companies and staff, checking passwords."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import g, has_request_context
from sqlalchemy import bindparam, case, func, literal
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import check_password_hash, generate_password_hash

from wedding.accounts.models import (
    EDIT_ROLES,
    ROLES,
    ApiToken,
    LoginThrottle,
    Organisation,
    User,
    UserSession,
    password_hash_method,
)
from wedding.i18n import join_words
from wedding.i18n import lazy_gettext as _l
from wedding.models import UTCDateTime, db, utcnow, write_after_response


class AccountError(Exception):
    """A rule about accounts was broken; the message is safe to show."""


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("no account has this password", method)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_or_create_org(name: str) -> Organisation:
    """The company with this name, created when it does not exist yet."""
    name = name.strip()
    if not name:
        raise AccountError(_l("A company name is required."))
    org = db.session.scalar(db.select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name)
        db.session.add(org)
        db.session.flush()
    return org


def company_name(org_id: int) -> str:
    return db.session.get(Organisation, org_id).name


def is_active_member(user_id: int, org_id: int) -> bool:
    """Whether this person works, active, for this company (what their own feeds and
    calendar pushes depend on, as their sign-ins do)."""
    return bool(
        db.session.scalar(db.select(User.active).where(User.id == user_id, User.org_id == org_id))
    )


def find_user(email: str) -> User | None:
    return db.session.scalar(
        db.select(User).where(func.lower(User.email) == normalise_email(email))
    )


def create_user(
    org: Organisation, email: str, password: str, role: str = "planner", name: str = ""
) -> User:
    """Add a staff member to a company; the e-mail must be new."""
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(
            _l(
                "Unknown role %(role)s: choose one of %(roles)s.",
                role=role,
                roles=join_words(ROLES),
            )
        )
    if len(password) < 10:
        raise AccountError(_l("The password must have at least 10 characters."))
    if find_user(email) is not None:
        raise AccountError(_l("%(email)s already has an account.", email=email))
    user = User(org=org, email=email, role=role, name=name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; timing does not reveal which part failed."""
    user = find_user(email)
    if user is None:
        # Spend as long as a wrong password would, so timing does not reveal unknown e-mails.
        check_password_hash(_dummy_hash(password_hash_method()), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
TOKEN_PREFIX = "wpt_"  # noqa: S105 - a marker, not a secret


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for a user; the secret (256 random bits) is returned once, never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_digest(secret))
    db.session.add(token)
    db.session.flush()
    return token, secret


@dataclass(frozen=True)
class TokenCaller:
    """Who a live API token speaks for: enough to refuse, to authorise and to key a cached
    response, read in one Core query. The user as an object (an ORM load, which costs more
    than the query) is made only when a view asks for ``current_user``
    (wedding.extensions.load_user_from_token): a response served from the cache, or a view
    that needs only the company, makes none."""

    token_id: int
    user_id: int
    org_id: int
    data_version: int
    role: str
    language: str | None

    @property
    def can_edit(self) -> bool:
        return self.role in EDIT_ROLES


# Built once: a live token (not revoked) of an active user, with the user's company version.
_CALLER = (
    db.select(
        ApiToken.id,
        ApiToken.token_hash,
        ApiToken.last_used_at,
        User.id,
        User.org_id,
        User.role,
        User.language,
        Organisation.data_version,
    )
    .join(User, User.id == ApiToken.user_id)
    .join(Organisation, Organisation.id == User.org_id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        User.active.is_(True),
    )
)


def token_caller(secret: str) -> TokenCaller | None:
    """Who a live token speaks for, or None (unknown, revoked, or its user deactivated), in one
    plain Core query: no ORM object, which would cost more than the query. Most API views need
    only the company (wedding.accounts.access.acting_org_id); a view that asks for
    ``current_user`` loads the user then (wedding.extensions.load_user_from_token)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = _digest(secret)
    row = db.session.connection().execute(_CALLER, {"token_hash": digest}).one_or_none()
    if row is None:
        return None
    token_id, token_hash, last_used_at, user_id, org_id, role, language, version = row
    if not hmac.compare_digest(token_hash, digest):  # pragma: no cover - belt and braces
        return None
    now = utcnow()
    if (
        last_used_at is None or now - last_used_at > TOKEN_TOUCH_INTERVAL
    ) and has_request_context():
        g.token_used = token_id  # recorded after the response (see record_token_use)
    return TokenCaller(token_id, user_id, org_id, version, role, language)


def record_token_use(response):
    """after_request: note a token's last use (minute precision) once the response has been
    sent, in a short transaction of its own. Inside the request the UPDATE would hold the
    token's row lock until the request ends, so that every concurrent request on the same token
    (an integration's whole traffic) waited in line; and reads would take SQLite's write lock."""
    token_id = g.pop("token_used", None)
    if token_id is not None and response.status_code < 400:
        now = utcnow()
        write_after_response(
            response,
            db.update(ApiToken)
            .where(
                ApiToken.id == token_id,
                (ApiToken.last_used_at.is_(None))
                | (ApiToken.last_used_at < now - TOKEN_TOUCH_INTERVAL),
            )
            .values(last_used_at=now),
        )
    return response


def revoke_api_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise AccountError(_l("No token with id %(id)s.", id=token_id))
    token.revoked_at = token.revoked_at or utcnow()
    return token


# Sessions: one row per signed-in browser, checked on every request.
SESSION_KEY = "sid"  # where the signed cookie keeps its session row's secret


def start_session(user: User, now: datetime, max_age: timedelta) -> str:
    """A new session for a browser that just signed in; the secret goes into its cookie. The
    person's ended and expired sessions are forgotten on the way."""
    db.session.execute(
        db.delete(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_not(None) | (UserSession.created_at <= now - max_age),
        )
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, secret_hash=_digest(secret), created_at=now))
    db.session.flush()
    return secret


# One round trip on every page: the user (with their company), only if this browser's session
# row is live. Built once: composing it anew cost more than running it.
_SESSION_USER = db.select(User).where(
    User.id == bindparam("user_id"),
    User.active,
    db.select(UserSession.id)
    .where(
        UserSession.secret_hash == bindparam("secret_hash"),
        UserSession.user_id == bindparam("user_id"),
        UserSession.revoked_at.is_(None),
        UserSession.created_at > bindparam("since", type_=UTCDateTime),
    )
    .exists(),
)


def session_user(user_id: int | None, secret, now: datetime, max_age: timedelta) -> User | None:
    """The active user of a live session (not ended, not older than ``max_age``), or None."""
    if user_id is None or not isinstance(secret, str) or not secret or len(secret) > 100:
        return None
    return db.session.scalar(
        _SESSION_USER,
        {"user_id": user_id, "secret_hash": _digest(secret), "since": now - max_age},
    )


def end_session(secret, now: datetime) -> None:
    """Sign one browser out: its cookie, even copied, opens nothing any more."""
    if isinstance(secret, str) and secret:
        db.session.execute(
            db.update(UserSession)
            .where(UserSession.secret_hash == _digest(secret), UserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def end_all_sessions(user: User, now: datetime) -> int:
    """Sign a person out everywhere (a new password, deactivation, or at their request)."""
    result = db.session.execute(
        db.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount


def change_password(user: User, current: str, new: str, now: datetime) -> None:
    """A new password after the current one is given; every session of the user ends."""
    if not user.check_password(current):
        raise AccountError(_l("The current password is not right."))
    if len(new) < 10:
        raise AccountError(_l("The password must have at least 10 characters."))
    user.set_password(new)
    end_all_sessions(user, now)


def set_active(user: User, active: bool, by: User, now: datetime) -> None:
    """Deactivate (or reactivate) a staff member; deactivation ends their sessions at once."""
    if user.id == by.id:
        raise AccountError(_l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        end_all_sessions(user, now)


# Sign-in throttling: (failures allowed in the window, for the account / for the address)
THROTTLE_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
LIMITS = {"account": 5, "address": 20}


def throttle_keys(email: str, address: str | None) -> dict[str, str]:
    """The account is counted per address: someone guessing from elsewhere cannot lock its
    owner out; every address also has its own, higher limit. The account key is used whether
    or not the account exists: the same answer either way."""
    address = (address or "unknown")[:64]
    return {
        "account": f"account:{normalise_email(email)[:200]}|{address}",
        "address": f"address:{address}",
    }


def locked_until(keys: dict[str, str], now: datetime) -> datetime | None:
    """When sign-in opens again for these keys, if it is locked now."""
    rows = db.session.scalars(db.select(LoginThrottle).where(LoginThrottle.key.in_(keys.values())))
    ends = [row.locked_until for row in rows if row.locked_until and row.locked_until > now]
    return max(ends) if ends else None


def record_failure(keys: dict[str, str], now: datetime) -> None:
    """Count a failed sign-in: one INSERT … ON CONFLICT DO UPDATE per key, so that parallel
    failures are all counted (no read-then-write) on SQLite and PostgreSQL alike."""
    table = LoginThrottle.__table__
    insert = (
        postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    )
    restart = table.c.window_started_at <= literal(now - THROTTLE_WINDOW, UTCDateTime)
    for kind, key in keys.items():
        limit = LIMITS[kind]
        failures = case((restart, 1), else_=table.c.failures + 1)
        statement = insert(table).values(
            key=key, failures=1, window_started_at=now, locked_until=None
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": failures,
                "window_started_at": case(
                    (restart, literal(now, UTCDateTime)), else_=table.c.window_started_at
                ),
                "locked_until": case(
                    (failures >= limit, literal(now + LOCK_FOR, UTCDateTime)),
                    else_=table.c.locked_until,
                ),
            },
        )
        db.session.execute(statement)


def clear_failures(keys: dict[str, str]) -> None:
    db.session.execute(db.delete(LoginThrottle).where(LoginThrottle.key == keys["account"]))


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    role: str
    active: bool

    @property
    def assignable(self) -> bool:
        """May be put in charge of a ceremony or a task (viewers and former staff may not)."""
        return self.active and self.role != "viewer"


def staff_of(org_id: int) -> list[StaffMember]:
    """The company's staff, by name: one small query per request, shared by every picker and
    name lookup on a page (kept in ``g`` for this request and this company only)."""
    cached = g.setdefault("staff_of", {}) if has_request_context() else {}
    if org_id not in cached:
        rows = db.session.execute(
            db.select(User.id, User.name, User.email, User.role, User.active)
            .where(User.org_id == org_id)
            .order_by(User.name, User.email)
        )
        cached[org_id] = [
            StaffMember(user_id, name or email, role, active)
            for user_id, name, email, role, active in rows
        ]
    return cached[org_id]
