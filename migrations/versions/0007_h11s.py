"""sessions end on the server (a per-user session version); API tokens expire; the access log
has one row per view of a list

Revision ID: h11s
Revises: 0006
Create Date: 2026-12-01 22:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'h11s'
down_revision = 'h15'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('apitoken', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('accesslog', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_count', sa.Integer(), nullable=False, server_default='1'))
        batch_op.alter_column('client_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM accesslog WHERE client_id IS NULL")
    with op.batch_alter_table('accesslog', schema=None) as batch_op:
        batch_op.alter_column('client_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('client_count')
    with op.batch_alter_table('apitoken', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
