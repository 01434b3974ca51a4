"""a companion's voice says names as the planner wrote down: one reading a line

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("companions") as batch_op:
        batch_op.add_column(
            sa.Column("spoken_readings", sa.Text(), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("companions") as batch_op:
        batch_op.drop_column("spoken_readings")
