"""c13 the case worker's list kept per client (case_facts)

Revision ID: c13
Revises: k17
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'c13'
down_revision = 'k17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_facts',
    sa.Column('client_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_worker_id', sa.Integer(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('rules', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('born', sa.Date(), nullable=False),
    sa.Column('children', sa.Boolean(), nullable=False),
    sa.Column('service_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('deadline_soon', sa.Integer(), nullable=False),
    sa.Column('no_first_meeting', sa.Integer(), nullable=False),
    sa.Column('attendance_missing', sa.Integer(), nullable=False),
    sa.Column('to_verify', sa.Integer(), nullable=False),
    sa.Column('followup_due', sa.Integer(), nullable=False),
    sa.Column('disputed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id')
    )
    with op.batch_alter_table('case_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_facts_as_of'), ['as_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_facts_case_worker_id'), ['case_worker_id'], unique=False)
    # The rows are written by the first list of the day (app/kundval/casefacts.py): an old row or
    # none at all is worked out anew before the list reads, so nothing need be filled here.


def downgrade() -> None:
    with op.batch_alter_table('case_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_facts_case_worker_id'))
        batch_op.drop_index(batch_op.f('ix_case_facts_as_of'))
    op.drop_table('case_facts')
