"""levels on referrals, offerings and bonus rules; the kind of provider

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True))
    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level_rates', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('bonusrule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('levels', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='company'))


def downgrade() -> None:
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('bonusrule', schema=None) as batch_op:
        batch_op.drop_column('levels')
    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.drop_column('level_rates')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('level')
