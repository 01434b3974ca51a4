"""a data version per company

Responses are cached keyed by the company's data version (wedding/freshness.py); every change
to the company's data sets it to a new random number in the same transaction.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 01:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(
            sa.Column("data_version", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("data_version")
