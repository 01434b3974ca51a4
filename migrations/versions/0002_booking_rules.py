"""booking rules: venue hours, closures and limits; holds, deposits, waitlist; no double booking

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

On SQLite, batch operations rebuild a table and drop its triggers: a later migration that
rebuilds `ceremonies` must create the no-overlap triggers again (tests check they exist).
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ACTIVE = "('hold', 'confirmed')"
STATUSES = "('draft', 'waitlisted', 'hold', 'confirmed', 'completed', 'cancelled', 'expired')"

SQLITE_TRIGGER = """
CREATE TRIGGER ceremonies_no_overlap_{event} BEFORE {event_sql} ON ceremonies
WHEN NEW.status IN {active}
BEGIN
    SELECT RAISE(ABORT, 'no_double_booking: the venue is already booked at this time')
    WHERE EXISTS (
        SELECT 1 FROM ceremonies AS other
        WHERE other.venue_id = NEW.venue_id
          AND other.id IS NOT NEW.id
          AND other.status IN {active}
          AND other.starts_at < NEW.blocked_until
          AND NEW.starts_at < other.blocked_until
    );
END
"""


def upgrade():
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_closures_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venues.id"],
            name=op.f("fk_closures_venue_id_venues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
    )
    op.create_index(op.f("ix_closures_venue_id"), "closures", ["venue_id"])
    op.create_table(
        "opening_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.CheckConstraint("closes > opens", name=op.f("ck_opening_hours_closes_after_opening")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_opening_hours_weekday_range")),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venues.id"],
            name=op.f("fk_opening_hours_venue_id_venues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_hours")),
        sa.UniqueConstraint("venue_id", "weekday", name=op.f("uq_opening_hours_venue_id_weekday")),
    )
    op.create_index(op.f("ix_opening_hours_venue_id"), "opening_hours", ["venue_id"])

    with op.batch_alter_table("venues") as batch_op:
        batch_op.add_column(
            sa.Column("durations", sa.JSON(), nullable=False, server_default="[60, 90, 120]")
        )
        for name, default in (
            ("buffer_minutes", "30"),
            ("slot_step_minutes", "30"),
            ("horizon_days", "730"),
            ("hold_days", "7"),
            ("reminder_days", "2"),
        ):
            batch_op.add_column(
                sa.Column(name, sa.Integer(), nullable=False, server_default=default)
            )
        batch_op.create_check_constraint(
            "buffer_range", "buffer_minutes >= 0 AND buffer_minutes <= 720"
        )
        batch_op.create_check_constraint(
            "slot_step", "slot_step_minutes IN (5, 10, 15, 20, 30, 60)"
        )
        batch_op.create_check_constraint("horizon_range", "horizon_days BETWEEN 1 AND 3660")
        batch_op.create_check_constraint("hold_days_range", "hold_days BETWEEN 1 AND 90")
        batch_op.create_check_constraint("reminder_days_range", "reminder_days BETWEEN 0 AND 90")
    with op.batch_alter_table("venues") as batch_op:
        for name in (
            "durations",
            "buffer_minutes",
            "slot_step_minutes",
            "horizon_days",
            "hold_days",
            "reminder_days",
        ):
            batch_op.alter_column(name, server_default=None)

    with op.batch_alter_table("ceremonies") as batch_op:
        batch_op.add_column(sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("guest_count", sa.Integer(), nullable=True))
        for name in (
            "hold_expires_at",
            "reminded_at",
            "waitlisted_at",
            "confirmed_at",
            "deposit_recorded_at",
            "cancelled_at",
        ):
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deposit_amount", sa.Integer(), nullable=True))
        batch_op.alter_column("client_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_index("ix_ceremonies_venue_id")
        batch_op.create_index("ix_ceremonies_venue_id_starts_at", ["venue_id", "starts_at"])

    # Existing ceremonies: blocked until they end; holds expire a week after they were made.
    ceremonies = sa.table(
        "ceremonies",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("ends_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("blocked_until", sa.DateTime(timezone=True)),
        sa.column("hold_expires_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            ceremonies.c.id, ceremonies.c.status, ceremonies.c.ends_at, ceremonies.c.created_at
        )
    ).all()
    for row in rows:
        values = {"blocked_until": row.ends_at}
        if row.status == "hold":
            values["hold_expires_at"] = row.created_at + timedelta(days=7)
        bind.execute(ceremonies.update().where(ceremonies.c.id == row.id).values(**values))

    with op.batch_alter_table("ceremonies") as batch_op:
        batch_op.alter_column(
            "blocked_until", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.drop_constraint(op.f("ck_ceremonies_status"), type_="check")
        batch_op.create_check_constraint("status", f"status IN {STATUSES}")
        batch_op.create_check_constraint("blocked_after_end", "blocked_until >= ends_at")
        batch_op.create_check_constraint(
            "hold_expires", "status != 'hold' OR hold_expires_at IS NOT NULL"
        )
        batch_op.create_check_constraint("guest_count", "guest_count IS NULL OR guest_count >= 0")
        batch_op.create_check_constraint(
            "deposit_amount", "deposit_amount IS NULL OR deposit_amount >= 0"
        )

    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE ceremonies ADD CONSTRAINT no_double_booking EXCLUDE USING gist "
            "(venue_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&) "
            f"WHERE (status IN {ACTIVE})"
        )
    elif bind.dialect.name == "sqlite":
        op.execute(SQLITE_TRIGGER.format(event="insert", event_sql="INSERT", active=ACTIVE))
        op.execute(
            SQLITE_TRIGGER.format(
                event="update",
                event_sql="UPDATE OF venue_id, starts_at, blocked_until, status",
                active=ACTIVE,
            )
        )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE ceremonies DROP CONSTRAINT no_double_booking")
    elif bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER ceremonies_no_overlap_insert")
        op.execute("DROP TRIGGER ceremonies_no_overlap_update")
    with op.batch_alter_table("ceremonies") as batch_op:
        for name in (
            "deposit_amount",
            "guest_count",
            "hold_expires",
            "blocked_after_end",
            "status",
        ):
            batch_op.drop_constraint(op.f(f"ck_ceremonies_{name}"), type_="check")
        batch_op.create_check_constraint(
            "status", "status IN ('draft', 'hold', 'confirmed', 'completed', 'cancelled')"
        )
        batch_op.drop_index("ix_ceremonies_venue_id_starts_at")
        batch_op.create_index("ix_ceremonies_venue_id", ["venue_id"])
        batch_op.alter_column("client_id", existing_type=sa.Integer(), nullable=False)
        for name in (
            "cancelled_at",
            "deposit_recorded_at",
            "deposit_amount",
            "confirmed_at",
            "waitlisted_at",
            "reminded_at",
            "hold_expires_at",
            "guest_count",
            "blocked_until",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("venues") as batch_op:
        for name in (
            "buffer_range",
            "slot_step",
            "horizon_range",
            "hold_days_range",
            "reminder_days_range",
        ):
            batch_op.drop_constraint(op.f(f"ck_venues_{name}"), type_="check")
        for name in (
            "reminder_days",
            "hold_days",
            "horizon_days",
            "slot_step_minutes",
            "buffer_minutes",
            "durations",
        ):
            batch_op.drop_column(name)
    op.drop_table("opening_hours")
    op.drop_table("closures")
