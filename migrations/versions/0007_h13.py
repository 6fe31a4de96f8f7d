"""hand-offs: client contact and interpreter need, first meeting, withdrawn decisions, follow-ups

Revision ID: h13
Revises: 0006
Create Date: 2026-12-01 22:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'h13'
down_revision = 'h11s'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # accesslog.client_id became nullable in h11s (a row may stand for a list of clients).
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('needs_interpreter', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_meeting_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('first_meeting_time', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('first_meeting_place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
    op.create_table(
        'followup',
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('placement_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('recorded_on', sa.Date(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], ),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('placement_id', 'kind', name='uq_followup_placement_kind'),
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_placement_id'), ['placement_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_placement_id'))
    op.drop_table('followup')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_column('first_meeting_place')
        batch_op.drop_column('first_meeting_time')
        batch_op.drop_column('first_meeting_on')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_on')
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('needs_interpreter')
        batch_op.drop_column('email')
