"""f17 the fair comparison's groups of ended placements kept (keptendedgroup)

Revision ID: f17
Revises: d17
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'f17'
down_revision = 'd17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty: the first compare page of the day counts the groups and keeps them.
    op.create_table('keptendedgroup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('service_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('ended', sa.Integer(), nullable=False),
    sa.Column('results', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('keptendedgroup')
