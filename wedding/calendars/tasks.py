"""CalDAV pushes as background jobs: after every change a calendar shows, and every few
minutes for retries. No remote call happens inside a database transaction."""

from flask import has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from wedding.accounts.models import User
from wedding.calendars import caldav_sync
from wedding.calendars.models import CalDAVAccount
from wedding.ceremonies.models import CALENDAR_FIELDS, Ceremony
from wedding.jobs import enqueue, periodic, task
from wedding.models import db, utcnow

_QUEUED = "wedding.calendars.push_queued"


@task(retries=2)
def push_calendar(account_id: int) -> dict:
    """Background job: bring one staff member's CalDAV calendar in line with the database."""
    account = db.session.get(CalDAVAccount, account_id)
    if account is None:
        return {}
    now = utcnow()
    plan = caldav_sync.plan_push(account, now)
    db.session.rollback()  # the plan is plain data: no transaction while the server answers
    if plan is None:
        return {"pushed": 0, "removed": 0, "failed": 0}
    outcome = caldav_sync.send_push(plan)
    account = db.session.get(CalDAVAccount, account_id)
    if account is None:  # disconnected meanwhile
        return {}
    report = caldav_sync.record_push(account, plan, outcome, now)
    return {
        "pushed": len(report.pushed),
        "removed": len(report.removed),
        "failed": len(report.failed),
    }


@periodic(minutes=5)
def push_calendars() -> int:
    """Queue a push for every connected calendar: failed pushes whose retry time has come, and
    anything a change-triggered push missed. A push with nothing due costs one query. A
    deactivated staff member's calendar gets none (``plan_push`` refuses it too)."""
    accounts = db.session.execute(
        db.select(CalDAVAccount.id, CalDAVAccount.org_id)
        .join(User, User.id == CalDAVAccount.user_id)
        .where(User.active.is_(True))
    ).all()
    for account_id, org_id in accounts:
        enqueue(push_calendar, account_id, org_id=org_id)
    return len(accounts)


@event.listens_for(Session, "before_flush")
def _push_after_changes(session, flush_context, instances) -> None:
    """A ceremony added, changed in what calendars show, or deleted: queue a push for the
    calendars of its planner (before and after the change), in the same transaction."""
    if not has_app_context():
        return
    planners: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, Ceremony):
            continue
        state = inspect(obj)
        if obj in session.dirty and not any(
            state.attrs[name].history.has_changes() for name in CALENDAR_FIELDS
        ):
            continue
        planners.update(p for p in state.attrs.planner_id.history.sum() if p is not None)
        if obj.planner_id is not None:
            planners.add(obj.planner_id)
    queued = session.info.setdefault(_QUEUED, set())
    planners -= queued
    if not planners:
        return
    with session.no_autoflush:
        accounts = session.execute(
            db.select(CalDAVAccount.id, CalDAVAccount.org_id, CalDAVAccount.user_id).where(
                CalDAVAccount.user_id.in_(planners)
            )
        ).all()
    for account_id, org_id, user_id in accounts:
        queued.add(user_id)
        enqueue(push_calendar, account_id, org_id=org_id, session=session)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_queued(session) -> None:
    session.info.pop(_QUEUED, None)
