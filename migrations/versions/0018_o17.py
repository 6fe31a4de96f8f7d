"""o17 the case worker's list's default order kept (case_facts.priority) with its indexes

Revision ID: o17
Revises: w17
"""
from alembic import op
import sqlalchemy as sa


revision = 'o17'
down_revision = 'w17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('case_facts', sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))
    # As app/kundval/casefacts.py works it out: children in the household first, then waiting,
    # placed, no decision, the rest.
    op.execute("""
        UPDATE case_facts SET priority =
            CASE WHEN children THEN 0 ELSE 4 END
            + CASE status WHEN 'waiting' THEN 0 WHEN 'placed' THEN 1 WHEN 'none' THEN 2 ELSE 3 END
    """)
    op.create_index('ix_case_facts_priority', 'case_facts', ['priority', 'deadline', 'name_key', 'client_id'])
    op.create_index('ix_case_facts_worker_priority', 'case_facts',
                    ['case_worker_id', 'priority', 'deadline', 'name_key', 'client_id'])


def downgrade() -> None:
    op.drop_index('ix_case_facts_worker_priority', table_name='case_facts')
    op.drop_index('ix_case_facts_priority', table_name='case_facts')
    op.drop_column('case_facts', 'priority')
