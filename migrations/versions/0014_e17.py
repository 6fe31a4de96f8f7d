"""e17 an index on placement.ended_on (the results shown to clients read ended placements only)

Revision ID: e17
Revises: n17
"""
from alembic import op


revision = 'e17'
down_revision = 'n17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_placement_ended_on', 'placement', ['ended_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_placement_ended_on', table_name='placement')
