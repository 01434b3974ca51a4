"""presentations come with ceremonies

Every ceremony of a client gets its viewer link now, so that pages (the viewer, documents,
the portal) only read it and a GET never writes.

Revision ID: 0022
Revises: 0021_ops_gaps
Create Date: 2026-11-30 22:40:00

"""
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021_ops_gaps"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    ceremonies = sa.table(
        "ceremonies",
        sa.column("id", sa.Integer),
        sa.column("org_id", sa.Integer),
        sa.column("client_id", sa.Integer),
    )
    presentations = sa.table(
        "presentations",
        sa.column("id", sa.Integer),
        sa.column("org_id", sa.Integer),
        sa.column("ceremony_id", sa.Integer),
        sa.column("external_url", sa.String),
        sa.column("model_kind", sa.String),
        sa.column("model_name", sa.String),
        sa.column("nonce", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC there (UTCDateTime)
    # Ceremonies of an erased client (no client) stay without a link.
    missing = bind.execute(
        sa.select(ceremonies.c.id, ceremonies.c.org_id).where(
            ceremonies.c.client_id.is_not(None),
            ~sa.exists().where(presentations.c.ceremony_id == ceremonies.c.id),
        )
    ).all()
    rows = [
        {
            "org_id": org_id,
            "ceremony_id": ceremony_id,
            "external_url": "",
            "model_kind": "",
            "model_name": "",
            "nonce": secrets.token_hex(16),
            "created_at": now,
            "updated_at": now,
        }
        for ceremony_id, org_id in missing
    ]
    if rows:
        op.bulk_insert(presentations, rows)


def downgrade():
    pass  # the links made stay valid; nothing to undo
