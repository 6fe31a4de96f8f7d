"""r17 the days each placement has attendance for, kept per month (reporteddays)

Revision ID: r17
Revises: l17
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'r17'
down_revision = 'l17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reporteddays',
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('placement_id', 'period')
    )
    # The masks of the attendance already stored (app/kundval/reported_days.py keeps them from now
    # on): bit d-1 for a row on day d; one row per placement and date, so the sum is the mask.
    if op.get_bind().dialect.name == "postgresql":
        period, day = "to_char(date, 'YYYY-MM')", "CAST(EXTRACT(day FROM date) AS integer)"
    else:
        period, day = "strftime('%Y-%m', date)", "CAST(strftime('%d', date) AS integer)"
    op.execute(f"INSERT INTO reporteddays (placement_id, period, days) "
               f"SELECT placement_id, {period}, sum(1 << ({day} - 1)) FROM attendance "
               f"GROUP BY placement_id, {period}")


def downgrade() -> None:
    op.drop_table('reporteddays')
