"""What's waiting: everything a planner should act on, each with the page where it is handled.

Each kind leaves the list by itself when the work is done (a hold confirmed or released, a task
done or not needed, a push that succeeds, a new vow version after a client's comment, the
planner's own edit of the questionnaire, an overdue invoice paid or cancelled, a bank credit
settled); a client's comment, approval, questionnaire answers or signed agreement and a payment
received can also be marked handled (answers sent again after the mark come back). The
dashboard reads it all in a fixed number of queries (one per kind), whatever the number of
ceremonies and tasks."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, exists, or_
from sqlalchemy.orm import aliased, lazyload

from wedding.accounts.models import User
from wedding.billing.models import Acceptance, BankLine, Invoice, Payment, Quote
from wedding.booking.services import holds_to_remind
from wedding.calendars.models import CalDAVAccount
from wedding.ceremonies.models import Ceremony, named_only
from wedding.erasure import ClientScope, eraser, rowcount
from wedding.i18n import format_local_date, quoted_within
from wedding.models import db
from wedding.personas.models import Companion, CoupleStory
from wedding.tasks.models import Task
from wedding.tasks.services import OPEN_CEREMONY
from wedding.urls import public_url
from wedding.vows.models import VowComment, VowVersion
from wedding.waiting.models import MARKABLE, DigestSetting, HandledMark

TASKS_AHEAD = timedelta(days=2)  # tasks due within two days are waiting already
LIMIT = 15  # of each kind: a list of what's waiting, not an archive (My tasks has them all)


class WaitingError(ValueError):
    """Nothing of that kind and number waits in this company."""


@dataclass(frozen=True)
class Waiting:
    kind: str  # comment, approval, story, signed, hold, task, payment, credit, overdue, push
    ref_id: int
    what: str  # one line in the reader's language
    ceremony: Ceremony | None
    when: date
    url: str
    overdue: bool = False

    @property
    def markable(self) -> bool:
        return self.kind in MARKABLE


def _label(ceremony: Ceremony) -> str:
    who = ceremony.client.full_name if ceremony.client else _("No client yet")
    return who


def _not_marked(kind: str, column):
    return ~exists().where(
        HandledMark.kind == kind,
        HandledMark.ref_id == column,
        HandledMark.org_id == Ceremony.org_id,
    )


def _yen(amount: int) -> str:
    return f"¥{amount:,}"


def client_comments(org_id: int) -> list[tuple[VowComment, VowVersion, Ceremony]]:
    """Clients' comments on vow drafts with no newer version since and not marked handled."""
    newer = aliased(VowVersion)
    return list(
        db.session.execute(
            db.select(VowComment, VowVersion, Ceremony)
            .join(VowVersion, VowVersion.id == VowComment.version_id)
            .join(Ceremony, Ceremony.id == VowComment.ceremony_id)
            .where(
                VowComment.org_id == org_id,
                VowComment.author == "client",
                Ceremony.archived_at.is_(None),
                _not_marked("comment", VowComment.id),
                ~exists().where(
                    newer.ceremony_id == VowVersion.ceremony_id,
                    newer.role == VowVersion.role,
                    newer.lang == VowVersion.lang,
                    newer.created_at > VowComment.created_at,
                ),
            )
            .order_by(VowComment.created_at)
            .limit(LIMIT)
            .options(*named_only())
        ).unique()
    )


def client_approvals(org_id: int) -> list[tuple[VowVersion, Ceremony]]:
    """Vows the client approved in the portal, not yet marked seen."""
    return list(
        db.session.execute(
            db.select(VowVersion, Ceremony)
            .join(Ceremony, Ceremony.id == VowVersion.ceremony_id)
            .where(
                VowVersion.org_id == org_id,
                VowVersion.approved_by == "client",
                VowVersion.approved_at.is_not(None),
                Ceremony.archived_at.is_(None),
                _not_marked("approval", VowVersion.id),
            )
            .order_by(VowVersion.approved_at)
            .limit(LIMIT)
            .options(*named_only())
        ).unique()
    )


