"""server-side sessions, certificate counters

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_user_sessions_secret_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('certificate_counters',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_number >= 0', name=op.f('ck_certificate_counters_last_number')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_certificate_counters_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', 'year', name=op.f('pk_certificate_counters'))
    )
    # Numbers already issued ("2026-0007"): each company's counter starts at its highest.
    op.execute(
        "INSERT INTO certificate_counters (org_id, year, last_number) "
        "SELECT org_id, CAST(substr(number, 1, 4) AS INTEGER), "
        "MAX(CAST(substr(number, 6) AS INTEGER)) "
        "FROM issued_documents WHERE kind = 'certificate' AND number IS NOT NULL "
        "GROUP BY org_id, CAST(substr(number, 1, 4) AS INTEGER)"
    )


def downgrade():
    op.drop_table('certificate_counters')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
