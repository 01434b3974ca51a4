"""a signed agreement waits on the dashboard until the planner marks it seen

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 06:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("handled_marks") as batch_op:
        batch_op.drop_constraint(op.f("ck_handled_marks_kind"), type_="check")
        batch_op.create_check_constraint(
            "kind", "kind IN ('comment', 'approval', 'story', 'payment', 'signed')"
        )


def downgrade():
    op.execute("DELETE FROM handled_marks WHERE kind = 'signed'")
    with op.batch_alter_table("handled_marks") as batch_op:
        batch_op.drop_constraint(op.f("ck_handled_marks_kind"), type_="check")
        batch_op.create_check_constraint(
            "kind", "kind IN ('comment', 'approval', 'story', 'payment')"
        )
