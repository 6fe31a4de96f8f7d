"""l17 the levels page kept per year (kept_parking)

Revision ID: l17
Revises: c13
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'l17'
down_revision = 'c13'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('keptparking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('hours_per_week', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('hours_n', sa.Integer(), nullable=False),
    sa.Column('interrupted', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('interrupted_n', sa.Integer(), nullable=False),
    sa.Column('result_rate', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('result_n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'position', name='uq_keptparking_year_position')
    )
    # A year kept before this revision has no levels rows; forgetting the kept years makes the
    # pages compute from the raw rows until the next rewrite (a change or the nightly job) keeps
    # them again with the levels. Kept rows are results, not sources: nothing is lost.
    op.execute("DELETE FROM keptfigure")
    op.execute("DELETE FROM keptbudget")
    op.execute("DELETE FROM keptyear")


def downgrade() -> None:
    op.drop_table('keptparking')
