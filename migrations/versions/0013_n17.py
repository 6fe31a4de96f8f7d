"""n17 a settlement keeps the number of its lines and unpaid days (line_count, unpaid_days)

Revision ID: n17
Revises: r17
"""
from alembic import op
import sqlalchemy as sa


revision = 'n17'
down_revision = 'r17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('settlement', sa.Column('line_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('settlement', sa.Column('unpaid_days', sa.Integer(), server_default='0', nullable=False))
    # The settlements already stored: counted once from their lines and warnings (a stored
    # warning is a run of days), as finance's period page counted them on every view before.
    op.execute("UPDATE settlement SET "
               "line_count = (SELECT count(*) FROM settlementline WHERE settlement_id = settlement.id), "
               "unpaid_days = (SELECT coalesce(sum(days), 0) FROM settlementwarning "
               "WHERE settlement_id = settlement.id)")


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy would drop the table that
    # the lines and warnings point to.
    op.drop_column('settlement', 'unpaid_days')
    op.drop_column('settlement', 'line_count')
