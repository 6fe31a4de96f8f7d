"""k17 kept facts rewritten on the job queue: the year's change counter (keptchange)

Revision ID: k17
Revises: t12
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'k17'
down_revision = 't12'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('keptchange',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kept_version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )


def downgrade() -> None:
    op.drop_table('keptchange')