def client_answers(org_id: int) -> list[tuple[CoupleStory, Companion]]:
    """Questionnaires the client filled in or changed in the portal since the planner last
    marked them seen (a planner's own edit of the answers counts as seen)."""
    return list(
        db.session.execute(
            db.select(CoupleStory, Companion)
            .join(Companion, Companion.id == CoupleStory.companion_id)
            .where(
                CoupleStory.org_id == org_id,
                CoupleStory.updated_by == "client",
                Companion.archived_at.is_(None),
                ~exists().where(
                    HandledMark.kind == "story",
                    HandledMark.ref_id == CoupleStory.id,
                    HandledMark.org_id == CoupleStory.org_id,
                    HandledMark.handled_at >= CoupleStory.updated_at,
                ),
            )
            .order_by(CoupleStory.updated_at)
            .limit(LIMIT)
        ).unique()
    )


def agreements_signed(org_id: int) -> list[tuple[Acceptance, Ceremony]]:
    """Agreements the client signed in the portal, not yet marked seen."""
    return list(
        db.session.execute(
            db.select(Acceptance, Ceremony)
            .join(Quote, Quote.id == Acceptance.quote_id)
            .join(Ceremony, Ceremony.id == Quote.ceremony_id)
            .where(
                Acceptance.org_id == org_id,
                Ceremony.archived_at.is_(None),
                _not_marked("signed", Acceptance.id),
            )
            .order_by(Acceptance.accepted_at, Acceptance.id)
            .limit(LIMIT)
            .options(*named_only())
        ).unique()
    )


def payments_received(org_id: int) -> list[tuple[Payment, Invoice, Ceremony]]:
    """Money that came in by itself (a bank statement line matched, a card payment through
    Stripe) and nobody has marked seen. Payments a planner typed in or settled are known."""
    return list(
        db.session.execute(
            db.select(Payment, Invoice, Ceremony)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .join(Ceremony, Ceremony.id == Invoice.ceremony_id)
            .where(
                Payment.org_id == org_id,
                Payment.external_ref.is_not(None),
                ~Payment.external_ref.startswith("line:"),  # settled by the planner by hand
                _not_marked("payment", Payment.id),
            )
            .order_by(Payment.received_on, Payment.id)
            .limit(LIMIT)
            .options(lazyload(Invoice.lines), lazyload(Invoice.payments), *named_only())
        ).unique()
    )


def credits_to_settle(org_id: int) -> list[BankLine]:
    """Bank credits the import could not place (over-payments, unknown payers)."""
    return list(
        db.session.scalars(
            db.select(BankLine)
            .where(BankLine.org_id == org_id, BankLine.outcome.in_(("over", "unmatched")))
            .order_by(BankLine.booked_on, BankLine.id)
            .limit(LIMIT)
        )
    )


def overdue_invoices(org_id: int, today: date) -> list[tuple[Invoice, Ceremony]]:
    """Issued invoices past their due date and not paid in full (nor cancelled)."""
    return list(
        db.session.execute(
            db.select(Invoice, Ceremony)
            .join(Ceremony, Ceremony.id == Invoice.ceremony_id)
            .where(
                Invoice.org_id == org_id,
                Invoice.kind != "credit",
                Invoice.status.in_(("issued", "partially_paid")),
                Invoice.due_date < today,
                Ceremony.archived_at.is_(None),
            )
            .order_by(Invoice.due_date, Invoice.id)
            .limit(LIMIT)
            .options(lazyload(Invoice.lines), lazyload(Invoice.payments), *named_only())
        ).unique()
    )


def due_tasks(org_id: int, until: date, user_id: int | None) -> list[tuple[Task, Ceremony]]:
    """Open tasks due by ``until``: the staff member's and those nobody is named for."""
    query = (
        db.select(Task, Ceremony)
        .join(Ceremony, Ceremony.id == Task.ceremony_id)
        .where(
            Task.org_id == org_id,
            Task.status == "open",
            Task.due_on <= until,
            Ceremony.archived_at.is_(None),
            Ceremony.status.in_(OPEN_CEREMONY),
        )
        .order_by(Task.due_on, Task.id)
        .limit(LIMIT)
        .options(*named_only())
    )
    if user_id is not None:
        query = query.where(or_(Task.assignee_id == user_id, Task.assignee_id.is_(None)))
    return list(db.session.execute(query).unique())


def failed_pushes(org_id: int, user_id: int | None) -> list[CalDAVAccount]:
    query = db.select(CalDAVAccount).where(
        CalDAVAccount.org_id == org_id, CalDAVAccount.last_error.is_not(None)
    )
    if user_id is not None:
        query = query.where(CalDAVAccount.user_id == user_id)
    return list(db.session.scalars(query))


