"""a bank line the planner settled says so in the reader's language, not in an English note

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 14:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    # The page now says it itself (Payment.settled_by_planner), in Japanese or English.
    op.execute(
        "UPDATE payments SET note = '' "
        "WHERE note = 'settled by the planner' AND external_ref LIKE 'line:%'"
    )


def downgrade():
    op.execute(
        "UPDATE payments SET note = 'settled by the planner' "
        "WHERE note = '' AND external_ref LIKE 'line:%'"
    )
