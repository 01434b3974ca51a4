"""ceremony roles, preparation time and standee cut-outs

Clients get how the ceremony names them (新婦 / 新郎 / 新人 / their own words) and pronouns.
Ceremonies block preparation time before the start and time kept after the end: the overlap
guard (PostgreSQL exclusion constraint, SQLite triggers) now covers [blocked_from,
blocked_until). Companions keep the figure cut out of their portrait for the AR standee.

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-30 19:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


ACTIVE = "('hold', 'confirmed')"
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
          AND other.{start} < NEW.blocked_until
          AND NEW.{start} < other.blocked_until
    );
END
"""

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _guard(start: str) -> None:
    """The no-overlap guard over [start, blocked_until)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE ceremonies DROP CONSTRAINT IF EXISTS no_double_booking")
        op.execute(
            "ALTER TABLE ceremonies ADD CONSTRAINT no_double_booking EXCLUDE USING gist "
            f"(venue_id WITH =, tstzrange({start}, blocked_until, '[)') WITH &&) "
            f"WHERE (status IN {ACTIVE})"
        )
    elif bind.dialect.name == "sqlite":
        events = (
            ("insert", "INSERT"),
            ("update", f"UPDATE OF venue_id, {start}, blocked_until, status"),
        )
        for event, event_sql in events:
            op.execute(f"DROP TRIGGER IF EXISTS ceremonies_no_overlap_{event}")
            op.execute(
                SQLITE_TRIGGER.format(event=event, event_sql=event_sql, active=ACTIVE, start=start)
            )


def upgrade():
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ceremony_role", sa.String(length=10), server_default="partner", nullable=False)
        )
        batch_op.add_column(
            sa.Column("role_label", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("pronouns", sa.String(length=10), server_default="they", nullable=False)
        )
        batch_op.create_check_constraint(
            "ceremony_role", "ceremony_role IN ('bride', 'groom', 'partner', 'custom')"
        )
        batch_op.create_check_constraint("pronouns", "pronouns IN ('she', 'he', 'they')")

    with op.batch_alter_table("companions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cutout_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("cutout_state", sa.String(length=10), server_default="", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_companions_cutout_id_stored_files"), "stored_files", ["cutout_id"], ["id"]
        )
        batch_op.create_check_constraint(
            "cutout_state", "cutout_state IN ('', 'proposed', 'accepted', 'uploaded')"
        )

    with op.batch_alter_table("ceremonies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocked_from", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("setup_minutes", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("wrapup_minutes", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute("UPDATE ceremonies SET blocked_from = starts_at")
    with op.batch_alter_table("ceremonies", schema=None) as batch_op:
        batch_op.alter_column(
            "blocked_from", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_check_constraint("blocked_before_start", "blocked_from <= starts_at")
        batch_op.create_check_constraint(
            "extra_minutes",
            "setup_minutes BETWEEN 0 AND 240 AND wrapup_minutes BETWEEN 0 AND 720",
        )
    # The batch rebuild of `ceremonies` on SQLite dropped its triggers: made again over the
    # blocked range that now starts with the preparation time.
    _guard("blocked_from")


def downgrade():
    with op.batch_alter_table("ceremonies", schema=None) as batch_op:
        batch_op.drop_constraint("extra_minutes", type_="check")
        batch_op.drop_constraint("blocked_before_start", type_="check")
        batch_op.drop_column("wrapup_minutes")
        batch_op.drop_column("setup_minutes")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ceremonies DROP CONSTRAINT IF EXISTS no_double_booking")
    with op.batch_alter_table("ceremonies", schema=None) as batch_op:
        batch_op.drop_column("blocked_from")
    _guard("starts_at")

    with op.batch_alter_table("companions", schema=None) as batch_op:
        batch_op.drop_constraint("cutout_state", type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_companions_cutout_id_stored_files"), type_="foreignkey"
        )
        batch_op.drop_column("cutout_state")
        batch_op.drop_column("cutout_id")

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_constraint("pronouns", type_="check")
        batch_op.drop_constraint("ceremony_role", type_="check")
        batch_op.drop_column("pronouns")
        batch_op.drop_column("role_label")
        batch_op.drop_column("ceremony_role")