def waiting_for(
    org_id: int, user_id: int | None, now: datetime, today: date, external: bool = False
) -> list[Waiting]:
    """Everything waiting in a company (``user_id``: their tasks and pushes only), oldest first."""

    def link(endpoint: str, anchor: str = "", **values) -> str:
        return (public_url if external else url_for)(endpoint, **values) + anchor

    items: list[Waiting] = []
    for comment, version, ceremony in client_comments(org_id):
        items.append(
            Waiting(
                "comment",
                comment.id,
                _(
                    "The client asks for changes to the vows: “%(text)s”",
                    text=quoted_within(comment.text[:120]),
                ),
                ceremony,
                comment.created_at.date(),
                link("vows.index", f"#vow-{version.id}", ceremony_id=ceremony.id),
            )
        )
    for version, ceremony in client_approvals(org_id):
        items.append(
            Waiting(
                "approval",
                version.id,
                _("The client approved vows version %(number)d.", number=version.number),
                ceremony,
                version.approved_at.date(),
                link("vows.index", f"#vow-{version.id}", ceremony_id=ceremony.id),
            )
        )
    for story, companion in client_answers(org_id):
        items.append(
            Waiting(
                "story",
                story.id,
                _(
                    "%(client)s answered the questionnaire about %(companion)s (%(lang)s).",
                    client=companion.client.full_name,
                    companion=companion.name,
                    lang=_("Japanese") if story.lang == "ja" else _("English"),
                ),
                None,
                story.updated_at.date(),
                link("personas.story", record_id=companion.id, lang=story.lang),
            )
        )
    for acceptance, ceremony in agreements_signed(org_id):
        items.append(
            Waiting(
                "signed",
                acceptance.id,
                _(
                    "The client signed the agreement (revision %(n)d).",
                    n=acceptance.revision,
                ),
                ceremony,
                acceptance.accepted_at.date(),
                link("billing.ceremony", "#quote", ceremony_id=ceremony.id),
            )
        )
    for ceremony in holds_to_remind(now, org_id, limit=LIMIT):
        items.append(
            Waiting(
                "hold",
                ceremony.id,
                _("A hold lapses soon: confirm or release it."),
                ceremony,
                ceremony.hold_expires_at.date(),
                link("ceremonies.edit", record_id=ceremony.id),
            )
        )
    for task, ceremony in due_tasks(org_id, today + TASKS_AHEAD, user_id):
        items.append(
            Waiting(
                "task",
                task.id,
                task.title,
                ceremony,
                task.due_on,
                link("ceremonies.edit", "#tasks", record_id=ceremony.id),
                overdue=task.due_on < today,
            )
        )
    for payment, invoice, ceremony in payments_received(org_id):
        items.append(
            Waiting(
                "payment",
                payment.id,
                _(
                    "Payment received: %(amount)s for %(number)s.",
                    amount=_yen(payment.amount),
                    number=invoice.display_number,
                ),
                ceremony,
                payment.received_on,
                link("billing.ceremony", "#invoices", ceremony_id=ceremony.id),
            )
        )
    for line in credits_to_settle(org_id):
        items.append(
            Waiting(
                "credit",
                line.id,
                _(
                    "A bank credit of %(amount)s from “%(payer)s” to settle.",
                    amount=_yen(line.amount),
                    payer=line.payer,
                ),
                None,
                line.booked_on,
                link("billing.index", "#bank"),
            )
        )
    for invoice, ceremony in overdue_invoices(org_id, today):
        items.append(
            Waiting(
                "overdue",
                invoice.id,
                _(
                    "Invoice %(number)s (%(amount)s) is overdue.",
                    number=invoice.display_number,
                    amount=_yen(invoice.total),
                ),
                ceremony,
                invoice.due_date,
                link("billing.ceremony", "#invoices", ceremony_id=ceremony.id),
                overdue=True,
            )
        )
    for account in failed_pushes(org_id, user_id):
        items.append(
            Waiting(
                "push",
                account.id,
                _("Your calendar could not be updated: %(error)s", error=account.last_error),
                None,
                (account.last_synced_at or account.updated_at).date(),
                link("calendars.index", "#caldav"),
            )
        )
    return items


