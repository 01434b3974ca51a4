"""a venue's closures are found by their last day: booking reads only those not over yet

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 15:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_closures_venue_id", table_name="closures")
    op.create_index("ix_closures_venue_id_ends_on", "closures", ["venue_id", "ends_on"])


def downgrade():
    op.drop_index("ix_closures_venue_id_ends_on", table_name="closures")
    op.create_index("ix_closures_venue_id", "closures", ["venue_id"])
