"""Responses cached by what they depend on (core: below every capability).

Every company has a data version (``organisations.data_version``). Any change to the company's
data sets it to a new random number *in the same transaction* (session hooks below), so a
reader that sees the version sees the data it stands for. A cached response is keyed by the
company, its version, the user, the browser's session (whose CSRF token is in the page), the
language, the URL and the minute: a change to the company's data, another person, another
language or the passing of a minute is another key. A key is never served stale, nor to
anyone else; entries live a minute at most (their minute is over: nobody asks again).
Time-based changes fall on whole minutes (slots start on them; holds lapse on them).

What marks a company changed:
- an ORM row written with its ``org_id`` (or the company row itself); a row whose ``org_id``
  is empty (a webhook call naming no invoice of ours, a job of no company) marks none;
- a row of a table without ``org_id``, or a bulk UPDATE/DELETE/INSERT, in a request or job
  acting for a company (a signed-in planner, a portal client, a job of that company): that
  company; with nobody acting (the command line): every company;
- rows no cached page shows (sign-in sessions, audit events, tokens' last use): none.

Why by hand: caching libraries (Flask-Caching, cachetools) key by URL and expire by time; none
keys a response by a version of the data that changes in the same transaction as the data.
The store itself is cachetools' TTLCache.
"""

import secrets
import threading
from collections.abc import Callable
from functools import wraps

from cachetools import TTLCache
from flask import current_app, g, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import BigInteger, Integer, TextClause, column, event, table, update
from sqlalchemy.orm import Session, object_mapper

from wedding.models import db, utcnow

# Rows no cached response shows: writing them marks no company changed.
NOT_SHOWN = frozenset(("audit_events", "user_sessions", "login_throttles", "api_tokens"))
# Rows of the job engine count for the company the job runs for (jobs of none: nobody's page).
JOB_TABLE = "jobs"
EVERYONE = "*"  # in the set of changed companies: every company

_organisations = table("organisations", column("id", Integer), column("data_version", BigInteger))
_CHANGED = "freshness.changed"  # session.info: companies changed in this transaction
_BUMPED = "freshness.bumped"  # session.info: this transaction's versions are written


def acting_for(org_id: int | None) -> None:
    """Say which company the running job works for: its rows without an ``org_id`` count
    for that company (a request knows it from the signed-in user or portal client)."""
    g.acting_org = org_id


def _acting_org() -> int | None:
    if not has_app_context():
        return None
    org_id = g.get("acting_org")
    if org_id is not None:
        return org_id
    # Flask-Login keeps the user it loaded here; asking current_user inside a flush could
    # run the loader's query in the middle of it.
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user.org_id
    caller = g.get("api_caller")  # an API token's user, not loaded as an object
    if caller is not None:
        return caller.org_id
    client = g.get("client")  # the portal's signed-in client
    return getattr(client, "org_id", None)


def _note(session: Session, org_id: int | str | None) -> None:
    changed = session.info.setdefault(_CHANGED, set())
    changed.add(EVERYONE if org_id is None else org_id)
    if session.info.get(_BUMPED):  # written after the bump (by a later before_commit hook)
        _bump(session)


def _note_row(session: Session, obj) -> None:
    """The company of a written row: its ``org_id`` (none: no company's page shows it, like a
    webhook call naming no invoice of ours); a row of a table without one counts for the
    company acting, or for every company when nobody is."""
    table = object_mapper(obj).local_table
    if table.name in NOT_SHOWN:
        return
    if table.name == "organisations":
        if obj not in session.new:  # a new company has no page cached yet
            _note(session, obj.id)
    elif "org_id" in table.c:
        org_id = obj.org_id
        if org_id is not None:
            _note(session, org_id)
    else:
        _note(session, _acting_org())


@event.listens_for(Session, "before_flush")
def _note_deleted_rows(session: Session, flush_context, instances) -> None:
    for obj in list(session.deleted):  # read while the row is still there
        _note_row(session, obj)


@event.listens_for(Session, "after_flush")
def _note_written_rows(session: Session, flush_context) -> None:
    """After the flush: foreign keys set through relationships are filled in, and rows other
    hooks added during the flush are among the new ones."""
    dirty = session.dirty  # a new set each time it is asked for
    for obj in (*session.new, *(obj for obj in dirty if session.is_modified(obj))):
        _note_row(session, obj)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state) -> None:
    statement = state.statement
    if isinstance(statement, TextClause):
        first = statement.text.lstrip().split(None, 1)[:1]
        if first and first[0].lower() in ("select", "with", "pragma", "show", "set"):
            return
    elif not (state.is_update or state.is_delete or state.is_insert):
        return
    name = getattr(getattr(statement, "table", None), "name", None)
    if name in NOT_SHOWN:
        return
    org_id = _acting_org()
    if org_id is None and name == JOB_TABLE:
        return
    _note(state.session, org_id)


