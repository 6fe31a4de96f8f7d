"""procurement: conditions, contracts and their changes; the IOP flag of a provider

Revision ID: h18
Revises: 0006
Create Date: 2026-12-01 22:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'h18'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'conditions',
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('req_documents', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('req_insurance', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('req_staff', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('req_languages', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('compensation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('contract_months', sa.Integer(), nullable=False),
        sa.Column('price_rule', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('price_unit', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('price_amount', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('level_amounts', sa.JSON(), nullable=False),
        sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['published_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('service_type', 'version', name='uq_conditions_version'),
    )
    with op.batch_alter_table('conditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conditions_service_type'), ['service_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_conditions_status'), ['status'], unique=False)

    op.create_table(
        'contract',
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('terms', sa.JSON(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('accepted_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['provider_id'], ['provider.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_ref'), ['ref'], unique=True)
        batch_op.create_index(batch_op.f('ix_contract_status'), ['status'], unique=False)

    op.create_table(
        'contractchange',
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('conditions_id', sa.Integer(), nullable=False),
        sa.Column('service_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('accept_by', sa.Date(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['conditions_id'], ['conditions.id']),
        sa.ForeignKeyConstraint(['contract_id'], ['contract.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('contractchange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractchange_conditions_id'), ['conditions_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contractchange_contract_id'), ['contract_id'], unique=False)

    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('iop', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_column('iop')
    op.drop_table('contractchange')
    op.drop_table('contract')
    op.drop_table('conditions')
