"""h16 clients in their own language: the client's page language, offering descriptions per language

Revision ID: h16
Revises: h15
"""
from alembic import op
import sqlalchemy as sa


revision = 'h16'
down_revision = 'h13'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_language', sa.String(length=10), nullable=True))
    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.add_column(sa.Column('descriptions', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.drop_column('descriptions')
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('page_language')