def _bump(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed:
        new_versions(session.connection(), None if EVERYONE in changed else changed)


@event.listens_for(Session, "before_commit")
def _bump_versions(session: Session) -> None:
    """Give each changed company a new version in the transaction that changed it, at its end
    (the company's row is locked only while the transaction commits). What other hooks write
    after this is versioned as it is written (see _note)."""
    if session.in_nested_transaction():
        return  # a savepoint: the transaction around it bumps
    session.flush()  # the last flush's rows are noted before it runs
    _bump(session)
    session.info[_BUMPED] = True


def new_versions(connection, org_ids=None) -> None:
    """Give these companies (None: every company) a new data version, on ``connection``'s
    transaction: for writers outside the session too (a restored backup)."""
    stmt = update(_organisations).values(data_version=secrets.randbits(62))
    ids = _organisations.c.id
    if org_ids is None or len(org_ids) > 1:
        # Rows locked in id order first: PostgreSQL updates rows in the order it scans them,
        # so two transactions bumping several companies could otherwise deadlock. (NO KEY:
        # rows pointing at a company may still be inserted meanwhile. SQLite has one writer.)
        lock = db.select(ids).order_by(ids).with_for_update(key_share=True)
        connection.execute(lock if org_ids is None else lock.where(ids.in_(org_ids)))
    connection.execute(stmt if org_ids is None else stmt.where(ids.in_(sorted(org_ids))))


@event.listens_for(Session, "after_transaction_end")
def _forget_changes(session: Session, transaction) -> None:
    """A transaction that ends without committing changed nothing. Only the outermost one: a
    savepoint rolled back leaves what the transaction around it changed."""
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
        session.info.pop(_BUMPED, None)


# --- the cache -----------------------------------------------------------------------------

CACHE_BYTES = 32 * 1024 * 1024  # per worker process


def _store():
    """This app's store of responses (each worker process has its own)."""
    store = current_app.extensions.get("freshness")
    if store is None:
        store = current_app.extensions["freshness"] = (
            # Keys hold the minute: an entry older than that is never asked for again, and
            # goes (with whatever personal data it shows) instead of waiting to be pushed out.
            TTLCache(maxsize=CACHE_BYTES, ttl=60, getsizeof=lambda entry: len(entry[1]) + 512),
            threading.Lock(),  # the development server answers in threads
        )
    return store


def _url(environ: dict) -> tuple:
    """The request's URL as it came (scheme, host, path, query): what ``request.url`` is made
    from, without the decoding and quoting that make it cost more than the rest of the key."""
    return tuple(environ.get(name) for name in _URL_PARTS)


_URL_PARTS = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
)


def _key() -> tuple | None:
    """What the response to this request depends on, or None when it must not be cached."""
    caller = g.get("api_caller")  # an API token's: read with its company's version
    if caller is not None:
        org_id, version, user_id = caller.org_id, caller.data_version, caller.user_id
    elif current_user.is_authenticated and "_flashes" not in session:
        org = current_user.org  # loaded with the user in the same statement
        org_id, version, user_id = org.id, org.data_version, current_user.id
    else:
        return None
    return (
        org_id,
        version,
        user_id,
        session.get("csrf_token"),  # the page's forms carry this browser's token
        str(get_locale()),
        _url(request.environ),
        int(utcnow().timestamp() // 60),
    )


def cached_response(view: Callable) -> Callable:
    """Serve this GET view's 200 responses again while nothing they depend on changed (see
    the module's docstring). Only for views whose output depends on the company's data, the
    user, the language, the URL and the time; not for views that record their viewing."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method != "GET" or not current_app.config.get("RESPONSE_CACHE", True):
            return view(*args, **kwargs)
        key = _key()
        if key is None:
            return view(*args, **kwargs)
        store, lock = _store()
        with lock:
            entry = store.get(key)
        if entry is not None:
            status, body, headers = entry
            return current_app.response_class(body, status=status, headers=headers)
        response = current_app.make_response(view(*args, **kwargs))
        if (
            response.status_code == 200
            and not response.is_streamed
            and not session.modified
            and not g.get("audit_rows")
            and "Set-Cookie" not in response.headers
        ):
            headers = [(k, v) for k, v in response.headers if k != "Content-Length"]
            with lock:
                store[key] = (response.status_code, response.get_data(), headers)
        return response

    wrapped.cached_response = True
    return wrapped
