"""operations gaps: more kinds of what's waiting marked handled; guest link lifetimes

Revision ID: 0021_ops_gaps
Revises: 0020
Create Date: 2026-11-30 22:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021_ops_gaps"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("guests") as batch_op:
        batch_op.add_column(
            sa.Column("link_days_after", sa.Integer(), nullable=False, server_default="7")
        )
        batch_op.create_check_constraint("link_days_after", "link_days_after BETWEEN 0 AND 90")
    with op.batch_alter_table("handled_marks") as batch_op:
        batch_op.drop_constraint(op.f("ck_handled_marks_kind"), type_="check")
        batch_op.create_check_constraint(
            "kind", "kind IN ('comment', 'approval', 'story', 'payment')"
        )


def downgrade():
    with op.batch_alter_table("guests") as batch_op:
        batch_op.drop_constraint(op.f("ck_guests_link_days_after"), type_="check")
        batch_op.drop_column("link_days_after")
    op.execute("DELETE FROM handled_marks WHERE kind IN ('story', 'payment')")
    with op.batch_alter_table("handled_marks") as batch_op:
        batch_op.drop_constraint(op.f("ck_handled_marks_kind"), type_="check")
        batch_op.create_check_constraint("kind", "kind IN ('comment', 'approval')")
