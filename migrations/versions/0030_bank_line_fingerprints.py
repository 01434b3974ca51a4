"""a bank line is imported once whatever became of it: its fingerprint is kept on the line

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 19:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    # Lines imported before keep none: their text was not kept, so it cannot be computed; the
    # lines that were matched are still found by their payments' external_ref, as before.
    with op.batch_alter_table("bank_lines") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_bank_lines_fingerprint",
        "bank_lines",
        ["org_id", "fingerprint"],
        unique=True,
        sqlite_where=sa.text("fingerprint IS NOT NULL"),
        postgresql_where=sa.text("fingerprint IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_bank_lines_fingerprint", table_name="bank_lines")
    with op.batch_alter_table("bank_lines") as batch:
        batch.drop_column("fingerprint")
