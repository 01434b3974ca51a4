"""Checklists counted from the date: templates become a ceremony's tasks, which follow it.

A task keeps its offset in days from the ceremony's date (on the venue's wall clock); when the
ceremony moves, every open task moves with it (``_follow_the_date``: whatever moves the
ceremony, a reschedule, a draft's new slot or the API). A date that has already passed is
never given: such a task is due today instead and flagged ``late``."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, or_
from sqlalchemy.orm import Session, attributes

from wedding.accounts.models import User
from wedding.accounts.services import staff_of
from wedding.ceremonies.models import Ceremony
from wedding.i18n import HOME_TIMEZONE
from wedding.i18n import lazy_gettext as _l
from wedding.models import db, utcnow
from wedding.tasks.models import OFFSET_LIMIT, ROLES, ChecklistItem, ChecklistTemplate, Task

OPEN_CEREMONY = ("draft", "waitlisted", "hold", "confirmed", "completed")

# The standard checklist of an AR ceremony: (days from the date, role, Japanese, English).
STANDARD = (
    (-45, "planner", "等身大パネル・アクリルスタンドを発注", "Order the life-size panel or stand"),
    (-30, "planner", "パートナーのイラストの使用許可を確認", "Confirm the rights to the artwork"),
    (-14, "photographer", "撮影の打ち合わせ（パートナーの余白）", "Brief the photographer"),
    (-7, "ar_operator", "ARグラスの充電とモデルでのテスト", "Charge and test the AR glasses"),
    (-3, "vow_reader", "代読者とリハーサル", "Rehearse with the vow reader"),
    (-1, "planner", "ゲストにARリンクを送る", "Send the AR link to the guests"),
    (14, "photographer", "合成写真の納品", "Deliver the composited photos"),
)


class TaskError(ValueError):
    """A checklist change breaks a rule; ``field`` names the form field to show it on."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Applied:
    added: list[Task]
    late: int  # how many were already past their date: due today, flagged


def ceremony_day(ceremony: Ceremony) -> date:
    """The ceremony's date on the venue's wall clock."""
    return ceremony.starts_at.astimezone(ZoneInfo(ceremony.venue.timezone)).date()


def venue_today(ceremony: Ceremony, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(ceremony.venue.timezone)).date()


def org_today(now: datetime | None = None) -> date:
    """Today in Japan, where the companies work (pages that span several venues)."""
    return (now or utcnow()).astimezone(ZoneInfo(HOME_TIMEZONE)).date()


def _due(day: date, offset: int, today: date) -> tuple[date, bool]:
    wanted = day + timedelta(days=offset)
    return (wanted, False) if wanted >= today else (today, True)


def _check_offset(offset: int) -> None:
    if not -OFFSET_LIMIT <= offset <= OFFSET_LIMIT:
        raise TaskError("offset_days", _l("Keep within two years of the date."))


def _check_assignee(org_id: int, assignee_id: int | None) -> None:
    if assignee_id is None:
        return
    user = db.session.get(User, assignee_id)
    if user is None or user.org_id != org_id or not user.active:
        raise TaskError("assignee_id", _l("Choose one from the list."))


# --- templates -----------------------------------------------------------------------------


def templates_of(org_id: int) -> list[ChecklistTemplate]:
    return list(
        db.session.scalars(
            db.select(ChecklistTemplate)
            .where(ChecklistTemplate.org_id == org_id, ChecklistTemplate.archived_at.is_(None))
            .order_by(ChecklistTemplate.name, ChecklistTemplate.id)
        )
    )


def create_standard_template(org_id: int, lang: str, name: str) -> ChecklistTemplate:
    """The standard AR-ceremony checklist, in the planner's language, as a template to edit."""
    template = ChecklistTemplate(org_id=org_id, name=name)
    template.items = [
        ChecklistItem(
            org_id=org_id, offset_days=offset, role=role, title=title_ja if lang == "ja" else en
        )
        for offset, role, title_ja, en in STANDARD
    ]
    db.session.add(template)
    db.session.flush()
    return template


def save_template(org_id: int, template: ChecklistTemplate | None, name: str) -> ChecklistTemplate:
    if template is None:
        template = ChecklistTemplate(org_id=org_id)
        db.session.add(template)
    template.name = name
    db.session.flush()
    return template


def add_template_item(
    template: ChecklistTemplate, title: str, offset_days: int, role: str, assignee_id: int | None
) -> ChecklistItem:
    _check_offset(offset_days)
    _check_assignee(template.org_id, assignee_id)
    if role not in ROLES:
        raise TaskError("role", _l("Choose one from the list."))
    item = ChecklistItem(
        org_id=template.org_id,
        template_id=template.id,
        title=title,
        offset_days=offset_days,
        role=role,
        assignee_id=assignee_id,
    )
    template.items.append(item)
    db.session.flush()
    return item


def remove_template_item(template: ChecklistTemplate, item_id: int) -> None:
    item = next((i for i in template.items if i.id == item_id), None)
    if item is None:
        raise TaskError("item", _l("That line is no longer there."))
    template.items.remove(item)
    db.session.flush()


# --- a ceremony's tasks ----------------------------------------------------------------------


def tasks_of(ceremony_id: int) -> list[Task]:
    return list(
        db.session.scalars(
            db.select(Task).where(Task.ceremony_id == ceremony_id).order_by(Task.due_on, Task.id)
        )
    )


def _assignee_for(ceremony: Ceremony, role: str, named: int | None) -> int | None:
    """A named staff member, or the ceremony's planner for the planner's tasks."""
    if named is not None:
        return named
    return ceremony.planner_id if role == "planner" else None


