"""d17 the key figures page's counts as of the day kept per year (keptcount)

Revision ID: d17
Revises: e17
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'd17'
down_revision = 'e17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A year kept before this revision has no counts; the page counts them from the placements
    # until the next rewrite (a change or the nightly job) keeps them.
    op.create_table('keptcount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('section', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('grp', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('item', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'section', 'grp', 'item', name='uq_keptcount_cell')
    )


def downgrade() -> None:
    op.drop_table('keptcount')
