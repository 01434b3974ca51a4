"""a deposit recorded when the booking was confirmed is paid on the invoices ('booking')

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 07:10:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments") as batch_op:
        batch_op.drop_constraint(op.f("ck_payments_method"), type_="check")
        batch_op.create_check_constraint("method", "method IN ('bank', 'card', 'cash', 'booking')")


def downgrade():
    # The money stays received: kept as cash, and said so in its note.
    op.execute(
        "UPDATE payments SET method = 'cash', "
        "note = substr(note || ' [deposit recorded at the booking]', 1, 300) "
        "WHERE method = 'booking'"
    )
    with op.batch_alter_table("payments") as batch_op:
        batch_op.drop_constraint(op.f("ck_payments_method"), type_="check")
        batch_op.create_check_constraint("method", "method IN ('bank', 'card', 'cash')")
