"""Accounts: creating companies and staff, checking passwords."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from werkzeug.security import check_password_hash, generate_password_hash

from wedding.accounts.models import (
    ROLES,
    ApiToken,
    LoginThrottle,
    Organisation,
    User,
    password_hash_method,
)
from wedding.models import db, utcnow


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
            _l("Unknown role %(role)s: choose one of %(roles)s.", role=role, roles=", ".join(ROLES))
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


def user_for_token(secret: str) -> User | None:
    """The active user a live token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = _digest(secret)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if not hmac.compare_digest(token.token_hash, digest):  # pragma: no cover - belt and braces
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now  # minute precision is enough; spare a write per request
    return token.user


def revoke_api_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise AccountError(_l("No token with id %(id)s.", id=token_id))
    token.revoked_at = token.revoked_at or utcnow()
    return token


# Sign-in throttling: (failures allowed in the window, for the account / for the address)
THROTTLE_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
LIMITS = {"account": 5, "address": 20}


def throttle_keys(email: str, address: str | None) -> dict[str, str]:
    # The account key is used whether or not the account exists: the same answer either way.
    return {"account": f"account:{normalise_email(email)[:254]}", "address": f"address:{address}"}


def locked_until(keys: dict[str, str], now: datetime) -> datetime | None:
    """When sign-in opens again for these keys, if it is locked now."""
    rows = db.session.scalars(db.select(LoginThrottle).where(LoginThrottle.key.in_(keys.values())))
    ends = [row.locked_until for row in rows if row.locked_until and row.locked_until > now]
    return max(ends) if ends else None


def record_failure(keys: dict[str, str], now: datetime) -> None:
    for kind, key in keys.items():
        row = db.session.scalar(db.select(LoginThrottle).where(LoginThrottle.key == key))
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            db.session.add(row)
        if now - row.window_started_at > THROTTLE_WINDOW:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= LIMITS[kind]:
            row.locked_until = now + LOCK_FOR
            row.failures, row.window_started_at = 0, now
    db.session.flush()


def clear_failures(keys: dict[str, str]) -> None:
    db.session.execute(db.delete(LoginThrottle).where(LoginThrottle.key == keys["account"]))
