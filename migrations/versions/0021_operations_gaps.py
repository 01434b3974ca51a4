"""operations gaps: more kinds of what's waiting marked handled; guest link lifetimes

Revision ID: 0021_ops_gaps
Revises: 0020
Create Date: 2026-11-30 22:45:00

"""

from alembic import op

revision = "0021_ops_gaps"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("handled_marks") as batch_op:
        batch_op.drop_constraint(op.f("ck_handled_marks_kind"), type_="check")
        batch_op.create_check_constraint(
            "kind", "kind IN ('comment', 'approval', 'story', 'payment')"
        )


def downgrade():
    op.execute("DELETE FROM handled_marks WHERE kind IN ('story', 'payment')")
    with op.batch_alter_table("handled_marks") as batch_op:
        batch_op.drop_constraint(op.f("ck_handled_marks_kind"), type_="check")
        batch_op.create_check_constraint("kind", "kind IN ('comment', 'approval')")
