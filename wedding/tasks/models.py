"""Checklist templates and the tasks they become on a ceremony."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wedding.models import OrgOwned, Timestamped, UTCDateTime, db

ROLES = ("planner", "ar_operator", "photographer", "vow_reader")
STATUSES = ("open", "done", "skipped")
# A checklist reaches at most two years either side of the date.
OFFSET_LIMIT = 730
_ROLE_CHECK = "role IN ('planner', 'ar_operator', 'photographer', 'vow_reader')"
_OFFSET_CHECK = f"offset_days BETWEEN -{OFFSET_LIMIT} AND {OFFSET_LIMIT}"


class ChecklistTemplate(OrgOwned, db.Model):
    """A named checklist for a plan or a kind of ceremony."""

    __tablename__ = "checklist_templates"
    __table_args__ = (UniqueConstraint("org_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))

    items: Mapped[list["ChecklistItem"]] = relationship(
        order_by="(ChecklistItem.offset_days, ChecklistItem.id)",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class ChecklistItem(Timestamped, db.Model):
    """One line of a template: what, how many days from the date, and whose it is."""

    __tablename__ = "checklist_items"
    __table_args__ = (
        CheckConstraint(_OFFSET_CHECK, name="offset_range"),
        CheckConstraint(_ROLE_CHECK, name="role"),
        ForeignKeyConstraint(
            ["org_id", "template_id"],
            ["checklist_templates.org_id", "checklist_templates.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["org_id", "assignee_id"], ["users.org_id", "users.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    template_id: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    offset_days: Mapped[int]
    role: Mapped[str] = mapped_column(String(20), default="planner")
    assignee_id: Mapped[int | None]  # a named staff member instead of the role's person


class Task(Timestamped, db.Model):
    """A ceremony's task, due a number of days from its date; moving the date moves it."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(_OFFSET_CHECK, name="offset_range"),
        CheckConstraint(_ROLE_CHECK, name="role"),
        CheckConstraint("status IN ('open', 'done', 'skipped')", name="status"),
        CheckConstraint("status = 'open' OR closed_at IS NOT NULL", name="closed_at"),
        ForeignKeyConstraint(["org_id", "assignee_id"], ["users.org_id", "users.id"]),
        Index("ix_tasks_org_id_status_due_on", "org_id", "status", "due_on"),
        Index("ix_tasks_org_id_updated_at", "org_id", "updated_at"),  # calendar feeds' ETag
        # A template line becomes at most one task per ceremony (applying twice adds nothing).
        UniqueConstraint("ceremony_id", "template_item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    template_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("checklist_items.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    offset_days: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date)
    # The date the offset gave had already passed when the task was made or moved: it is due
    # on the day it was made instead, and flagged.
    late: Mapped[bool] = mapped_column(default=False)
    role: Mapped[str] = mapped_column(String(20), default="planner")
    assignee_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_open(self) -> bool:
        return self.status == "open"
