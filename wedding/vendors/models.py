"""Vendors and what a ceremony orders from them."""

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wedding.models import OrgOwned, db

KINDS = ("print_shop", "frame_maker", "compositing_studio", "photographer")
ORDER_STATUSES = ("ordered", "shipped", "received")


class Vendor(OrgOwned, db.Model):
    __tablename__ = "vendors"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        CheckConstraint(
            "kind IN ('print_shop', 'frame_maker', 'compositing_studio', 'photographer')",
            name="kind",
        ),
        CheckConstraint("lead_time_days BETWEEN 0 AND 365", name="lead_time"),
        # a qualified-invoice registration number: T and 13 digits (check digit in Python)
        CheckConstraint(
            "registration_number = '' OR length(registration_number) = 14", name="registration"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    lead_time_days: Mapped[int] = mapped_column(default=0)
    registration_number: Mapped[str] = mapped_column(String(14), default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class Order(OrgOwned, db.Model):
    """Something a ceremony orders from a vendor (the panel, a frame, the compositing)."""

    __tablename__ = "vendor_orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("cost_yen >= 0", name="cost"),
        CheckConstraint("status IN ('ordered', 'shipped', 'received')", name="status"),
        CheckConstraint("print_width_mm IS NULL OR print_width_mm > 0", name="print_width"),
        CheckConstraint("print_height_mm IS NULL OR print_height_mm > 0", name="print_height"),
        CheckConstraint("bleed_mm BETWEEN 0 AND 20", name="bleed"),
        ForeignKeyConstraint(["org_id", "vendor_id"], ["vendors.org_id", "vendors.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(
        ForeignKey("ceremonies.id", ondelete="CASCADE"), index=True
    )
    vendor_id: Mapped[int] = mapped_column(index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(default=1)
    cost_yen: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="ordered")
    ordered_on: Mapped[date] = mapped_column(Date)
    # The print file: the companion's portrait at this trim size, with bleed on every side.
    print_width_mm: Mapped[int | None]
    print_height_mm: Mapped[int | None]
    bleed_mm: Mapped[int] = mapped_column(default=3)

    vendor: Mapped[Vendor] = relationship(
        primaryjoin="Vendor.id == foreign(Order.vendor_id)", lazy="joined"
    )