MARKED_MODELS = {
    "comment": VowComment,
    "approval": VowVersion,
    "story": CoupleStory,
    "payment": Payment,
    "signed": Acceptance,
}


def mark_handled(org_id: int, kind: str, ref_id: int, user_id: int, now: datetime) -> None:
    """Take a client's comment, approval, answers or signed agreement, or a payment received,
    off what's waiting
    (marking answers again records the new time: answers sent after it wait again)."""
    model = MARKED_MODELS.get(kind)
    if model is None:
        raise WaitingError(kind)
    if (
        db.session.scalar(db.select(model.id).where(model.id == ref_id, model.org_id == org_id))
        is None
    ):
        raise WaitingError(kind)
    mark = db.session.scalar(
        db.select(HandledMark).filter_by(org_id=org_id, kind=kind, ref_id=ref_id)
    )
    if mark is None:
        mark = HandledMark(org_id=org_id, kind=kind, ref_id=ref_id)
        db.session.add(mark)
    mark.handled_by_id, mark.handled_at = user_id, now
    db.session.flush()


@eraser(order=5)
def erase_handled_marks(scope: ClientScope) -> dict[str, int]:
    """Erasure: the marks on the client's comments, approvals and answers (before those go),
    so that no mark outlives what it marked."""
    marked = {
        "comment": db.select(VowComment.id).where(VowComment.ceremony_id.in_(scope.ceremony_ids)),
        "approval": db.select(VowVersion.id).where(VowVersion.ceremony_id.in_(scope.ceremony_ids)),
        "story": db.select(CoupleStory.id).where(CoupleStory.companion_id.in_(scope.companion_ids)),
    }
    return {
        "handled_marks": sum(
            rowcount(
                db.delete(HandledMark).where(
                    HandledMark.org_id == scope.org_id,
                    HandledMark.kind == kind,
                    HandledMark.ref_id.in_(ids),
                )
            )
            for kind, ids in marked.items()
        )
    }


# --- the daily digest --------------------------------------------------------------------------


def digest_wanted(user_id: int) -> bool:
    setting = db.session.get(DigestSetting, user_id)
    return setting is None or setting.daily


def set_digest(user: User, daily: bool) -> None:
    setting = db.session.get(DigestSetting, user.id)
    if setting is None:
        setting = DigestSetting(user_id=user.id, org_id=user.org_id)
        db.session.add(setting)
    setting.daily = daily
    db.session.flush()


def digest_text(items: list[Waiting], company: str) -> tuple[str, str]:
    """The e-mail's subject and plain-text body, in the current locale."""
    subject = ngettext(
        "%(num)d thing waiting · %(company)s",
        "%(num)d things waiting · %(company)s",
        len(items),
        company=company,
    )
    lines = [_("Waiting for you today:"), ""]
    for item in items:
        where = f" ({_label(item.ceremony)})" if item.ceremony else ""
        flag = f" [{_('overdue')}]" if item.overdue else ""
        lines.append(f"- {format_local_date(item.when)}{flag} {item.what}{where}")
        lines.append(f"  {item.url}")
    lines += ["", _("Turn this e-mail off on your dashboard.")]
    return subject, "\n".join(lines)


def digests_due(now: datetime, today: date) -> list[tuple[User, list[Waiting]]]:
    """Staff members who want today's digest, have not had it, and have something waiting."""
    sent_today = and_(DigestSetting.last_sent_on.is_not(None), DigestSetting.last_sent_on >= today)
    staff = db.session.scalars(
        db.select(User)
        .outerjoin(DigestSetting, DigestSetting.user_id == User.id)
        .where(
            User.active,
            User.role != "viewer",
            or_(DigestSetting.user_id.is_(None), and_(DigestSetting.daily, ~sent_today)),
        )
        .order_by(User.id)
    ).unique()
    due = []
    for user in staff:
        items = waiting_for(user.org_id, user.id, now, today, external=True)
        if items:
            due.append((user, items))
    return due


def mark_digest_sent(user_id: int, org_id: int, today: date) -> None:
    setting = db.session.get(DigestSetting, user_id)
    if setting is None:
        setting = DigestSetting(user_id=user_id, org_id=org_id)
        db.session.add(setting)
    setting.last_sent_on = today
    db.session.flush()
