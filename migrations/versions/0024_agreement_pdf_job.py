"""the signed agreement's PDF is rendered by a job

An acceptance keeps the agreement document as the client read it and the acceptance time as
printed, so that a background job renders the PDF after the request (and not inside it).
Acceptances from before keep their PDF and have no document; every acceptance has one or the
other.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 02:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quote_acceptances") as batch:
        batch.add_column(sa.Column("document", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("stamp", sa.String(length=64), nullable=False, server_default="")
        )
        batch.create_check_constraint(
            "renderable", "file_id IS NOT NULL OR document IS NOT NULL"
        )


def downgrade():
    with op.batch_alter_table("quote_acceptances") as batch:
        batch.drop_constraint(op.f("ck_quote_acceptances_renderable"), type_="check")
        batch.drop_column("stamp")
        batch.drop_column("document")
