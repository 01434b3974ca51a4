"""the guest count the planner typed is kept while the guest list counts, and comes back
when the list is empty again

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 08:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("guest_lists") as batch_op:
        batch_op.add_column(sa.Column("typed_guest_count", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "typed_guest_count", "typed_guest_count IS NULL OR typed_guest_count >= 0"
        )


def downgrade():
    with op.batch_alter_table("guest_lists") as batch_op:
        batch_op.drop_constraint(op.f("ck_guest_lists_typed_guest_count"), type_="check")
        batch_op.drop_column("typed_guest_count")