def apply_checklist(
    ceremony: Ceremony, template: ChecklistTemplate, now: datetime | None = None
) -> Applied:
    """Add the template's lines as tasks (lines already applied are skipped)."""
    if template.org_id != ceremony.org_id:
        raise TaskError("template", _l("Choose one from the list."))
    have = set(
        db.session.scalars(
            db.select(Task.template_item_id).where(
                Task.ceremony_id == ceremony.id, Task.template_item_id.is_not(None)
            )
        )
    )
    day, today = ceremony_day(ceremony), venue_today(ceremony, now)
    added = []
    for item in template.items:
        if item.id in have:
            continue
        due, late = _due(day, item.offset_days, today)
        added.append(
            Task(
                org_id=ceremony.org_id,
                ceremony_id=ceremony.id,
                template_item_id=item.id,
                title=item.title,
                offset_days=item.offset_days,
                due_on=due,
                late=late,
                role=item.role,
                assignee_id=_assignee_for(ceremony, item.role, item.assignee_id),
            )
        )
    db.session.add_all(added)
    db.session.flush()
    return Applied(added, sum(task.late for task in added))


def add_task(
    ceremony: Ceremony,
    title: str,
    due_on: date,
    role: str,
    assignee_id: int | None,
    now: datetime | None = None,
) -> Task:
    """A task of this ceremony only, due on a date (kept as days from the ceremony's date)."""
    if role not in ROLES:
        raise TaskError("role", _l("Choose one from the list."))
    if due_on < venue_today(ceremony, now):
        raise TaskError("due_on", _l("That day has passed; choose today or later."))
    offset = (due_on - ceremony_day(ceremony)).days
    _check_offset(offset)
    _check_assignee(ceremony.org_id, assignee_id)
    task = Task(
        org_id=ceremony.org_id,
        ceremony_id=ceremony.id,
        title=title,
        offset_days=offset,
        due_on=due_on,
        role=role,
        assignee_id=_assignee_for(ceremony, role, assignee_id),
    )
    db.session.add(task)
    db.session.flush()
    return task


def close_task(task: Task, status: str, user_id: int | None) -> Task:
    """Done, or not needed; ``open`` opens it again."""
    if status not in ("open", "done", "skipped"):
        raise TaskError("status", _l("Choose one from the list."))
    task.status = status
    task.closed_at = None if status == "open" else (task.closed_at or utcnow())
    task.closed_by_id = None if status == "open" else user_id
    db.session.flush()
    return task


def delete_task(task: Task) -> None:
    db.session.delete(task)
    db.session.flush()


def assignee_names(org_id: int) -> dict[int, str]:
    """Staff names by id, for lists of tasks."""
    return {member.id: member.name for member in staff_of(org_id)}


def assignee_label(task: Task, names: dict[int, str]) -> str:
    """Who does a task: the staff member's name, else the role (``ar_operator`` …)."""
    return names.get(task.assignee_id, "") or task.role


def my_tasks(user_id: int, org_id: int) -> list[tuple[Task, Ceremony]]:
    """A staff member's open tasks with their ceremonies, soonest first."""
    rows = db.session.execute(
        db.select(Task, Ceremony)
        .join(Ceremony, Ceremony.id == Task.ceremony_id)
        .where(
            Task.org_id == org_id,
            Task.assignee_id == user_id,
            Task.status == "open",
            Ceremony.archived_at.is_(None),
            Ceremony.status.in_(OPEN_CEREMONY),
        )
        .order_by(Task.due_on, Task.id)
    )
    return [(task, ceremony) for task, ceremony in rows.unique()]


def open_tasks_due(org_id: int, until: date, user_id: int | None = None) -> list[Task]:
    """Open tasks due on or before a day (overdue included), for what's waiting."""
    query = (
        db.select(Task)
        .join(Ceremony, Ceremony.id == Task.ceremony_id)
        .where(
            Task.org_id == org_id,
            Task.status == "open",
            Task.due_on <= until,
            Ceremony.archived_at.is_(None),
            Ceremony.status.in_(OPEN_CEREMONY),
        )
        .order_by(Task.due_on, Task.id)
    )
    if user_id is not None:
        query = query.where(or_(Task.assignee_id == user_id, Task.assignee_id.is_(None)))
    return list(db.session.scalars(query))


def move_open_tasks(ceremony: Ceremony, now: datetime | None = None) -> int:
    """Put the open tasks back at their offsets from the ceremony's (new) date."""
    day, today = ceremony_day(ceremony), venue_today(ceremony, now)
    moved = 0
    for task in db.session.scalars(
        db.select(Task).where(Task.ceremony_id == ceremony.id, Task.status == "open")
    ):
        due, late = _due(day, task.offset_days, today)
        if (due, late) != (task.due_on, task.late):
            task.due_on, task.late = due, late
            moved += 1
    return moved


@event.listens_for(Session, "before_flush")
def _follow_the_date(session, flush_context, instances) -> None:
    """Whatever moves a ceremony moves its open tasks, in the same flush."""
    for obj in list(session.dirty):
        if not isinstance(obj, Ceremony):
            continue
        with session.no_autoflush:
            if attributes.get_history(obj, "starts_at").has_changes():
                move_open_tasks(obj)
            planner = attributes.get_history(obj, "planner_id")
            if planner.has_changes() and planner.deleted and planner.deleted[0] is not None:
                _hand_over(obj.id, planner.deleted[0], obj.planner_id)


def _hand_over(ceremony_id: int, old: int, new: int | None) -> None:
    """A new planner takes over the planner's open tasks of the ceremony."""
    for task in db.session.scalars(
        db.select(Task).where(
            Task.ceremony_id == ceremony_id,
            Task.status == "open",
            Task.role == "planner",
            Task.assignee_id == old,
        )
    ):
        task.assignee_id = new
