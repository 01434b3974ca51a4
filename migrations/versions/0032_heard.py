"""a recording keeps what the Japanese voice pronounced (katakana), for the planner to check

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 23:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("vow_audio") as batch_op:
        batch_op.add_column(sa.Column("heard", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("vow_audio") as batch_op:
        batch_op.drop_column("heard")
